"""The complaint threshold of one corpus, from the detector's scores of its clauses (a registry by name).

The detector is fitted on team-written seeds, so its 0.5 is where the seeds' complaints and non-complaints part,
not where a given corpus's do: on review sentences and patient comments of industries it never saw, its complaints
sit lower than the seeds' (docs/lab/detector.md). `mixture` reads the corpus's own split: a two-component Gaussian
mixture on the logits of its clause scores, the threshold where the upper component becomes the likelier one.
It only lowers the default (a corpus of complaints alone, a complaints database, has no second mode to find, and a
mixture there splits complaints from complaints) and falls back to it when the corpus is small or its two
components do not straddle the default (no complaints and chatter apart to read).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

MIN_CLAUSES = 200  # fewer, and the mixture is a guess: the default threshold stands
FLOOR = 0.2  # the lowest threshold a corpus may get: 4 to 1 against, as the detector reads the text
SAMPLE = 20_000  # clauses the mixture is fitted on (seeded), whatever the corpus's size
_EPS = 1e-4


def fixed_threshold(scores: np.ndarray, default: float) -> float:
    """The default threshold, whatever the corpus."""
    return default


def mixture_threshold(scores: np.ndarray, default: float) -> float:
    """Where the upper of two Gaussians on the clause scores' logits takes over, within [FLOOR, default]."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    # sorted: the sample and the mixture's k-means start read the scores in order, and the same clauses in another
    # row order gave another threshold (0.48 and 0.46 on one corpus shuffled)
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    if len(scores) < MIN_CLAUSES:
        return default
    if len(scores) > SAMPLE:
        scores = np.random.default_rng(0).choice(scores, SAMPLE, replace=False)
    p = np.clip(scores, _EPS, 1 - _EPS)
    z = np.log(p / (1 - p)).reshape(-1, 1)
    if np.ptp(z) < 1e-6:
        return default  # one score for every clause: nothing to part
    with warnings.catch_warnings():  # few distinct scores: the mixture may not converge, and the guards below hold
        warnings.simplefilter("ignore", ConvergenceWarning)
        mixture = GaussianMixture(2, random_state=0).fit(z)
    means = mixture.means_.ravel()
    low, high = int(np.argmin(means)), int(np.argmax(means))
    centre = np.log(default / (1 - default))
    if not means[low] < centre < means[high]:
        return default
    grid = np.linspace(means[low], means[high], 400).reshape(-1, 1)
    upper = mixture.predict_proba(grid)[:, high] >= 0.5
    if not upper.any():
        return default
    crossing = float(grid[int(np.argmax(upper)), 0])
    return float(min(default, max(FLOOR, 1 / (1 + np.exp(-crossing)))))


CALIBRATIONS: dict[str, Callable[[np.ndarray, float], float]] = {
    "fixed": fixed_threshold,
    "mixture": mixture_threshold,
}
