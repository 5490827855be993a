"""A logistic-regression head on sentence embeddings, fitted at run time on team-written seed sentences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from miner.complaints.calibrate import CALIBRATIONS

SEEDS = Path(str(resources.files("miner.complaints").joinpath("seeds.yaml")))  # package data
# How many nearest seeds vote, and how much their vote weighs against the logistic heads (see ComplaintDetector).
NEIGHBOURS = 5
NEIGHBOUR_WEIGHT = 0.5
# How a corpus's complaint threshold is read from its own scores (miner/complaints/calibrate.py; docs/lab/detector.md).
CALIBRATION = "mixture"
# Which clauses the complaint encoder reads (miner/complaints/cascade.py SECOND_PASSES). `full`: all of them; the
# cascade left 86-92% of 4,713 airline clauses to read, saved no CPU and moved 11 decisions (docs/lab/cascade.md).
SECOND_PASS = "full"
# Whether a clause that says a complaint outright ("still waiting", "no refund") is one at the corpus's threshold
# (miner/complaints/phrases.py; docs/lab/detector.md).
OUTRIGHT = True
# How much an analyst's correction (a complaint of this corpus, filed under a touchpoint) weighs as a positive seed,
# against a packaged seed's 1.0; corrections vote among the nearest seeds too (docs/lab/loop.md, "Corrections
# teach the detector"). Chosen before measuring: a quote an analyst vouches for counts as one seed.
CORRECTION_WEIGHT = 1.0
_BLOCK = 4096  # rows whose seed similarities are held at once: memory stays bounded at any input size


class EmbedFn(Protocol):
    """An embedder's `embed` (or an EmbeddingCache's): texts in, one row per text out."""

    def __call__(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray: ...


def load_seeds(path: Path = SEEDS) -> tuple[list[str], list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["complaint"]), list(data["not_complaint"])


class ComplaintDetector:
    """P(complaint) for each segment; where the item has a rating, a low rating pushes towards complaint.

    The taxonomy's own examples are complaints too, so they join the positive seeds: a user who adds
    examples to the taxonomy teaches both the mapper and the detector, with nothing to retrain by hand. Each
    counts `extra_weight` of a seed: there are twice as many of them as seeds, all short and all about a
    touchpoint, and at full weight they taught the head that any mention of staff or service is a complaint.

    An analyst's `corrections` (the taxonomy's, each a complaint of this corpus filed under a touchpoint) are
    complaints in the corpus's own words: they join the positive seeds at `correction_weight` (a seed's, by default)
    and vote among them, so clauses worded like them are found where the packaged seeds missed them.

    `second` embeds texts with another encoder (the complaint encoder that comes with the default one); a second
    head is fitted on its vectors and the two probabilities are averaged (`second_weight` for the second).

    The heads' probability is then blended (`neighbour_weight`) with a vote of the `neighbours` nearest seed
    sentences in each encoder's space, softmax-weighted by similarity: a clause close to a seed not-complaint
    ("ugh mondays") is read by that seed, where a linear head only sees which side of one boundary it falls.
    Only the seeds vote: the taxonomy's examples are all complaints, and as neighbours they outvoted chatter.

    `calibration` names how a corpus's threshold is read from its own scores (miner/complaints/calibrate.py):
    `fixed` keeps `threshold`; `mixture` (the default) may lower it to where the corpus's complaints start.
    `second_pass` names which clauses of a corpus the second encoder reads when `classify` scores them
    (miner/complaints/cascade.py): `full` (the default) reads all; `cascade` and `exact` only those it may change.
    `outright`: a clause that says a complaint in one of miner/complaints/phrases.py's phrases scores at least the
    corpus's threshold (`lift`).
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
        corrections: Sequence[str] = (),
        correction_weight: float | None = None,
        second: EmbedFn | None = None,
        second_from_first: Callable[[np.ndarray], np.ndarray] | None = None,
        second_weight: float = 0.5,
        neighbours: int = NEIGHBOURS,
        neighbour_weight: float = NEIGHBOUR_WEIGHT,
        neighbour_temperature: float = 0.05,
        calibration: str = CALIBRATION,
        second_pass: str = SECOND_PASS,
        outright: bool = OUTRIGHT,
    ) -> None:
        self.embed = embed
        self.extra_complaints = extra_complaints
        self.seeds = seeds
        self.threshold = threshold
        self.rating_weight = rating_weight
        self.C = C
        self.extra_weight = extra_weight
        self.corrections = corrections
        self.correction_weight = CORRECTION_WEIGHT if correction_weight is None else correction_weight
        self.second = second
        # where `second` is a head on the first encoder's vectors (miner/embed/head.py): that head, which reads the
        # vectors a run holds for its clauses (a clause read inside its item has no vector of its own text)
        self.second_from_first = second_from_first
        self.second_weight = second_weight
        self.neighbours = neighbours
        self.neighbour_weight = neighbour_weight
        self.neighbour_temperature = neighbour_temperature
        self.calibration = calibration
        self.second_pass = second_pass
        self.outright = outright

    def fit(self) -> ComplaintDetector:
        from sklearn.linear_model import LogisticRegression

        packaged, negatives = load_seeds(self.seeds)
        seeded = set(packaged)
        corrected = [c for c in dict.fromkeys(self.corrections) if c not in seeded]
        positives = packaged + corrected
        known = seeded | set(corrected)
        extra = [e for e in dict.fromkeys(self.extra_complaints) if e not in known]
        texts = positives + extra + negatives
        y = np.array([1] * (len(positives) + len(extra)) + [0] * len(negatives))
        w = np.array(
            [1.0] * len(packaged)
            + [self.correction_weight] * len(corrected)
            + [self.extra_weight] * len(extra)
            + [1.0] * len(negatives)
        )
        w[y == 1] *= w[y == 0].sum() / w[y == 1].sum()  # the classes weigh the same in total
        vectors = self.embed(texts)
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(vectors, y, sample_weight=w)
        seeds = np.r_[: len(positives), len(texts) - len(negatives) : len(texts)]
        self.seed_labels_ = y[seeds].astype(np.float32)
        self.seed_vectors_ = [vectors[seeds]]
        if self.second is not None:
            second = self.second(texts)
            self.second_model_ = LogisticRegression(C=self.C, max_iter=2000).fit(second, y, sample_weight=w)
            self.seed_vectors_.append(second[seeds])
        return self

    def neighbour_vote(self, vectors: np.ndarray, space: int = 0) -> np.ndarray:
        """Share of complaints among each row's `neighbours` nearest seeds in encoder `space`, weighted by
        exp(similarity / temperature)."""
        seeds = self.seed_vectors_[space]
        k = min(self.neighbours, len(seeds))
        out = np.empty(len(vectors), dtype=np.float32)
        for start in range(0, len(vectors), _BLOCK):
            block = slice(start, start + _BLOCK)
            sims = vectors[block] @ seeds.T
            nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            top = np.take_along_axis(sims, nearest, axis=1)
            weights = np.exp((top - top.max(axis=1, keepdims=True)) / self.neighbour_temperature)
            out[block] = (weights * self.seed_labels_[nearest]).sum(axis=1) / weights.sum(axis=1)
        return out

    def first_scores(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The first encoder's head probability and its seed vote (None when the vote weighs nothing)."""
        p = self.model_.predict_proba(vectors)[:, 1]
        return p, (self.neighbour_vote(vectors, 0) if self.neighbour_weight else None)

    def second_scores(
        self, texts: Sequence[str], progress: Callable | None = None, first: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The complaint encoder's head probability and seed vote, from the texts (it embeds them), or with
        `second_from_first`, from `first`, the first encoder's vectors of those texts as the run read them."""
        if self.second is None:
            raise ValueError("this detector has no second encoder")
        if first is not None and self.second_from_first is not None:
            if progress:
                progress(len(first))
            vectors = self.second_from_first(first)
        else:
            vectors = self.second(list(texts), progress=progress)
        p = self.second_model_.predict_proba(vectors)[:, 1]
        return p, (self.neighbour_vote(vectors, 1) if self.neighbour_weight else None)

    def blend(
        self,
        first: tuple[np.ndarray, np.ndarray | None],
        second: tuple[np.ndarray | float, np.ndarray | float | None] | None = None,
    ) -> np.ndarray:
        """P(complaint) from the text: the heads' probabilities averaged (`second_weight` for the second), then
        blended (`neighbour_weight`) with the mean of the votes. Without `second`, the first encoder's alone.
        Increasing in every part, so a part's bounds bound the result (miner/complaints/cascade.py)."""
        p, vote = first
        if second is not None:
            p = (1 - self.second_weight) * p + self.second_weight * second[0]
            if vote is not None and second[1] is not None:
                vote = (vote + second[1]) / 2
        if vote is None:
            return np.asarray(p, dtype=np.float64)
        return (1 - self.neighbour_weight) * p + self.neighbour_weight * vote

    def text_scores(
        self, vectors: np.ndarray, texts: Sequence[str] | None = None, progress: Callable | None = None
    ) -> np.ndarray:
        """P(complaint) from the text; with a second encoder, the texts themselves are needed too."""
        if len(vectors) == 0:
            return np.zeros(0)
        first = self.first_scores(vectors)
        if self.second is None:
            return self.blend(first)
        if texts is None or len(texts) != len(vectors):
            raise ValueError("this detector reads a second encoder: pass the segments' texts with their vectors")
        return self.blend(first, self.second_scores(texts, progress, vectors))

    def rated(self, p: np.ndarray, ratings: Sequence[float | None] | None) -> np.ndarray:
        """Text probabilities blended with (1 - normalised rating) where a rating exists."""
        if ratings is None:
            return p
        r = np.array([np.nan if x is None else x for x in ratings], dtype=float)
        has = ~np.isnan(r)
        p = np.array(p, dtype=np.float64)
        p[has] = (1 - self.rating_weight) * p[has] + self.rating_weight * (1 - r[has])
        return p

    def scores(
        self,
        vectors: np.ndarray,
        ratings: Sequence[float | None] | None = None,
        texts: Sequence[str] | None = None,
        progress: Callable | None = None,
    ) -> np.ndarray:
        """Blend the text's probability with (1 - normalised rating) where a rating exists."""
        return self.rated(self.text_scores(vectors, texts, progress), ratings)

    def lift(self, scores: np.ndarray, texts: Sequence[str] | None, threshold: float) -> np.ndarray:
        """`scores` with each clause that says a complaint outright raised to `threshold` (when `outright`), and
        each that only hands over redacted contact details (`said_nothing`) or says there is no complaint
        (`said_no_complaint`) lowered to 0. What follows a no-complaint phrase is read on its own, and what precedes
        one that names what it is about ("no complaints about the staff"); the clause keeps its score where either is
        a complaint at `threshold`, or at the detector's own where a corpus lowered it: a clause that says "no
        complaint" needs more than a corpus's low bar (on the dev sets, one praise clause's remainder read 0.26
        against its corpus's 0.25; docs/lab/detector.md)."""
        if texts is None or len(texts) != len(scores):
            return scores
        from miner.complaints.phrases import said_no_complaint, said_nothing, said_outright

        if self.outright:
            scores = np.where(said_outright(texts), np.maximum(scores, threshold), scores)
        bar = max(threshold, self.threshold)

        def complaint(rest: list[str]) -> np.ndarray:
            return self.text_scores(self.embed(rest), rest) >= bar

        return np.where(said_nothing(texts) | said_no_complaint(texts, complaint), 0.0, scores)

    def corpus_threshold(self, scores: np.ndarray) -> float:
        """The threshold for a corpus whose clauses scored `scores`, by the detector's `calibration`."""
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"unknown complaint calibration {self.calibration!r}: use one of {sorted(CALIBRATIONS)}")
        return CALIBRATIONS[self.calibration](scores, self.threshold)

    def predict(
        self, vectors: np.ndarray, ratings: Sequence[float | None] | None = None, texts: Sequence[str] | None = None
    ) -> np.ndarray:
        return self.lift(self.scores(vectors, ratings, texts), texts, self.threshold) >= self.threshold
