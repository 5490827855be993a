"""The main question: the top pain points inside a date window, source and kind, with trend and quotes.

The ranking, counts and quotes are miner.store.top's (the same query as `touchpoints top` and the report); this
module adds the trend against the previous period and the API's shape."""

from __future__ import annotations

import sqlite_utils

from api.queries.common import Filters, check_touchpoint, run_public, run_taxonomy, with_dates
from miner.report.stats import SIGNIFICANCE
from miner.report.trends import MIN_PERIOD_ITEMS
from miner.store.reads import items_inside
from miner.store.top import pain_point_counts, top_pain_points


def trend(now_n: int, now_items: int, before: int | None, before_items: int) -> dict | None:
    """The period's complaints against the previous period's, judged as rates per feedback item, as the report
    judges its trends: raw counts called a pain point "up" when a second source only added items, and "new" when the
    previous period held no feedback at all. Under MIN_PERIOD_ITEMS items in either period no direction is given
    ("too few"); otherwise a conditional binomial test on the two counts, given the items, says if it is significant."""
    if before is None:
        return None
    out = {"previous_complaints": before, "change": now_n - before,
           "change_pct": round((now_n - before) / before, 4) if before else None,
           "items": now_items, "previous_items": before_items, "rate_change_pct": None, "p_value": None,
           "significant": False}  # fmt: skip
    if min(now_items, before_items) < MIN_PERIOD_ITEMS:
        return out | {"direction": "too few"}
    if before == 0 or now_n == 0:
        direction = "flat" if before == now_n else "new" if before == 0 else "down"
    else:
        relative = (now_n / now_items) / (before / before_items) - 1
        out["rate_change_pct"] = round(relative, 4)
        direction = "flat" if round(relative * 100) == 0 else "up" if relative > 0 else "down"
    if now_n + before:
        from scipy.stats import binomtest

        p_value = binomtest(now_n, now_n + before, now_items / (now_items + before_items)).pvalue
        out |= {"p_value": round(float(p_value), 4), "significant": bool(p_value < SIGNIFICANCE)}
    return out | {"direction": direction}


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
    items = items_inside(db, filters)
    before_items = items_inside(db, previous) if previous else 0
    out = []
    for point in top["pain_points"]:
        point = {k: v for k, v in point.items() if k != "quote_ids"}
        point["quotes"] = [with_dates(q) for q in point["quotes"]]
        earlier = before.get(point["id"], 0) if before is not None else None
        point["trend"] = trend(point["complaints"], items, earlier, before_items)
        out.append(point)
    period = {"since": filters.since, "until": filters.until}
    if previous:
        period |= {"previous_since": previous.since, "previous_until": previous.until}
    return {"run": run_public(run), "period": period, "total_complaints": top["total_complaints"], "total_items": items,
            "total": top["matched"], "limit": limit, "offset": offset, "pain_points": out}  # fmt: skip
