"""Complaints per week or month and touchpoint: the report's trend series in one answer, for a dashboard's chart."""

from __future__ import annotations

import sqlite_utils

from api.queries.common import Filters, run_public, run_taxonomy
from miner.report.model import trend_span
from miner.report.respondent_table import respondent_trend
from miner.report.trends import partial_first_period, partial_period, period_of, period_range
from miner.store.index import run_index
from miner.store.reads import daily_items
from miner.store.unread import read_by_day
from miner.touchpoints.taxonomy import NONE


def trends(db: sqlite_utils.Database, run: dict | None, filters: Filters, period: str = "month") -> dict:
    """Every period from the first dated item to the last inside the filters (the filters' bounds where given, as
    the report's), gaps included: the dated items in each, and per touchpoint (and `none`) its complaint mentions
    and the items with a complaint about it, as the report's trend chart and table count them; `partial`: the latest
    period when the days covered end well before it does (`partial_period`), `partial_first` the first when they
    start well after it does (`partial_first_period`); `ratings`: the mean rating of each period with a rated item,
    and `rating_range` the one scale they share, as the report's (miner/report/rating_trend.py); `nps`: the NPS of
    each period with NPS answers, as the report's `trends.nps`; `read_items` and `unread_items`: of each period's
    items, those read and not, and `unread_languages`: the window's items in another language."""
    empty: dict = {
        "run": run_public(run),
        "period": period,
        "periods": [],
        "items": [],
        "read_items": [],
        "unread_items": [],
        "unread_languages": None,
        "touchpoints": [],
        "partial": None,
        "partial_first": None,
        "ratings": [],
        "rating_range": None,
        "nps": [],
    }
    if run is None:
        return empty
    items_by_day = daily_items(db, run, filters)  # the run's items: not those imported since it ran
    if not items_by_day:
        return empty
    first, last = trend_span(db, run, filters, min(items_by_day), max(items_by_day))
    periods = period_range(first, last, period)
    position = {p: i for i, p in enumerate(periods)}
    at: dict[str, int | None] = {}  # each day's period, looked up once: the items', the read ones' and complaints'

    def of(day: str) -> int | None:
        if day not in at:
            at[day] = position.get(period_of(day, period))
        return at[day]

    read_days, languages = read_by_day(db, run, filters)  # of those items, the read, from the run's table
    items, read = [0] * len(periods), [0] * len(periods)
    for per_day, per_period in ((items_by_day, items), (read_days, read)):
        for day, n in per_day.items():
            if (i := of(day)) is not None:
                per_period[i] += n
    # per touchpoint, from the run's index in memory (miner/store/touchpoint_items.py; SQL: 1 s on 1M segments)
    mentions, documents = run_index(db, run, filters.kept).touchpoint_items(filters).per_period(of, len(periods))
    names = {tp.id: tp.name for tp in run_taxonomy(run).touchpoints} | {NONE: "No touchpoint (none)"}
    order = sorted(mentions, key=lambda t: (-sum(mentions[t]), t))
    return {
        **empty,
        **respondent_trend(db, run, filters, periods, period),  # ratings and NPS per period, from memory too
        "periods": periods,
        "items": items,
        "read_items": read,
        "unread_items": [n - r for n, r in zip(items, read, strict=True)],
        "unread_languages": languages,
        "partial": partial_period(last, period) if len(periods) >= 2 else None,
        "partial_first": partial_first_period(first, period) if len(periods) >= 2 else None,
        "touchpoints": [
            {"id": t, "name": names.get(t, t), "complaints": mentions[t], "documents": documents[t]} for t in order
        ],
    }
