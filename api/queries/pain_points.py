"""The main question: the top pain points inside a date window, source and kind, with trend and quotes.

The ranking, counts and quotes are miner.store.top's (the same query as `touchpoints top` and the report); this
module adds the trend against the previous period and the API's shape."""

from __future__ import annotations

import sqlite_utils

from api.queries.common import Filters, check_touchpoint, run_public, run_taxonomy, with_dates
from miner.report.trends import change
from miner.store.reads import items_inside
from miner.store.top import pain_point_counts, pain_point_items, top_pain_points


def trend(now_n: int, before: int | None, docs: int, docs_before: int, items: int, items_before: int) -> dict | None:
    """The period against the previous one as the report judges its trends (miner/report/trends.py `change`): the
    share of feedback items with a complaint in the pain point, Fisher's exact test, no direction under
    MIN_PERIOD_ITEMS items in either period ("too few"). Raw complaint counts called a pain point "up" when a second
    source only added items, and a chat saying it in three turns counted three times, "significant" at p = 0.02
    where the items gave 0.18. `previous_complaints`, `change` and `change_pct` stay the complaint counts'."""
    if before is None:
        return None
    judged = change(docs_before, items_before, docs, items)
    direction = {"unchanged": "flat", "none": "flat"}.get(judged["status"], judged["status"])
    return {"previous_complaints": before, "change": now_n - before,
            "change_pct": round((now_n - before) / before, 4) if before else None,
            "documents": docs, "previous_documents": docs_before, "items": items, "previous_items": items_before,
            "rate_change_pct": None if judged["relative"] is None else round(judged["relative"], 4),
            "p_value": judged["p_value"], "significant": judged["significant"], "direction": direction}  # fmt: skip


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
    previous = filters.previous(db, run)  # and every denominator: the items this run analysed, not those since
    before = pain_point_counts(db, run, previous)[0] if previous else None
    items = items_inside(db, run, filters)
    before_items = items_inside(db, run, previous) if previous else 0
    ids = [p["id"] for p in top["pain_points"]]
    docs = pain_point_items(db, run, filters, ids) if previous else {}
    docs_before = pain_point_items(db, run, previous, ids) if previous else {}
    out = []
    for point in top["pain_points"]:
        point = {k: v for k, v in point.items() if k != "quote_ids"}
        point["quotes"] = [with_dates(q) for q in point["quotes"]]
        earlier = before.get(point["id"], 0) if before is not None else None
        point["trend"] = trend(point["complaints"], earlier, docs.get(point["id"], 0), docs_before.get(point["id"], 0),
                               items, before_items)  # fmt: skip
        out.append(point)
    period = {"since": filters.since, "until": filters.until}
    if previous:
        period |= {"previous_since": previous.since, "previous_until": previous.until}
    return {"run": run_public(run), "period": period, "total_complaints": top["total_complaints"], "total_items": items,
            "total": top["matched"], "limit": limit, "offset": offset, "pain_points": out}  # fmt: skip
