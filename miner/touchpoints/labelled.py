"""An analyst's corrections as labelled data of the corpus: a logistic head fitted on the corrected texts.

The taxonomy's examples describe touchpoints in general terms and the corpus head (corpus.py) learns from the
complaints the examples already map surely, so neither can learn what a corpus means by "late" when its own
wording is far from the examples. Corrections can: each is a text of this corpus an analyst labelled. The head
fits a logistic regression on them (the clause's vector and its item's, as the corpus head reads) and adds
`weight_` x its probabilities to every complaint's similarity scores. `weight_` is chosen on the corrections
themselves by cross-validation: where the examples already map the corrected texts right, the similarity keeps
its say; where they do not (a new industry), the labelled data takes over. An analyst files about as many
corrections under each touchpoint however rare it is, so the probabilities are shifted to each touchpoint's share
of the corpus (`prior_`, counted by the corpus head). Touchpoints nobody corrected are taught by a few of the
taxonomy's examples (`anchor_rows`), so that the head does not hand their complaints to the corrected ones.
docs/lab/loop.md has the curve and the losers.
"""

from __future__ import annotations

import warnings

import numpy as np

LABELLED_C = 10.0  # inverse regularisation: a few corrections per touchpoint, each worth believing
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0)  # the weight is the one that maps held-out corrections best
PRIOR_POWER = 0.5  # how far the probabilities move to the corpus's shares (1: all the way; loop.md)
FOLDS = 5
# the head's probability at which corrections keep a complaint from `none` (loop.md, "Corrections against abstention")
SURE_P = 0.5
ANCHORS = 10  # examples per touchpoint nobody corrected that teach the head it (`anchor_rows`)
# each anchor weighs this much of a correction: at 1.0 the curve's 5-per-touchpoint column lost 1.8 points where the
# corrections cover every touchpoint the gold has (docs/lab/loop.md, "Touchpoints nobody corrected")
ANCHOR_WEIGHT = 0.3


class LabelledHead:
    """`fit` on the corrections' features, touchpoints and similarity scores, then `adjust` complaints' scores.

    Unfitted (fewer than two corrected touchpoints: no boundary to learn) it leaves scores unchanged."""

    def __init__(self, n_touchpoints: int, *, C: float = LABELLED_C, weights: tuple[float, ...] = WEIGHTS) -> None:
        self.n_touchpoints = n_touchpoints
        self.C = C
        self.weights = weights
        self.classes_: np.ndarray | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.weight_ = 0.0
        self.labels_ = 0
        self.share_: np.ndarray | None = None  # each corrected touchpoint's share of the corrections
        # each touchpoint's share of the corpus (set by the corpus head from its complaints' best similarities):
        # an analyst files about as many corrections under each touchpoint however rare it is, so the head's
        # probabilities are shifted from the corrections' shares to the corpus's (None: left as fitted)
        self.prior_: np.ndarray | None = None

    @property
    def fitted(self) -> bool:
        return self.coef_ is not None

    def fit(
        self,
        features: np.ndarray,
        touchpoints: np.ndarray | list[int],
        scores: np.ndarray,
        anchors: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> LabelledHead:
        """`scores`: the corrections' own similarity scores (n, n_touchpoints), to choose `weight_` against.
        `anchors`: features and touchpoints of the taxonomy's examples of touchpoints nobody corrected (`anchor_rows`):
        they teach the head those touchpoints too, so a complaint about one of them keeps its place instead of
        going to whichever corrected touchpoint it resembles least badly (the head knew only corrected ones: with 57
        corrections and none under contact_center, its complaints fell from 22 to 5)."""
        X, y = np.asarray(features, np.float32), np.asarray(touchpoints, int)
        self.labels_ = len(y)
        if len(np.unique(y)) < 2:
            return self
        if anchors is not None and len(anchors[1]):
            aX, ay = np.asarray(anchors[0], np.float32), np.asarray(anchors[1], int)
        else:
            aX, ay = np.zeros((0, X.shape[1]), np.float32), np.zeros(0, int)
        self.weight_ = self._choose_weight(X, y, np.asarray(scores, np.float32), aX, ay)
        w = np.r_[np.ones(len(y)), np.full(len(ay), ANCHOR_WEIGHT)]
        X, y = np.vstack([X, aX]), np.r_[y, ay]
        self.classes_, self.coef_, self.intercept_ = _logistic(X, y, self.C, w)
        self.share_ = np.bincount(y, minlength=self.n_touchpoints)[self.classes_] / len(y)
        return self

    def _choose_weight(self, X: np.ndarray, y: np.ndarray, scores: np.ndarray, aX: np.ndarray, ay: np.ndarray) -> float:
        """The weight under which the head, fitted without each fold, maps that fold's corrections best (the
        smallest on a tie). A touchpoint with one correction cannot be held out: it stays in every fold's training
        and is never scored, so one rare touchpoint does not switch the head off for all the others (it did: with
        any touchpoint corrected once the weight was 0). The smallest weight when no touchpoint has two."""
        from sklearn.model_selection import StratifiedKFold

        counts = np.bincount(y)
        scored = np.flatnonzero(counts[y] >= 2)  # rows that can be held out
        always = np.flatnonzero(counts[y] < 2)  # rows that can only teach
        if len(np.unique(y[scored])) < 2:
            return self.weights[0]
        folds = min(FOLDS, int(counts[y[scored]].min()))
        held_out = np.zeros((len(scored), scores.shape[1]), scores.dtype)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(X[scored], y[scored]):
            rows = np.r_[scored[train], always]
            if len(np.unique(y[rows])) >= 2:
                w = np.r_[np.ones(len(rows)), np.full(len(ay), ANCHOR_WEIGHT)]
                fold = _logistic(np.vstack([X[rows], aX]), np.r_[y[rows], ay], self.C, w)  # anchors always teach
                held_out[test] = _probabilities(X[scored[test]], *fold, self.n_touchpoints)
        right = [np.sum((scores[scored] + w * held_out).argmax(axis=1) == y[scored]) for w in self.weights]
        return self.weights[int(np.argmax(right))]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, n_touchpoints) P(touchpoint) among the corrected and anchored ones; the others get 0."""
        if not self.fitted or len(features) == 0:
            return np.zeros((len(features), self.n_touchpoints), np.float32)
        assert self.classes_ is not None and self.coef_ is not None and self.intercept_ is not None  # fitted
        intercept = self.intercept_
        if self.prior_ is not None and self.share_ is not None:
            prior = self.prior_[self.classes_] / self.prior_[self.classes_].sum()
            intercept = intercept + PRIOR_POWER * (np.log(prior) - np.log(self.share_)).astype(np.float32)
        return _probabilities(features, self.classes_, self.coef_, intercept, self.n_touchpoints)

    def sure(self, features: np.ndarray, p: float = SURE_P) -> np.ndarray:
        """Rows whose most likely corrected touchpoint has at least `p` of the head's probability, where the
        cross-validation trusted the head (`weight_` > 0): the corrections claim such a complaint, so the mapper
        does not abstain on it (`Mapper.choose`'s `kept`) even where its similarity to the examples is low."""
        if not self.fitted or self.weight_ <= 0 or len(features) == 0:
            return np.zeros(len(features), bool)
        return self.probabilities(features).max(axis=1) >= p

    def adjust(self, scores: np.ndarray, features: np.ndarray) -> np.ndarray:
        """`scores` plus `weight_` x the head's probabilities (unchanged when unfitted)."""
        if not self.fitted or len(scores) == 0:
            return scores
        return scores + self.weight_ * self.probabilities(features)


def anchor_rows(
    examples: np.ndarray | None, owners: np.ndarray | None, corrected: set[int], per_touchpoint: int = ANCHORS
) -> tuple[np.ndarray, np.ndarray] | None:
    """Features and touchpoints of the examples (`examples`, owned by `owners`: a mapper's) of touchpoints not in
    `corrected`, at most `per_touchpoint` each (the description and the first examples: about as many rows as an
    analyst's corrections of a touchpoint); None for a mapper without examples. An example stands alone, so its
    features are its vector twice, as a correction's are (`CorpusHead.features`)."""
    if examples is None or owners is None:
        return None
    rows = [
        i for j in np.unique(owners) if int(j) not in corrected for i in np.flatnonzero(owners == j)[:per_touchpoint]
    ]
    return np.hstack([examples[rows], examples[rows]]).astype(np.float32), owners[rows].astype(int)


def _logistic(
    X: np.ndarray, y: np.ndarray, C: float, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classes, coefficients and intercepts of a logistic regression (one row of coefficients per class)."""
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():  # a fold of many touchpoints and few corrections each is no regression problem
        warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
        lr = LogisticRegression(C=C, max_iter=2000).fit(X, y, sample_weight=weight)
    coef, intercept = lr.coef_.astype(np.float32), lr.intercept_.astype(np.float32)
    if len(lr.classes_) == 2:  # sklearn keeps one row for two classes: make it the softmax's two
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.r_[-intercept / 2, intercept / 2]
    return lr.classes_.astype(int), coef, intercept


def _probabilities(
    features: np.ndarray, classes: np.ndarray, coef: np.ndarray, intercept: np.ndarray, n_touchpoints: int
) -> np.ndarray:
    z = np.asarray(features, np.float32) @ coef.T + intercept
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    out = np.zeros((len(features), n_touchpoints), np.float32)
    out[:, classes] = p
    return out
