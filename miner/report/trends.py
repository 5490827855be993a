"""Complaints over time: weekly or monthly periods, period-over-period tests, emerging pain points."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import pairwise

import numpy as np

from miner.report.stats import CORRECTION, SIGNIFICANCE, adjusted
from miner.touchpoints.taxonomy import NONE

MIN_NEW = 3  # mentions a pain point needs in the recent periods to be called emerging
MIN_PERIOD_ITEMS = 10  # items each of two periods needs before a change between them is stated
SMALL_COUNT = 5  # items in the earlier period under which a change is given as counts, not as a percentage
MIN_RISING = SMALL_COUNT  # items in the recent periods under which no pain point is called rising: "4 against 1"
# A latest (or first) period whose days covered are under this share of its days is partial (`partial_period`); a day
# or two short (October's data ending on the 30th, a week's on Saturday) is as likely a quiet day as an early export
PARTIAL_SHARE = 0.8


def period_of(iso: str, granularity: str) -> str:
    """'2026-03' for a month, '2026-W09' for an ISO week."""
    day = date.fromisoformat(iso[:10])
    if granularity == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def choose_granularity(dates: Iterable[str], requested: str = "auto", items: int | None = None) -> str:
    """Monthly when the data spans more than about four months, weekly otherwise; monthly too when weeks would hold
    fewer than twice MIN_PERIOD_ITEMS of the `items` on average over a span of two months or more, so that most weeks
    fall short of it (155 chats over three months, 12 a week: "too few items in the previous week to compare" in
    every sentence, and a doubling in the last month never said)."""
    if requested in ("week", "month"):
        return requested
    days = sorted(d[:10] for d in dates if d)
    if not days:
        return "month"
    span = date.fromisoformat(days[-1]) - date.fromisoformat(days[0])
    if span > timedelta(days=120):
        return "month"
    weeks = span.days / 7 + 1
    thin = items is not None and items / weeks < 2 * MIN_PERIOD_ITEMS
    return "month" if thin and span >= timedelta(days=56) else "week"


def _bounds(day: date, granularity: str) -> tuple[date, date]:
    """The first and last day of the month or ISO week holding `day`."""
    if granularity == "month":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start = day - timedelta(days=day.isoweekday() - 1)
    return start, start + timedelta(days=6)


def partial_period(last: str, granularity: str) -> dict | None:
    """The latest period when the days covered end well before it does (an export taken mid-week or mid-month, under
    `PARTIAL_SHARE` of its days): its name, the days it covers and the days it has, and the last day; else None.
    Its counts are then not comparable with a whole period's (the changes compare rates of items)."""
    return _partial(last, granularity, first=False)


def partial_first_period(first: str, granularity: str) -> dict | None:
    """The first period when the days covered start well after it does (`since` on March 15th, or an export that
    begins mid-month), as `partial_period` judges the latest: its name, the days it covers and has, and the first
    day; else None. A report from March 15th showed March's 34 items beside April's 76 with no word of the half."""
    return _partial(first, granularity, first=True)


def _partial(edge: str, granularity: str, first: bool) -> dict | None:
    day = date.fromisoformat(edge[:10])
    start, end = _bounds(day, granularity)
    days, of_days = ((end - day) if first else (day - start)).days + 1, (end - start).days + 1
    if days >= PARTIAL_SHARE * of_days:
        return None
    return {
        "period": period_of(day.isoformat(), granularity),
        "days": days,
        "of_days": of_days,
        "first_day" if first else "last_day": day.isoformat(),
    }


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


def change(x_prev: int, n_prev: int, x_last: int, n_last: int) -> dict:
    """The last period against the one before, as rates of items, with Fisher's exact test (two-sided; a z-test
    called 1 item against 3 significant). Under MIN_PERIOD_ITEMS items in either period (none included), `status`
    is "too few" and neither a direction nor a p-value is given; else "new", "up", "down", "flat" (under half a
    percent either way: the API's `direction` word, documented there), or "none" when neither period mentions the
    touchpoint. `as_counts`: a change from fewer than SMALL_COUNT items (a new one's from none), which the sentences
    and the Trends table give as counts ("1 of 30 items against 6 of 33"), never as a percentage (the table said
    "+445%", and "0% 5%" for a change from none).
    `significant` reads `p_adjusted`: `p_value` itself for a test alone (`tests` 1), until `correct` adjusts it for
    the family the report tests it in."""
    rate_prev = x_prev / n_prev if n_prev else None
    rate_last = x_last / n_last if n_last else None
    relative = (rate_last - rate_prev) / rate_prev if rate_prev and rate_last is not None else None
    entry: dict = {
        "previous": x_prev,
        "last": x_last,
        "items_previous": n_prev,
        "items_last": n_last,
        "rate_previous": rate_prev,
        "rate_last": rate_last,
        "relative": relative,
        "p_value": None,
        "p_adjusted": None,
        "tests": 0,
        "significant": False,
        "as_counts": False,
    }
    if min(n_prev, n_last) < MIN_PERIOD_ITEMS:
        return entry | {"relative": None, "status": "too few"}
    if x_prev == x_last == 0:
        return entry | {"status": "none"}
    p_value = float(exact_test(x_prev, n_prev, x_last, n_last))
    entry |= {"p_value": p_rounded(p_value), "p_adjusted": p_rounded(p_value), "tests": 1}
    entry["significant"] = p_value < SIGNIFICANCE
    if relative is None:
        return entry | {"status": "new", "as_counts": True}
    pct = round(relative * 100)
    return entry | {"status": "flat" if pct == 0 else "up" if pct > 0 else "down", "as_counts": x_prev < SMALL_COUNT}


def correct(changes: Iterable[dict | None]) -> None:
    """Adjust one family's p-values in place (Benjamini-Hochberg, stats.py `adjusted`): every touchpoint's latest
    change, say. `significant` then reads `p_adjusted`, `tests` says how many were made; `p_value` stays the test's
    own. Each touchpoint's p < 0.05 alone called one in twenty steady touchpoints "significant"."""
    tested = [c for c in changes if c and c["p_value"] is not None]
    for c, p in zip(tested, adjusted([c["p_value"] for c in tested]), strict=True):
        c.update(p_adjusted=p_rounded(p), significant=p < SIGNIFICANCE, tests=len(tested))


def correction(per_tp: dict[str, dict], pain_points: int) -> dict:
    """What the report's p-values are adjusted for: `method`, `touchpoints` (those whose latest change was tested,
    the Trends table's family) and `pain_points` (those tested for rising, `emerging_pain_points`)."""
    tests = max([(e.get("change") or {}).get("tests", 0) for e in per_tp.values()], default=0)
    return {"method": CORRECTION, "touchpoints": tests, "pain_points": pain_points}


def fell_silent(change: dict, baseline: dict | None) -> bool:
    """Not mentioned in the latest period nor the one before, and significantly below all earlier periods."""
    return change["status"] == "none" and bool(baseline and baseline["significant"] and baseline["status"] == "down")


def exact_test(x1: int, n1: int, x2: int, n2: int, alternative: str = "two-sided") -> float:
    """p of Fisher's exact test that x1/n1 and x2/n2 are the same proportion: two-sided, or "greater" (H1: the
    second is higher). Summed over the hypergeometric's log-pmf in numpy, as scipy's `fisher_exact` sums it (the
    same p to 1e-9, tests/test_report.py): scipy's took 2.3 ms a test, 23 of a `GET /v1/pain-points` request's 29
    ms with a period (one test per pain point of the page)."""
    from scipy.special import gammaln

    # the table's first row is the sample whose excess "greater" asks about (the second), its top-left cell `a`
    a, row, other = (x2, n2, n1) if alternative == "greater" else (x1, n1, n2)
    total, hits = row + other, x1 + x2
    low, high = max(0, row + hits - total), min(row, hits)
    k = np.arange(low, high + 1, dtype=np.float64)

    def log_choose(n: float, r: np.ndarray | np.float64) -> np.ndarray:
        return gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1)

    log_pmf = log_choose(hits, k) + log_choose(total - hits, row - k) - log_choose(total, np.float64(row))
    pmf = np.exp(log_pmf)
    if alternative == "greater":
        return float(min(1.0, pmf[k >= a].sum()))
    observed = pmf[a - low]
    return float(min(1.0, pmf[pmf <= observed * (1 + 1e-7)].sum()))


SPREAD = 12  # standard deviations of the hypergeometric `exact_tests` sums either side of its mean
LEFT_OUT = 1e-13  # the most mass outside that window a p-value may miss; past it the test sums its whole support


def exact_tests(x1: np.ndarray, n1: np.ndarray | int, x2: np.ndarray, n2: np.ndarray | int) -> np.ndarray:
    """`exact_test`'s two-sided p of each (x1/n1, x2/n2), in one numpy pass: a family of 285 pain points took 11 ms
    of a `GET /v1/pain-points` request's 29 one test at a time, 3.5 as one. Each sums the log-pmf over its mean
    +- SPREAD standard deviations (and the observed cell): what lies past an edge falls at least geometrically
    (the hypergeometric is log-concave), bounded here by the edge's mass times the support's size; a test whose
    bound passes LEFT_OUT is summed whole by `exact_test`. Within 1e-12 of scipy's fisher_exact
    (tests/test_stats.py)."""
    from scipy.special import gammaln

    x1, n1, x2, n2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.int64) for v in (x1, n1, x2, n2)))
    if not len(x1):
        return np.zeros(0)
    total, hits = n1 + n2, x1 + x2
    low, high = np.maximum(0, n1 + hits - total), np.minimum(n1, hits)
    mean = hits * n1 / np.maximum(total, 1)
    sd = np.sqrt(mean * (total - hits) / np.maximum(total, 1) * (total - n1) / np.maximum(total - 1, 1))
    reach = np.ceil(SPREAD * sd).astype(np.int64) + 30
    lo = np.maximum(low, np.minimum(x1, np.floor(mean).astype(np.int64) - reach))
    hi = np.minimum(high, np.maximum(x1, np.ceil(mean).astype(np.int64) + reach))
    sizes = hi - lo + 1
    ends = np.cumsum(sizes)
    starts = ends - sizes
    test = np.repeat(np.arange(len(x1)), sizes)
    k = (np.arange(ends[-1]) - starts[test] + lo[test]).astype(np.float64)

    def log_choose(n: np.ndarray, r: np.ndarray) -> np.ndarray:
        return gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1)

    whole = log_choose(total.astype(np.float64), n1.astype(np.float64))
    pmf = np.exp(log_choose(hits[test].astype(np.float64), k)
                 + log_choose((total - hits)[test].astype(np.float64), n1[test] - k) - whole[test])  # fmt: skip
    observed = pmf[starts + (x1 - lo)]
    p = np.minimum(1.0, np.bincount(test, np.where(pmf <= observed[test] * (1 + 1e-7), pmf, 0.0), len(x1)))
    support = (high - low + 1).astype(np.float64)
    missed = np.where(lo > low, pmf[starts], 0.0) * support + np.where(hi < high, pmf[ends - 1], 0.0) * support
    for i in np.flatnonzero(missed > LEFT_OUT):
        p[i] = exact_test(int(x1[i]), int(n1[i]), int(x2[i]), int(n2[i]))
    return p


def touchpoint_trends(
    doc_periods: dict[str, str], touchpoint_docs: dict[str, set[str]], complaint_rows: list[dict], periods: list[str]
) -> tuple[dict[str, int], dict[str, dict]]:
    """Items per period, and per touchpoint its complaints and items per period, the last change (`change`: the
    latest period against the one before) and, with three periods or more, `baseline`: the latest period against
    all earlier ones pooled; each comparison's p-values adjusted over the touchpoints (`correct`)."""
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
        entry: dict = {
            "complaints": [counts[tp][p] for p in periods],
            "items": [docs[tp][p] for p in periods],
            "steps": [None] + [change(docs[tp][a], items[a], docs[tp][b], items[b]) for a, b in pairwise(periods)],
            "change": None,
        }
        if len(periods) >= 2:
            entry["change"] = change(
                docs[tp][periods[-2]], items[periods[-2]], docs[tp][periods[-1]], items[periods[-1]]
            )
        if len(periods) >= 3:  # the latest period against all earlier ones: a drop after a spike is still high
            earlier = periods[:-1]
            entry["baseline"] = change(
                sum(docs[tp][p] for p in earlier), sum(items[p] for p in earlier), docs[tp][periods[-1]],
                items[periods[-1]],
            )  # fmt: skip
        out[tp] = entry
    # one family per comparison, over the touchpoints the report shows: the latest changes, the baselines, each step
    compared = [e for tp, e in out.items() if tp != NONE]
    for family in ("change", "baseline"):
        correct(e.get(family) for e in compared)
    for k in range(1, len(periods)):
        correct(e["steps"][k] for e in compared)
    return {p: items[p] for p in periods}, out


def p_rounded(p: float) -> float:
    """A p-value to 4 significant digits: rounded to 4 places, p = 0.00002 was 0.0 in the JSON and the API."""
    return float(f"{p:.4g}")


def p_text(p: float, prefix: str = "p ") -> str:
    """ "p = 0.048", "p < 0.001": 0.0479 was printed "0.05" beside "significant" (p < 0.05), tiny ones "p = 0.000"."""
    return f"{prefix}< 0.001" if p < 0.001 else f"{prefix}= {p:.3f}"


def emerging_pain_points(
    doc_periods: dict[str, str],
    pain_point_docs: dict[str, set[str]],
    periods: list[str],
    recent: int = 2,
    seen: dict[str, str] | None = None,
) -> tuple[list[dict], int]:
    """Pain points absent before the last `recent` periods ("new": MIN_NEW items or more), or significantly up on
    before ("rising"), and how many were tested for rising. `seen`: the period each pain point was first seen in
    before `periods` (a report of a window: its run's earlier items); such a one is never new, and only rising on
    the test. A quarter's report called two pain points of every month "new" (4 items against none in the one month
    before it). Rising takes MIN_RISING items in the recent periods, the rate of items at least doubled and the
    one-sided exact test under 0.05 once adjusted (Benjamini-Hochberg) over every pain point tested: those not new
    with MIN_RISING items in all (the test conditions on that total, so choosing by it biases no p). Unadjusted, 39
    pain points tested called one "rising" on 4 items against 1 (p = 0.049)."""
    seen = seen or {}
    window = set(periods[-recent:])
    n_recent = sum(1 for p in doc_periods.values() if p in window)
    n_before = sum(1 for p in doc_periods.values() if p not in window)
    if len(periods) <= recent or n_recent == 0 or n_before == 0:
        return [], 0
    out: list[dict] = []
    tested: list[dict] = []
    for pp, docs in pain_point_docs.items():
        periods_of = [doc_periods[d] for d in docs if d in doc_periods]
        x_recent = sum(1 for p in periods_of if p in window)
        x_before = len(periods_of) - x_recent
        # Fisher's exact test, one-sided, as every other change in the report: the z-test called 3 of 65 items against
        # 4 of 435 "rising" (p = 0.009) where the exact test says p = 0.050
        p_value = exact_test(x_before, n_before, x_recent, n_recent, alternative="greater")
        entry: dict = {"id": pp, "status": "new", "recent": x_recent, "before": x_before, "p_value": p_value}
        entry["first_seen"] = min([*periods_of, *([seen[pp]] if pp in seen else [])], default=None)
        if x_before == 0 and pp not in seen:
            if x_recent >= MIN_NEW:
                out.append(entry | {"p_value": p_rounded(p_value), "p_adjusted": None, "tests": 0})
        elif x_recent + x_before >= MIN_RISING:
            tested.append(entry)
    for e, p in zip(tested, adjusted([e["p_value"] for e in tested]), strict=True):
        if e["recent"] >= MIN_RISING and p < SIGNIFICANCE and e["recent"] / n_recent >= 2 * e["before"] / n_before:
            out.append(e | {"status": "rising", "p_value": p_rounded(e["p_value"]), "p_adjusted": p_rounded(p),
                            "tests": len(tested)})  # fmt: skip
    return sorted(out, key=lambda e: (-e["recent"], e["id"])), len(tested)
