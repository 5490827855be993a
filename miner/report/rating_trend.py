"""Ratings over time: the mean rating of each week or month beside its complaints, so "ratings fell, then recovered
after the website was fixed" reads off the report; before, only an NPS survey had a figure per period (`trends.nps`)
and a CSAT or star rating had one mean for the whole window. Counted as the overall mean rating
(`overview.mean_rating`, miner/report/impact.py): each rated respondent once (miner/report/respondents.py), on the
0-100 scale, and on the items' own scale where all of them share one."""

from __future__ import annotations

from miner.ingest.ratings import SCALES
from miner.report.respondents import Respondent
from miner.report.trends import MIN_PERIOD_ITEMS, period_of
from miner.wording import counted


def own_scale(respondents: list[Respondent]) -> tuple[float, float] | None:
    """The (low, high) of the one scale every rated respondent answered on (stars5 and csat5 share 1-5); None where
    they mix scales of different ranges or one has no known scale."""
    return shared_range({r.scale for r in respondents if r.rating is not None})


def shared_range(scales: set[str | None]) -> tuple[float, float] | None:
    """`own_scale` of respondents rated on these scales."""
    ranges = {SCALES.get(scale or "") for scale in scales}
    if len(ranges) != 1 or None in ranges:
        return None
    return ranges.pop()


def rating_trend(respondents: list[Respondent], periods: list[str], unit: str) -> dict:
    """`ratings`: for each of `periods` with a rated respondent (dated by its rated answer), the mean rating on 0-100
    (`mean_rating`), on the items' own scale (`native_mean`, null where they do not share one), the rated items it
    rests on (`rated_items`, a survey respondent once) and `thin`: fewer than MIN_PERIOD_ITEMS of them, too few to
    say a change on the period before is more than chance. `rating_range`: that own scale ("1–5"), or None."""
    by_period: dict[str, list[float]] = {}
    for r in respondents:
        if r.rating is not None and r.date:
            by_period.setdefault(period_of(r.date, unit), []).append(r.rating)
    return period_ratings(by_period, own_scale(respondents), periods)


def period_ratings(by_period: dict[str, list[float]], scale: tuple[float, float] | None, periods: list[str]) -> dict:
    """`rating_trend` of the ratings of each period (its respondents' in their order) and their `own_scale`."""
    ratings = []
    for p in sorted({*periods, *by_period}):  # a period of respondents who only scored too (miner/ingest/silent.py)
        if values := by_period.get(p):
            mean = sum(values) / len(values)
            ratings.append({
                "period": p,
                "mean_rating": round(mean * 100, 2),
                "native_mean": round(scale[0] + mean * (scale[1] - scale[0]), 4) if scale else None,
                "rated_items": len(values),
                "thin": len(values) < MIN_PERIOD_ITEMS,
            })  # fmt: skip
    return {"ratings": ratings, "rating_range": f"{scale[0]:g}–{scale[1]:g}" if scale else None}


def thin_ratings_warning(trends: dict, rated: str = "items") -> list[str]:
    """Data quality's word on the periods whose mean rating rests on too few rated items (`rated`: "respondents"
    where survey respondents are what is counted)."""
    thin = [r["period"] for r in trends.get("ratings") or [] if r["thin"]]
    if not thin:
        return []
    return [
        f"The mean rating of {counted(len(thin), trends['unit'])} of {len(trends['ratings'])} rests on fewer than "
        f"{MIN_PERIOD_ITEMS} rated {rated} (e.g. {thin[-1]}): one rating moves it by several points, so read a rise "
        "or a fall there as fragile."
    ]
