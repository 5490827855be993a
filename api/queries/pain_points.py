"""The main question: the top pain points inside a date window, source and kind, with trend and quotes.

The ranking, counts and quotes are miner.store.top's (the same query as `touchpoints top` and the report); this
module adds the trend against the previous period and the API's shape."""

from __future__ import annotations

import sqlite_utils

from api.queries.common import Filters, check_touchpoint, run_public, run_taxonomy, with_dates
from miner.store.top import pain_point_counts, top_pain_points


def trend(now_n: int, before: int | None) -> dict | None:
    if before is None:
        return None
    direction = "new" if before == 0 and now_n else "up" if now_n > before else "down" if now_n < before else "flat"
    change = round((now_n - before) / before, 4) if before else None
    return {"previous_complaints": before, "change": now_n - before, "change_pct": change, "direction": direction}


def pain_points(
    db: sqlite_utils.Database,
    run: dict,
    filters: Filters,
    *,
    touchpoint: str | None = None,
    stage: str | None = None,
    limit: int = 10,
    offset: int = 0,
    n_quotes: int = 3,
) -> dict:
    """Pain points ordered by complaints inside the filters, each with its shares, trend and quotes; one page of
    them (`limit` from `offset`)."""
    check_touchpoint(run_taxonomy(run), touchpoint)
    top = top_pain_points(db, run, filters, touchpoint=touchpoint, stage=stage, limit=limit, offset=offset,
                          quotes=n_quotes)  # fmt: skip
    previous = filters.previous(db)
    before = pain_point_counts(db, run, previous)[0] if previous else None
    out = []
    for point in top["pain_points"]:
        point = {k: v for k, v in point.items() if k != "quote_ids"}
        point["quotes"] = [with_dates(q) for q in point["quotes"]]
        point["trend"] = trend(point["complaints"], before.get(point["id"], 0) if before is not None else None)
        out.append(point)
    period = {"since": filters.since, "until": filters.until}
    if previous:
        period |= {"previous_since": previous.since, "previous_until": previous.until}
    return {"run": run_public(run), "period": period, "total_complaints": top["total_complaints"],
            "total": top["matched"], "limit": limit, "offset": offset, "pain_points": out}  # fmt: skip
