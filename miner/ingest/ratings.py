"""Ratings kept raw and mapped onto one 0..1 scale (1 = best)."""

from __future__ import annotations

SCALES = {"stars5": (1.0, 5.0), "csat5": (1.0, 5.0), "csat7": (1.0, 7.0), "nps": (0.0, 10.0)}


def infer_scale(column: str, values: list[float]) -> str:
    """Guess a rating scale from the column name and the values seen."""
    name = column.lower()
    top = max(values, default=5.0)
    low = min(values, default=1.0)
    if "nps" in name or "recommend" in name or low == 0 or top > 7:
        return "nps"
    if "csat" in name or "satisf" in name:
        return "csat7" if top > 5 else "csat5"
    return "csat7" if top > 5 else "stars5"


def normalise(value: float, scale: str) -> float:
    low, high = SCALES[scale]
    return round(min(1.0, max(0.0, (value - low) / (high - low))), 4)
