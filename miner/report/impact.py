"""Rating impact: the rating points each touchpoint's complaints cost, per rated respondent, with a bootstrap CI."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from miner.ingest.ratings import SCALES
from miner.report.respondents import Respondent, group
from miner.report.stats import bootstrap_impact

if TYPE_CHECKING:
    from miner.report.model import Tally
    from miner.store.report import RunData

MIN_AFFECTED = 10  # fewer rated items with a touchpoint's complaints than this behind an impact: warn


def add_impact(
    data: RunData, tally: Tally, entries: list[dict], seed: int = 0, respondents: list[Respondent] | None = None
) -> dict:
    """Rating points each touchpoint costs, on a 0-100 scale, with a bootstrap 95% CI. A rated item is a respondent
    where a survey's open-text answers share one rating (`respondents`): each is counted once, and is affected
    when any of its answers complains about the touchpoint."""
    grouped = [r for r in (group(data.documents) if respondents is None else respondents) if r.rating is not None]
    rated = [(r.ids, r.rating, r.scale) for r in grouped]
    ratings = np.array([r for _, r, _ in rated], dtype=float)
    spans = {SCALES[s][1] - SCALES[s][0] for _, _, s in rated if s in SCALES}
    for e in entries:
        docs = tally.docs[e["id"]]
        affected = np.array([any(d in docs for d in ids) for ids, _, _ in rated], dtype=bool)
        impact = bootstrap_impact(ratings, affected, seed=seed) if len(rated) else None
        e["impact"] = None
        if impact is not None:
            e["impact"] = {
                "points": impact.estimate * 100,
                "low": impact.low * 100,
                "high": impact.high * 100,
                "native": impact.estimate * next(iter(spans)) if len(spans) == 1 else None,
                "n_with": impact.n_with,
                "n_without": impact.n_without,
                "thin": impact.n_with < MIN_AFFECTED,
            }
    return {
        "rated_items": len(rated),  # what impact counts: a survey respondent once, any other item alone
        "rated_respondents": sum(r.survey for r in grouped),  # of those, survey respondents
        "mean_rating": float(ratings.mean() * 100) if len(rated) else None,
        "scales": sorted({s for _, _, s in rated if s}),
        "native_span": next(iter(spans)) if len(spans) == 1 else None,
        **_native_scale({s for _, _, s in rated if s in SCALES}),
    }


def respondents(documents: dict[str, dict]) -> list[tuple[list[str], float, str | None]]:
    """(document ids, rating, scale) per rated respondent (miner/report/respondents.py): a respondent who answered
    three questions counted three times, in the affected and the unaffected group at once when one answer
    complained."""
    return [(r.ids, r.rating, r.scale) for r in group(documents) if r.rating is not None]


# an NPS question's points are its 0-10 answers ("NPS points lost +0.68" read as Net Promoter Score points, ~20x off)
_SCALE_NAMES = {"stars5": "Stars", "csat5": "CSAT points", "csat7": "CSAT points", "nps": "Score points"}


def _native_scale(scales: set[str]) -> dict:
    """The name and range of the one scale the rated items share ("Stars", "1–5"), for the points lost in its
    own units; none where the items mix scales of different spans."""
    spans = {SCALES[s][1] - SCALES[s][0] for s in scales}
    if len(spans) != 1:
        return {"native_name": None, "native_range": None}
    low, high = SCALES[min(scales)]
    names = {_SCALE_NAMES[s] for s in scales}
    return {"native_name": names.pop() if len(names) == 1 else "Scale points", "native_range": f"{low:g}–{high:g}"}
