"""A head that learns a corpus's own boundaries between touchpoints from the taxonomy's own first pass over it.

The taxonomy's examples are short, written sentences; a corpus has its own vocabulary and style (laptop reviews,
patient comments, bank letters). A logistic regression fitted on the corpus's complaints, each labelled with the
touchpoint its similarity put first (on the clause's vector and its item's), learns where that corpus draws the
lines, and its probabilities reorder every complaint's touchpoints ("self-taught": nothing is learned from gold).
Two choices make it pay (docs/lab/selfhead.md): every complaint the taxonomy maps teaches it, not only those with a
clear lead (those are too few in an industry the examples were not written for), and each complaint is reordered
by a head fitted on the other folds of the corpus (`folds`): a head judging the complaints it learned from only
gives their first pass back. The head is fitted afresh on each run's own complaints, and a nightly incremental run
reuses the (whole-corpus) head of the run it extends.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from miner.touchpoints.labelled import LabelledHead

CORPUS_WEIGHT = 1.0  # how much the head's probability adds to a touchpoint's similarity score (selfhead.md)
CORPUS_MARGIN = 0.0  # a complaint teaches the head when its best touchpoint leads the next by this much
CORPUS_FOLDS = 5  # each complaint is reordered by a head fitted on the other folds (0: one head for all)
# the head learns only where one touchpoint takes this share of the corpus's complaints: on the probe (nine
# industries, top share 0.10) every head lost to none; the dev domains' top shares are 0.36-0.73 (selfhead.md)
MIN_TOP_SHARE = 0.2
FIT_THREADS = 2  # the folds' heads fitted at once (the machine's two cores)
CORRECTION_WEIGHT = 10.0  # an analyst's correction counts as this many sure complaints (quality.md)


class CorpusHead:
    """Collect complaints chunk by chunk (`collect`), `fit`, then `adjust` every complaint's scores.

    `balanced` weighs each touchpoint's complaints by its rarity (off by default: it undoes the corpus's own shares,
    which is most of what the head learns); `context` off reads the clause's vector alone; `folds` see
    `CORPUS_FOLDS`. A head with fewer than `min_labels` complaints, only one touchpoint among them, or no
    touchpoint with `min_top_share` of them (corrections then act through `labelled` alone) stays unfitted and
    `adjust` returns the scores unchanged: a small upload, or a mix of industries, is mapped from the taxonomy
    alone.
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
        balanced: bool = False,
        context: bool = True,
        folds: int = CORPUS_FOLDS,
        min_top_share: float = MIN_TOP_SHARE,
    ) -> None:
        self.n_touchpoints = n_touchpoints
        self.weight = weight
        self.margin = margin
        self.min_labels = min_labels
        self.max_labels = max_labels
        self.C = C
        self.correction_weight = correction_weight
        self.balanced = balanced
        self.context = context
        self.folds = folds
        self.min_top_share = min_top_share
        self.fold_heads_: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.agreement_: float | None = None  # cross-validated agreement with the first pass (a diagnostic)
        # the sure complaints kept so far: a uniform sample of at most `max_labels`, each drawn a random key from a
        # fixed-seed stream and the smallest keys kept, so memory stays bounded and the same corpus gives the same head
        self._rng = np.random.default_rng(0)
        self._X = np.zeros((0, 0), np.float16)
        self._y = np.zeros(0, int)
        self._keys = np.zeros(0)
        self._taught_X = np.zeros((0, 0), np.float32)
        self._taught_y = np.zeros(0, int)
        self._learnt_X = np.zeros((0, 0), np.float32)
        self._learnt_y = np.zeros(0, int)
        self.learnt_weight = 1.0
        self.learnt_only = False  # the learnt rows (a teacher's) are the head's only rows
        self.learnt_ungated = False  # the head fits on learnt rows even where the corpus's shares are flat
        self.learnt_crossfit = False  # a learnt row teaches only the heads of the other folds (as a complaint does)
        self.classes_: np.ndarray | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.labels_ = 0
        self.labelled: LabelledHead | None = None  # the corrections as labelled data (labelled.py), if any
        self.seen_ = np.zeros(n_touchpoints)  # complaints collected per best touchpoint: the labelled head's prior
        self.skipped_: dict | None = None  # why `fit` left the head unfitted (`skip_reason`), for the run to record

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

    def learn(
        self,
        features: np.ndarray,
        touchpoints: np.ndarray,
        *,
        weight: float = 1.0,
        only: bool = False,
        ungated: bool = False,
        crossfit: bool = False,
    ) -> None:
        """Labelled rows from a stronger reader (miner/touchpoints/teacher.py), each weighing `weight` sure
        complaints; `only`: they replace the first pass's labels; `ungated`: the head fits on them even where the
        corpus's shares are flat (`min_top_share`); `crossfit`: a row teaches only the heads of the other folds,
        so the complaint it labels is reordered by what the teacher said of its neighbours, not of itself."""
        self._learnt_X = np.asarray(features, np.float32)
        self._learnt_y = np.asarray(touchpoints, int)
        self.learnt_weight, self.learnt_only, self.learnt_ungated = weight, only, ungated
        self.learnt_crossfit = crossfit

    def fit(self) -> CorpusHead:
        if self.labelled is not None and self.seen_.sum():
            self.labelled.prior_ = (self.seen_ + 1) / (self.seen_ + 1).sum()
        X, y = self._X.astype(np.float32), self._y
        taught_X, taught_y, weights = self._extra_rows()
        if self.learnt_only and len(self._learnt_y):
            X, y = np.zeros((0, taught_X.shape[1]), np.float32), np.zeros(0, int)
        self._X, self._y, self._keys = np.zeros((0, 0), np.float16), np.zeros(0, int), np.zeros(0)
        if len(y) + len(taught_y) < self.min_labels or len(np.unique(np.r_[y, taught_y])) < 2:
            labels = int(len(y) + len(taught_y))
            self.skipped_ = {"reason": "too few", "labels": labels, "min_labels": self.min_labels}
            return self
        flat = self.seen_.max() < self.min_top_share * self.seen_.sum()
        if flat and not (self.learnt_ungated and len(self._learnt_y)):
            # flat shares (a mix of industries): little to learn, and the first pass's bias to amplify; an analyst's
            # corrections still act through the labelled head
            top = float(self.seen_.max() / self.seen_.sum()) if self.seen_.sum() else 0.0
            self.skipped_ = {"reason": "flat", "top_share": round(top, 4), "min_top_share": self.min_top_share}
            return self
        if len(taught_y):
            X = X.reshape(-1, taught_X.shape[1])
        if not self.context:
            X, taught_X = X[:, : X.shape[1] // 2], taught_X[:, : taught_X.shape[1] // 2]
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        # One BLAS thread: lbfgs on a few thousand rows is many small products, and OpenBLAS's second thread spins
        # through them: 4.2 CPU s and 2.1 s wall against 0.9 and 0.8 on the 5k's whole-corpus head (docs/lab/blas.md).
        # The folds' heads instead fit two at a time, one per core (numpy and the solver release the GIL).
        with threadpool_limits(limits=1, user_api="blas"):
            self.classes_, self.coef_, self.intercept_ = self._logistic(X, y, taught_X, taught_y, weights)
            fold = fold_of(X, self.folds) if self.folds > 1 else np.zeros(len(y), int)
            start = (self.classes_, self.coef_, self.intercept_)  # each fold's head starts from the whole corpus's
            with ThreadPoolExecutor(max_workers=FIT_THREADS) as pool:
                heads = list(
                    pool.map(
                        lambda k: self._logistic(
                            X[fold != k], y[fold != k], *self._extra_rows(k, X.shape[1]), start=start
                        ),
                        range(self.folds),
                    )
                )
        self.fold_heads_ = heads if self.folds > 1 and all(h is not None for h in heads) else []
        if self.fold_heads_ and len(y):
            # how often a head that did not learn a complaint gives it back its first touchpoint
            self.agreement_ = float((self.probabilities(X).argmax(axis=1) == y).mean())
        return self

    def _extra_rows(
        self, fold: int | None = None, width: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows a head learns besides the first pass's: the analyst's (each `correction_weight`) and a
        teacher's (each `learnt_weight`), with their weights; `fold`: the head of that fold's, which with
        `learnt_crossfit` leaves out the teacher's rows of that fold; `width`: the features the head reads."""
        learnt_X, learnt_y = self._learnt_X[:, :width], self._learnt_y
        if fold is not None and self.learnt_crossfit and len(learnt_y):
            other = fold_of(learnt_X, self.folds) != fold
            learnt_X, learnt_y = learnt_X[other], learnt_y[other]
        parts = [(x, t, w) for x, t, w in ((self._taught_X[:, :width], self._taught_y, self.correction_weight),
                                            (learnt_X, learnt_y, self.learnt_weight)) if len(t)]  # fmt: skip
        if not parts:
            return np.zeros((0, 0), np.float32), np.zeros(0, int), np.zeros(0)
        return (
            np.vstack([x for x, _, _ in parts]),
            np.concatenate([t for _, t, _ in parts]),
            np.concatenate([np.full(len(t), w) for _, t, w in parts]),
        )

    def _logistic(
        self,
        X: np.ndarray,
        y: np.ndarray,
        taught_X: np.ndarray,
        taught_y: np.ndarray,
        taught_w: np.ndarray,
        start: tuple | None = None,
    ) -> Any:
        """(classes, coef, intercept) of a logistic regression on complaints `X`, `y` and the extra rows (an
        analyst's, a teacher's), each weighing its `taught_w`; None when fewer than two touchpoints are left.
        `start`: a head on most of the same rows (classes, coef, intercept) to start the solver from when it has the
        same classes: the same optimum in about 40% fewer iterations (a fold's head from the whole corpus's,
        docs/performance.md)."""
        from sklearn.linear_model import LogisticRegression

        weights = None
        if len(taught_y):
            X, y = np.vstack([X.reshape(-1, taught_X.shape[1]), taught_X]), np.r_[y, taught_y]
            weights = np.r_[np.ones(len(X) - len(taught_y)), taught_w]
        classes = np.unique(y)
        if len(classes) < 2:
            return None
        warm = start is not None and start[0] is not None and np.array_equal(start[0], classes) and len(classes) > 2
        lr = LogisticRegression(
            C=self.C, max_iter=1000, class_weight="balanced" if self.balanced else None, warm_start=warm
        )
        if warm:
            assert start is not None
            lr.coef_, lr.intercept_ = start[1].astype(np.float64), start[2].astype(np.float64)
        lr.fit(X, y, sample_weight=weights)  # on one BLAS thread (`fit`)
        return lr.classes_.astype(int), lr.coef_.astype(np.float32), lr.intercept_.astype(np.float32)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, n_touchpoints) P(touchpoint); touchpoints the head never saw get 0."""
        out = np.zeros((len(features), self.n_touchpoints), np.float32)
        if not self.fitted or len(features) == 0:
            return out
        assert self.coef_ is not None and self.intercept_ is not None and self.classes_ is not None  # fitted
        X = features[:, : self.coef_.shape[1]].astype(np.float32)
        if not self.fold_heads_:
            out[:, self.classes_] = _softmax(X, self.coef_, self.intercept_)
            return out
        fold = fold_of(X, self.folds)
        for k, (classes, coef, intercept) in enumerate(self.fold_heads_):
            rows = fold == k
            out[np.ix_(rows, classes)] = _softmax(X[rows], coef, intercept)
        return out

    @property
    def adjusts(self) -> bool:
        """Whether `adjust` changes anything: this head or the labelled one is fitted."""
        return self.fitted or (self.labelled is not None and self.labelled.fitted)

    def adjust(self, scores: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Reorder each row's touchpoints by similarity plus `weight` x the head's probability, keeping the row's
        best score: whether a complaint fits the taxonomy at all (the threshold, `none_examples`) is still
        decided by its similarity alone, as the head knows no `none`. With a fitted `labelled` head (the
        analyst's corrections), its probabilities add to the order too, even when this head stayed unfitted."""
        if not self.adjusts or len(scores) == 0:
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


def skip_reason(skipped: dict | None) -> str:
    """Why a corpus head stayed unfitted (`CorpusHead.skipped_`), in words: `mine` notes it and the report says it
    (the report said "not used" where `mine` had printed "Fitting the corpus head", and the run's params listed it)."""
    if not skipped:
        return "the run did not record why (under 50 clearly mapped complaints, or no touchpoint with 20% of them)"
    if skipped.get("reason") == "flat":
        largest, needed = f"{skipped['top_share']:.0%}", f"{skipped['min_top_share']:.0%}"
        return (
            f"no touchpoint holds {needed} of the complaints (the largest {largest}), and shares this flat give "
            "it little to learn but the first pass's own bias"
        )
    if skipped.get("labels", 0) < skipped.get("min_labels", 50):
        labels, needed = f"{skipped['labels']:,}", f"{skipped['min_labels']:,}"
        return f"{labels} complaints were mapped clearly enough to learn from, under the {needed} it needs"
    return "the complaints it could learn from were all of one touchpoint"


def fold_of(features: np.ndarray, folds: int) -> np.ndarray:
    """A fold per row read from the row itself (a fixed projection of its float16 values), so `fit` and
    `adjust` put the same complaint in the same fold without knowing its id."""
    r = np.asarray(np.random.default_rng(7).standard_normal(features.shape[1]), dtype=np.float32)
    v: np.ndarray = features.astype(np.float16).astype(np.float32) @ r
    return np.asarray(np.floor(np.abs(v) * 1000) % folds, dtype=int)


def _softmax(X: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    z = X @ coef.T + intercept
    if coef.shape[0] == 1:  # sklearn keeps one row of coefficients for two classes
        p1 = 1 / (1 + np.exp(-z[:, 0]))
        return np.stack([1 - p1, p1], axis=1)
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)
