"""Complaints over time: weekly or monthly periods, period-over-period tests, emerging pain points."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise

from miner.report.stats import two_proportion_z_test

MIN_NEW = 3  # mentions a pain point needs in the recent periods to be called emerging


def period_of(iso: str, granularity: str) -> str:
    """'2026-03' for a month, '2026-W09' for an ISO week."""
    day = date.fromisoformat(iso[:10])
    if granularity == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def choose_granularity(dates: Iterable[str], requested: str = "auto") -> str:
    """Monthly when the data spans more than about four months, weekly otherwise."""
    if requested in ("week", "month"):
        return requested
    days = sorted(d[:10] for d in dates if d)
    if not days:
        return "month"
    span = date.fromisoformat(days[-1]) - date.fromisoformat(days[0])
    return "month" if span > timedelta(days=120) else "week"


def period_range(first: str, last: str, granularity: str) -> list[str]:
    """Every period from the one holding `first` to the one holding `last`, gaps included."""
    day, end = date.fromisoformat(first[:10]), date.fromisoformat(last[:10])
    out: list[str] = []
    while day <= end + timedelta(days=31):
        key = period_of(day.isoformat(), granularity)
        if not out or out[-1] != key:
            out.append(key)
        if key == period_of(end.isoformat(), granularity):
            break
        day += timedelta(days=1 if granularity == "month" else 7)
    return out


def change(x_prev: int, n_prev: int, x_last: int, n_last: int) -> dict | None:
    """The last period against the one before, as rates of items, with a two-proportion z-test."""
    if n_prev == 0 or n_last == 0:
        return None
    test = two_proportion_z_test(x_prev, n_prev, x_last, n_last)
    return {
        "previous": x_prev,
        "last": x_last,
        "rate_previous": test.p1,
        "rate_last": test.p2,
        "relative": test.relative_change,
        "z": round(test.z, 3),
        "p_value": round(test.p_value, 4),
        "significant": test.significant(),
    }


def touchpoint_trends(
    doc_periods: dict[str, str], touchpoint_docs: dict[str, set[str]], complaint_rows: list[dict], periods: list[str]
) -> tuple[dict[str, int], dict[str, dict]]:
    """Items per period, and per touchpoint its complaints and items per period plus the last change."""
    items = Counter(doc_periods.values())
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in complaint_rows:
        period = doc_periods.get(row["document_id"])
        if period:
            counts[row["touchpoint"]][period] += 1
    docs: dict[str, Counter] = defaultdict(Counter)
    for tp, doc_ids in touchpoint_docs.items():
        for doc_id in doc_ids:
            period = doc_periods.get(doc_id)
            if period:
                docs[tp][period] += 1
    out = {}
    for tp in set(counts) | set(docs):
        entry = {
            "complaints": [counts[tp][p] for p in periods],
            "items": [docs[tp][p] for p in periods],
            "steps": [None] + [change(docs[tp][a], items[a], docs[tp][b], items[b]) for a, b in pairwise(periods)],
            "change": None,
        }
        if len(periods) >= 2:
            entry["change"] = change(
                docs[tp][periods[-2]], items[periods[-2]], docs[tp][periods[-1]], items[periods[-1]]
            )
        out[tp] = entry
    return {p: items[p] for p in periods}, out


def emerging_pain_points(
    doc_periods: dict[str, str], pain_point_docs: dict[str, set[str]], periods: list[str], recent: int = 2
) -> list[dict]:
    """Pain points absent before the last `recent` periods ("new"), or significantly up on before ("rising")."""
    if len(periods) <= recent:
        return []
    window = set(periods[-recent:])
    n_recent = sum(1 for p in doc_periods.values() if p in window)
    n_before = sum(1 for p in doc_periods.values() if p not in window)
    out = []
    for pp, docs in pain_point_docs.items():
        periods_of = [doc_periods[d] for d in docs if d in doc_periods]
        x_recent = sum(1 for p in periods_of if p in window)
        x_before = len(periods_of) - x_recent
        if x_recent < MIN_NEW or n_recent == 0 or n_before == 0:
            continue
        test = two_proportion_z_test(x_before, n_before, x_recent, n_recent, alternative="greater")
        if x_before == 0:
            status = "new"
        elif test.significant() and test.p2 >= 2 * test.p1:
            status = "rising"
        else:
            continue
        first = min(periods_of)
        out.append(
            {
                "id": pp,
                "status": status,
                "recent": x_recent,
                "before": x_before,
                "first_seen": first,
                "p_value": round(test.p_value, 4),
            }
        )
    return sorted(out, key=lambda e: (-e["recent"], e["id"]))
