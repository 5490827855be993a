"""The report's statistics: a bootstrap CI for rating impact, and the Benjamini-Hochberg correction of the p-values
of one family of tests (changes between periods take Fisher's exact test, miner/report/trends.py `exact_test`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIGNIFICANCE = 0.05
CORRECTION = "Benjamini-Hochberg"  # what `adjusted` does, as the report names it


def adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values, in the order given: p x m / rank, made monotone from the largest down
    and capped at 1. Under 0.05 they keep the expected share of false "significant" calls among a family's m tests
    under 5%, where each raw p < 0.05 lets one in twenty true non-changes through: 39 pain points tested gave "rising"
    at p = 0.049 (4 items against 1), a touchpoint "significant" at p = 0.005 from 5 items against 3."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    out = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        out[i] = running
    return out


@dataclass(frozen=True)
class Impact:
    """Rating points a touchpoint costs: mean(all) - mean(items without its complaints); negative = lost."""

    estimate: float
    low: float
    high: float
    n_with: int
    n_without: int


def rating_impact(ratings: np.ndarray, affected: np.ndarray) -> float:
    """mean of all ratings minus the mean of the ratings not affected by the touchpoint."""
    ratings = np.asarray(ratings, dtype=float)
    affected = np.asarray(affected, dtype=bool)
    return float(ratings.mean() - ratings[~affected].mean())


def bootstrap_impact(
    ratings: np.ndarray,
    affected: np.ndarray,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Impact | None:
    """`rating_impact` with a percentile bootstrap CI (items resampled with replacement, fixed seed).

    None when every item, or no item, is affected: there is nothing to compare with.
    Resamples that happen to draw no unaffected item are dropped.
    """
    ratings = np.asarray(ratings, dtype=float)
    affected = np.asarray(affected, dtype=bool)
    n_with = int(affected.sum())
    n = len(ratings)
    if n == 0 or n_with == 0 or n_with == n:
        return None
    estimate = rating_impact(ratings, affected)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    r, a = ratings[idx], affected[idx]
    without = (~a).sum(axis=1)
    keep = without > 0
    means_all = r.mean(axis=1)[keep]
    means_without = (r * ~a).sum(axis=1)[keep] / without[keep]
    diffs = means_all - means_without
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return Impact(estimate, float(low), float(high), n_with, n - n_with)
