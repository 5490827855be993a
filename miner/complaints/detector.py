"""A logistic-regression head on sentence embeddings, fitted at run time on team-written seed sentences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import yaml

SEEDS = Path(__file__).with_name("seeds.yaml")
EmbedFn = Callable[[Sequence[str]], np.ndarray]


def load_seeds(path: Path = SEEDS) -> tuple[list[str], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["complaint"]), list(data["not_complaint"])


class ComplaintDetector:
    """P(complaint) for each segment; where the item has a rating, a low rating pushes towards complaint.

    The taxonomy's own examples are complaints too, so they join the positive seeds: a user who adds
    examples to the taxonomy teaches both the mapper and the detector, with nothing to retrain by hand. Each
    counts `extra_weight` of a seed: there are twice as many of them as seeds, all short and all about a
    touchpoint, and at full weight they taught the head that any mention of staff or service is a complaint.
    """

    def __init__(
        self,
        embed: EmbedFn,
        *,
        extra_complaints: Sequence[str] = (),
        seeds: Path = SEEDS,
        threshold: float = 0.5,
        rating_weight: float = 0.35,
        C: float = 1.0,
        extra_weight: float = 0.05,
    ) -> None:
        self.embed = embed
        self.extra_complaints = extra_complaints
        self.seeds = seeds
        self.threshold = threshold
        self.rating_weight = rating_weight
        self.C = C
        self.extra_weight = extra_weight

    def fit(self) -> ComplaintDetector:
        from sklearn.linear_model import LogisticRegression

        positives, negatives = load_seeds(self.seeds)
        extra = [e for e in dict.fromkeys(self.extra_complaints) if e not in set(positives)]
        X = self.embed(positives + extra + negatives)
        y = np.array([1] * (len(positives) + len(extra)) + [0] * len(negatives))
        w = np.array([1.0] * len(positives) + [self.extra_weight] * len(extra) + [1.0] * len(negatives))
        w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()  # the classes weigh the same in total
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(X, y, sample_weight=w)
        return self

    def text_scores(self, vectors: np.ndarray) -> np.ndarray:
        if len(vectors) == 0:
            return np.zeros(0)
        return self.model_.predict_proba(vectors)[:, 1]

    def scores(self, vectors: np.ndarray, ratings: Sequence[float | None] | None = None) -> np.ndarray:
        """Blend the text's probability with (1 - normalised rating) where a rating exists."""
        p = self.text_scores(vectors)
        if ratings is not None:
            r = np.array([np.nan if x is None else x for x in ratings], dtype=float)
            has = ~np.isnan(r)
            p = p.copy()
            p[has] = (1 - self.rating_weight) * p[has] + self.rating_weight * (1 - r[has])
        return p

    def predict(self, vectors: np.ndarray, ratings: Sequence[float | None] | None = None) -> np.ndarray:
        return self.scores(vectors, ratings) >= self.threshold
