"""A head that learns a corpus's own boundaries between touchpoints from the complaints the taxonomy maps surely.

The taxonomy's examples are short, written sentences; a corpus has its own vocabulary and style (laptop reviews,
patient comments, bank letters). The complaints whose best touchpoint wins by a clear margin are mostly right,
so a logistic regression fitted on them (on the clause's vector and its item's) learns where that corpus draws
the lines, and its probabilities reorder every complaint's touchpoints. Nothing is learned from labels: the head
is fitted afresh on each run's own complaints, and a nightly incremental run reuses the head of the run it extends.
"""

from __future__ import annotations

import numpy as np

from miner.touchpoints.labelled import LabelledHead

CORPUS_WEIGHT = 0.3  # how much the head's probability adds to a touchpoint's similarity score
CORPUS_MARGIN = 0.10  # a complaint teaches the head when its best touchpoint leads the next by this much
CORRECTION_WEIGHT = 10.0  # an analyst's correction counts as this many sure complaints (quality.md)


class CorpusHead:
    """Collect sure complaints chunk by chunk (`collect`), `fit`, then `adjust` every complaint's scores.

    A head with fewer than `min_labels` sure complaints, or only one touchpoint among them, stays unfitted and
    `adjust` returns the scores unchanged: a small upload is mapped from the taxonomy alone.
    """

    def __init__(
        self,
        n_touchpoints: int,
        *,
        weight: float = CORPUS_WEIGHT,
        margin: float = CORPUS_MARGIN,
        min_labels: int = 50,
        max_labels: int = 20_000,
        C: float = 1.0,
        correction_weight: float = CORRECTION_WEIGHT,
    ) -> None:
        self.n_touchpoints = n_touchpoints
        self.weight = weight
        self.margin = margin
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.C = C
        self.correction_weight = correction_weight
        # the sure complaints kept so far: a uniform sample of at most `max_labels`, each drawn a random key from a
        # fixed-seed stream and the smallest keys kept, so memory stays bounded and the same corpus gives the same head
        self._rng = np.random.default_rng(0)
        self._X = np.zeros((0, 0), np.float16)
        self._y = np.zeros(0, int)
        self._keys = np.zeros(0)
        self._taught_X = np.zeros((0, 0), np.float32)
        self._taught_y = np.zeros(0, int)
        self.classes_: np.ndarray | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.labels_ = 0
        self.labelled: LabelledHead | None = None  # the corrections as labelled data (labelled.py), if any
        self.seen_ = np.zeros(n_touchpoints)  # complaints collected per best touchpoint: the labelled head's prior

    @property
    def fitted(self) -> bool:
        return self.coef_ is not None

    @staticmethod
    def features(vectors: np.ndarray, context: np.ndarray | None) -> np.ndarray:
        """What the head reads: the clause's vector and its item's (the clause's own again when it stands alone)."""
        return np.hstack([vectors, vectors if context is None else context]).astype(np.float32)

    def collect(
        self,
        scores: np.ndarray,
        nones: np.ndarray | None,
        features: np.ndarray,
        threshold: float,
        rows: np.ndarray | None = None,
    ) -> None:
        """Keep the complaints (rows of `scores`, or the `rows` given) whose best touchpoint passes `threshold`,
        beats `none` and leads the runner-up by `margin`."""
        rows = np.arange(len(scores)) if rows is None else rows
        if len(rows) == 0 or scores.shape[1] < 2:  # one touchpoint: no boundary to learn
            return
        s = scores[rows]
        self.seen_ += np.bincount(s.argmax(axis=1), minlength=self.n_touchpoints)
        top2 = np.sort(s, axis=1)[:, -2:]
        sure = (top2[:, 1] >= threshold) & (top2[:, 1] - top2[:, 0] >= self.margin)
        if nones is not None:
            sure &= nones[rows] <= top2[:, 1]
        X = features[rows][sure].astype(np.float16)
        self.labels_ += len(X)
        self._X = np.concatenate([self._X.reshape(-1, X.shape[1]), X])
        self._y = np.concatenate([self._y, s[sure].argmax(axis=1)])
        self._keys = np.concatenate([self._keys, self._rng.random(len(X))])
        if len(self._keys) > self.max_labels:
            keep = np.sort(np.argsort(self._keys, kind="stable")[: self.max_labels])
            self._X, self._y, self._keys = self._X[keep], self._y[keep], self._keys[keep]

    def teach(self, features: np.ndarray, touchpoints: np.ndarray | list[int]) -> None:
        """Labelled rows from an analyst (the taxonomy's corrections): kept whole, each weighing
        `correction_weight` sure complaints."""
        self._taught_X = np.asarray(features, np.float32)
        self._taught_y = np.asarray(touchpoints, int)

    def fit(self) -> CorpusHead:
        from sklearn.linear_model import LogisticRegression

        if self.labelled is not None and self.seen_.sum():
            self.labelled.prior_ = (self.seen_ + 1) / (self.seen_ + 1).sum()
        X, y, weights = self._X.astype(np.float32), self._y, np.ones(len(self._y))
        if len(self._taught_y):
            X = np.vstack([X.reshape(-1, self._taught_X.shape[1]), self._taught_X])
            y = np.r_[y, self._taught_y]
            weights = np.r_[weights, np.full(len(self._taught_y), self.correction_weight)]
        self._X, self._y, self._keys = np.zeros((0, 0), np.float16), np.zeros(0, int), np.zeros(0)
        if self.labels_ + len(self._taught_y) < self.min_labels or len(np.unique(y)) < 2:
            return self
        # balanced: a touchpoint with few sure complaints still gets its share of the head
        lr = LogisticRegression(C=self.C, max_iter=1000, class_weight="balanced").fit(
            X, y, sample_weight=weights if len(self._taught_y) else None
        )
        self.classes_ = lr.classes_.astype(int)
        self.coef_ = lr.coef_.astype(np.float32)
        self.intercept_ = lr.intercept_.astype(np.float32)
        return self

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, n_touchpoints) P(touchpoint); touchpoints the head never saw get 0."""
        out = np.zeros((len(features), self.n_touchpoints), np.float32)
        if not self.fitted or len(features) == 0:
            return out
        assert self.coef_ is not None and self.intercept_ is not None and self.classes_ is not None  # fitted
        z = features.astype(np.float32) @ self.coef_.T + self.intercept_
        if len(self.classes_) == 2:  # sklearn keeps one row of coefficients for two classes
            p1 = 1 / (1 + np.exp(-z[:, 0]))
            p = np.stack([1 - p1, p1], axis=1)
        else:
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
        out[:, self.classes_] = p
        return out

    def adjust(self, scores: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Reorder each row's touchpoints by similarity plus `weight` x the head's probability, keeping the row's
        best score: whether a complaint fits the taxonomy at all (the threshold, `none_examples`) is still
        decided by its similarity alone, as the head knows no `none`. With a fitted `labelled` head (the
        analyst's corrections), its probabilities add to the order too, even when this head stayed unfitted."""
        labelled = self.labelled is not None and self.labelled.fitted
        if not (self.fitted or labelled) or len(scores) == 0:
            return scores
        adjusted = scores + self.weight * self.probabilities(features)
        if self.labelled is not None:
            adjusted = self.labelled.adjust(adjusted, features)
        return adjusted - adjusted.max(axis=1, keepdims=True) + scores.max(axis=1, keepdims=True)

    def to_row(self, ids: list[str]) -> dict:
        """The fitted head as a `corpus_heads` row (without run_id); `ids`: the touchpoints, in score order."""
        assert self.coef_ is not None and self.intercept_ is not None and self.classes_ is not None, "not fitted"
        return {
            "touchpoints": ",".join(ids[c] for c in self.classes_),
            "coef": self.coef_.tobytes(),
            "intercept": self.intercept_.tobytes(),
            "dim": self.coef_.shape[1],
            "weight": self.weight,
            "margin": self.margin,
            "labels": self.labels_,
        }

    @classmethod
    def from_row(cls, row: dict, ids: list[str]) -> CorpusHead:
        head = cls(len(ids), weight=row["weight"], margin=row["margin"])
        head.classes_ = np.array([ids.index(t) for t in row["touchpoints"].split(",")])
        head.coef_ = np.frombuffer(row["coef"], dtype=np.float32).reshape(-1, row["dim"])
        head.intercept_ = np.frombuffer(row["intercept"], dtype=np.float32)
        head.labels_ = row["labels"]
        return head
