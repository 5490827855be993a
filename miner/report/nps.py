"""Net Promoter Score where the rating is a 0-10 "likely to recommend" answer (the `nps` scale): promoters (9-10)
less detractors (0-6), as a share of the respondents, each counted once. The report gave such a survey's "mean
rating 56/100" and no NPS, the figure leadership asks for (the tester's March: -33, 18 promoters and 38 detractors of
60 respondents)."""

from __future__ import annotations

from miner.report.respondents import Respondent
from miner.report.trends import period_of

PROMOTER = 9  # and above
DETRACTOR = 6  # and below


def nps(scores: list[float]) -> dict | None:
    """The NPS of 0-10 scores with its counts; None for no score."""
    if not scores:
        return None
    promoters = sum(s >= PROMOTER for s in scores)
    detractors = sum(s <= DETRACTOR for s in scores)
    return {
        "nps": 100 * (promoters - detractors) / len(scores),
        "promoters": promoters,
        "passives": len(scores) - promoters - detractors,
        "detractors": detractors,
        "respondents": len(scores),
    }


def scored(respondents: list[Respondent]) -> list[tuple[Respondent, float]]:
    """The respondents whose rating is an NPS answer, with that answer (0-10)."""
    return [(r, r.raw) for r in respondents if r.scale == "nps" and r.raw is not None]


def add_nps(respondents: list[Respondent], docs: dict[str, set[str]], entries: list[dict], trends: dict) -> dict | None:
    """The overall NPS (None without NPS answers); each touchpoint with a rating impact gets the NPS of the
    respondents with its complaints and of those without (`docs`: each touchpoint's complaint items), and `trends`
    the NPS of each period with NPS answers (`trends["nps"]`, in the order of its `periods`)."""
    rated = scored(respondents)
    overall = nps([s for _, s in rated])
    if overall is None:
        return None
    overall["without_comment"] = sum(not r.wrote for r, _ in rated)  # scored, wrote nothing: counted as surveys do
    for e in entries:
        if e.get("impact"):
            affected = [any(d in docs[e["id"]] for d in r.ids) for r, _ in rated]
            e["nps"] = {
                "with": nps([s for (_, s), a in zip(rated, affected, strict=True) if a]),
                "without": nps([s for (_, s), a in zip(rated, affected, strict=True) if not a]),
            }
    if trends["periods"]:
        trends["nps"] = nps_trend(respondents, trends["periods"], trends["unit"])
    return overall


def nps_trend(respondents: list[Respondent], periods: list[str], unit: str) -> list[dict]:
    """The NPS of each of `periods` with NPS answers (a respondent on the day of the rated answer), with its
    counts: the report's `trends.nps` and `GET /v1/trends`' `nps`."""
    by_period: dict[str, list[float]] = {}
    for r, s in scored(respondents):
        if r.date:
            by_period.setdefault(period_of(r.date, unit), []).append(s)
    return period_nps(by_period, periods)


def period_nps(by_period: dict[str, list[float]], periods: list[str]) -> list[dict]:
    """`nps_trend` of the NPS answers of each period."""
    # the periods of the respondents who only scored too: the last week's scores were left out where nobody wrote then
    return [{"period": p, **(nps(by_period[p]) or {})} for p in sorted({*periods, *by_period}) if p in by_period]
