"""The report's statistics: a two-proportion z-test for changes, a bootstrap CI for rating impact."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class ProportionTest:
    """Change from proportion x1/n1 (earlier) to x2/n2 (later)."""

    p1: float
    p2: float
    z: float
    p_value: float

    @property
    def relative_change(self) -> float | None:
        """(p2 - p1) / p1, or None when the earlier proportion is zero."""
        return (self.p2 - self.p1) / self.p1 if self.p1 else None

    def significant(self, alpha: float = SIGNIFICANCE) -> bool:
        return self.p_value < alpha


def _normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int, *, alternative: str = "two-sided") -> ProportionTest:
    """Pooled two-proportion z-test of H0: p1 == p2.

    `alternative` is "two-sided" or "greater" (H1: p2 > p1). With no variance (both proportions 0 or 1)
    z is 0 and p is 1: no evidence of a change.
    """
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both samples need at least one item")
    if not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise ValueError("successes must lie between 0 and the sample size")
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return ProportionTest(p1, p2, 0.0, 1.0)
    z = (p2 - p1) / se
    if alternative == "two-sided":
        p_value = 2 * _normal_sf(abs(z))
    elif alternative == "greater":
        p_value = _normal_sf(z)
    else:
        raise ValueError(f"unknown alternative '{alternative}': use two-sided or greater")
    return ProportionTest(p1, p2, z, min(1.0, p_value))


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
