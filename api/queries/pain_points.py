"""The main question: the top pain points inside a date window, source and kind, with trend and quotes.

The ranking, counts and quotes are miner.store.top's (the same query as `touchpoints top` and the report); this
module adds the trend against the previous period and the API's shape."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from api.queries.common import Filters, check_touchpoint, run_public, run_taxonomy, with_dates
from api.queries.significance import family
from miner.ingest.ratings import normalised as rating_normalised
from miner.report.trends import change
from miner.store.reads import items_inside
from miner.store.top import pain_point_counts, top_pain_points
from miner.store.unread import read_counts


def trend(now_n: int, before: int | None, docs: int, docs_before: int, items: int, items_before: int,
          cut: str | None = None) -> dict | None:  # fmt: skip
    """The period against the previous one as the report judges its trends (miner/report/trends.py `change`): the
    share of feedback items with a complaint in the pain point, Fisher's exact test, no direction under
    MIN_PERIOD_ITEMS items in either period ("too few"). Raw complaint counts called a pain point "up" when a second
    source only added items, and a chat saying it in three turns counted three times, "significant" at p = 0.02
    where the items gave 0.18. `previous_complaints`, `change` and `change_pct` stay the complaint counts', but
    `change` and `change_pct` are null, `change_note` saying why, where they would not compare like with like:
    a previous period `cut` short by the first item (counts of 31 days against 59 said +73%), or counts that moved
    against the direction (the items grew more than the complaints: "+8, +73%" beside "down")."""
    if before is None:
        return None
    judged = change(docs_before, items_before, docs, items)
    direction = "flat" if judged["status"] == "none" else judged["status"]
    moved = now_n - before
    note = cut or _against(direction, (before, now_n), (docs_before, docs), (items_before, items))
    return {"previous_complaints": before, "change": None if note else moved,
            "change_pct": round(moved / before, 4) if before and not note else None, "change_note": note,
            "documents": docs, "previous_documents": docs_before, "items": items, "previous_items": items_before,
            "rate_change_pct": None if judged["relative"] is None else round(judged["relative"], 4),
            "p_value": judged["p_value"], "significant": judged["significant"], "direction": direction}  # fmt: skip


def _against(direction: str, counts: tuple[int, int], docs: tuple[int, int], items: tuple[int, int]) -> str | None:
    """Why the complaint counts are not given as a change: they moved against the share's `direction` (each pair is
    the previous period's, then the period's)."""
    moved = counts[1] - counts[0]
    if not (direction == "up" and moved < 0 or direction == "down" and moved > 0):
        return None
    return (
        f"complaint mentions went from {counts[0]:,} to {counts[1]:,} while the share of items with one went "
        f"{direction} ({docs[0]:,} of {items[0]:,} items to {docs[1]:,} of {items[1]:,}): counts that move against "
        "`direction` are not given as a change; `direction` and `rate_change_pct` compare the shares"
    )


def cut_note(previous: Filters, start: date) -> str | None:
    """Why the complaint counts are not compared when the previous period was cut short by the first item (its
    `since` after `start`, the day it would have started on); None when it was not."""
    if previous.since is None or previous.until is None or previous.since <= start:
        return None
    days, of_days = (previous.until - previous.since).days + 1, (previous.until - start).days + 1
    return (
        f"the previous period starts on {previous.since}, the first item's day, not {start}: it covers {days:,} of "
        f"its {of_days:,} days, so complaint counts are not compared; `direction` and `rate_change_pct` compare the "
        "shares of items"
    )


def end_note(window: Filters, ends: tuple[date, date] | None) -> str | None:
    """Why the complaint counts are not compared when the period was cut short by the last item (`ends`, from
    `Filters.ends_early`): November and December of data to December 6th said "-58%" of 36 days of complaints
    against September and October's 61, where the share of items fell 31%; None when it was not."""
    if ends is None or window.since is None:
        return None
    latest, end = ends
    days, of_days = (latest - window.since).days + 1, (end - window.since).days + 1
    return (
        f"the period ends on {latest}, the last item's day, not {end}: it covers {days:,} of its {of_days:,} days, "
        "so complaint counts are not compared; `direction` and `rate_change_pct` compare the shares of items"
    )


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
    span = filters.previous_span(db, run)  # and every denominator: the items this run analysed, not those since
    previous = span[0] if span else None
    cut = (cut_note(*span) or end_note(filters, filters.ends_early(db, run))) if span else None
    before = pain_point_counts(db, run, previous)[0] if previous else None
    items = items_inside(db, run, filters)
    before_items = items_inside(db, run, previous) if previous else 0
    adjusted = family(db, run, filters, previous) if previous else None  # of every pain point, not the page's
    docs, docs_before = (adjusted.items, adjusted.items_before) if adjusted else ({}, {})  # the page's among them
    out = []
    for point in top["pain_points"]:
        point = {k: v for k, v in point.items() if k != "quote_ids"}
        point["quotes"] = [
            {**with_dates(q), "rating_normalised": rating_normalised(q["rating"], q["rating_scale"])}
            for q in point["quotes"]
        ]
        earlier = before.get(point["id"], 0) if before is not None else None
        point["trend"] = trend(point["complaints"], earlier, docs.get(point["id"], 0), docs_before.get(point["id"], 0),
                               items, before_items, cut)  # fmt: skip
        if point["trend"] is not None and adjusted is not None:
            point["trend"] |= adjusted.fields(point["id"])
        out.append(point)
    period = {"since": filters.since, "until": filters.until}
    if previous:
        period |= {"previous_since": previous.since, "previous_until": previous.until}
    return {"run": run_public(run), "period": period, "total_complaints": top["total_complaints"], "total_items": items,
            **read_counts(db, run, filters, items),  # of total_items, those read and not (another language...)
            "total": top["matched"], "limit": limit, "offset": offset, "pain_points": out}  # fmt: skip
