"""Ratings kept raw and mapped onto one 0..1 scale (1 = best).

A column's scale is decided by where its values lie, not by its extremes: one star rating typed as "10" must not
turn a whole file of 1-5 stars into NPS. The narrowest scale that holds at least `SHARE` of the sampled values
(or all but one of ten or more) wins; a value outside it is rejected with its file, line and column."""

from __future__ import annotations

SCALES = {"stars5": (1.0, 5.0), "csat5": (1.0, 5.0), "csat7": (1.0, 7.0), "nps": (0.0, 10.0)}
SHARE = 0.95  # of the sampled values that must lie inside a scale for it to be the column's
# Cells that mean "no rating given", read like an empty cell rather than refused as "not a number".
MISSING = {"n/a", "na", "n.a.", "-", "--", "none", "null", "nan", "no rating", "not rated"}


# A five-point satisfaction answer exported as its label (Qualtrics, SurveyMonkey, Forms): 1 worst, 5 best.
SATISFACTION = {
    "very dissatisfied": 1, "extremely dissatisfied": 1, "dissatisfied": 2, "somewhat dissatisfied": 2,
    "unsatisfied": 2, "neutral": 3, "neither satisfied nor dissatisfied": 3, "neither": 3, "satisfied": 4,
    "somewhat satisfied": 4, "very satisfied": 5, "extremely satisfied": 5,
}  # fmt: skip


# Qualtrics' seven-point satisfaction labels: a column holding any of the middle ones is read on this scale (csat7)
SATISFACTION_7 = {
    "extremely dissatisfied": 1, "very dissatisfied": 1, "moderately dissatisfied": 2, "dissatisfied": 2,
    "slightly dissatisfied": 3, "somewhat dissatisfied": 3, "neither satisfied nor dissatisfied": 4, "neutral": 4,
    "neither": 4, "slightly satisfied": 5, "somewhat satisfied": 5, "moderately satisfied": 6, "satisfied": 6,
    "extremely satisfied": 7, "very satisfied": 7,
}  # fmt: skip
SEVEN_ONLY = {"moderately dissatisfied", "slightly dissatisfied", "slightly satisfied", "moderately satisfied"}


def missing(value: str) -> bool:
    """Whether a rating cell says there is no rating: empty, "N/A", "-", "none" and the like."""
    return value.strip().lower() in MISSING or not value.strip()


def _fits(values: list[float], low: float, high: float) -> bool:
    outside = sum(not low <= v <= high for v in values)
    return outside <= (1 - SHARE) * len(values) or (len(values) >= 10 and outside <= 1)


def infer_scale(column: str, values: list[float]) -> str | None:
    """The rating scale from the column name and the values' distribution; None when no scale holds them
    (percentages, say)."""
    name = column.lower()
    if "nps" in name or "recommend" in name:
        return "nps"
    satisfaction = "csat" in name or "satisf" in name
    if _fits(values, 1.0, 5.0):
        return "csat5" if satisfaction else "stars5"
    if _fits(values, 1.0, 7.0):
        return "csat7"
    if _fits(values, 0.0, 10.0):
        return "nps"
    return None


def inside(value: float, scale: str) -> bool:
    low, high = SCALES[scale]
    return low <= value <= high


def normalise(value: float, scale: str) -> float:
    low, high = SCALES[scale]
    return round(min(1.0, max(0.0, (value - low) / (high - low))), 4)


def normalised(raw: float | None, scale: str | None) -> float | None:
    """A stored raw rating on the exports' 0-1 scale, 1 best (`documents.rating`); None without one or its scale.
    What quotes give beside the raw value, in the API and in `top --format json`."""
    return normalise(float(raw), scale) if raw is not None and scale in SCALES else None


def satisfaction_labels(values: list[str]) -> bool:
    """Whether every value is a satisfaction answer's label ("Very satisfied", "Neither satisfied nor dissatisfied"),
    as SurveyMonkey exports a CSAT question by default: such a question is a score (`columns.score_kind`)."""
    return bool(values) and all(" ".join(v.lower().split()) in SATISFACTION.keys() | SATISFACTION_7 for v in values)
