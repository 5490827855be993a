"""A logistic-regression head on sentence embeddings, fitted at run time on team-written seed sentences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

if TYPE_CHECKING:
    from miner.embed import EmbeddingCache

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

    `second` embeds texts with another encoder (the complaint encoder that comes with the default one); a second
    head is fitted on its vectors and the two probabilities are averaged (`second_weight` for the second).
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
        second: EmbedFn | None = None,
        second_weight: float = 0.5,
    ) -> None:
        self.embed = embed
        self.extra_complaints = extra_complaints
        self.seeds = seeds
        self.threshold = threshold
        self.rating_weight = rating_weight
        self.C = C
        self.extra_weight = extra_weight
        self.second = second
        self.second_weight = second_weight

    def fit(self) -> ComplaintDetector:
        from sklearn.linear_model import LogisticRegression

        positives, negatives = load_seeds(self.seeds)
        extra = [e for e in dict.fromkeys(self.extra_complaints) if e not in set(positives)]
        texts = positives + extra + negatives
        y = np.array([1] * (len(positives) + len(extra)) + [0] * len(negatives))
        w = np.array([1.0] * len(positives) + [self.extra_weight] * len(extra) + [1.0] * len(negatives))
        w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()  # the classes weigh the same in total
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(self.embed(texts), y, sample_weight=w)
        if self.second is not None:
            self.second_model_ = LogisticRegression(C=self.C, max_iter=2000).fit(self.second(texts), y, sample_weight=w)
        return self

    def text_scores(
        self, vectors: np.ndarray, texts: Sequence[str] | None = None, progress: Callable | None = None
    ) -> np.ndarray:
        """P(complaint) from the text; with a second encoder, the texts themselves are needed too."""
        if len(vectors) == 0:
            return np.zeros(0)
        p = self.model_.predict_proba(vectors)[:, 1]
        if self.second is None:
            return p
        if texts is None or len(texts) != len(vectors):
            raise ValueError("this detector reads a second encoder: pass the segments' texts with their vectors")
        second = self.second_model_.predict_proba(self.second(list(texts), progress=progress))[:, 1]
        return (1 - self.second_weight) * p + self.second_weight * second

    def scores(
        self,
        vectors: np.ndarray,
        ratings: Sequence[float | None] | None = None,
        texts: Sequence[str] | None = None,
        progress: Callable | None = None,
    ) -> np.ndarray:
        """Blend the text's probability with (1 - normalised rating) where a rating exists."""
        p = self.text_scores(vectors, texts, progress)
        if ratings is not None:
            r = np.array([np.nan if x is None else x for x in ratings], dtype=float)
            has = ~np.isnan(r)
            p = p.copy()
            p[has] = (1 - self.rating_weight) * p[has] + self.rating_weight * (1 - r[has])
        return p

    def predict(
        self, vectors: np.ndarray, ratings: Sequence[float | None] | None = None, texts: Sequence[str] | None = None
    ) -> np.ndarray:
        return self.scores(vectors, ratings, texts) >= self.threshold


def detector_for(cache: EmbeddingCache, extra_complaints: Sequence[str] = ()) -> ComplaintDetector:
    """The fitted detector for an embedding cache: with the default encoder, its complaint encoder as the second
    head, cached in the same database."""
    from miner.embed import EmbeddingCache, complaint_embedder_for

    second = complaint_embedder_for(cache.embedder)
    second_embed = EmbeddingCache(second, cache.db).embed if second else None
    return ComplaintDetector(cache.embed, extra_complaints=extra_complaints, second=second_embed).fit()
