"""The complaint encoder read only where it can change a clause's decision (issue 21; docs/lab/cascade.md).

The detector's score is increasing in each part the complaint encoder adds (its head's probability and its seed
vote, each in [0, 1]; `ComplaintDetector.blend`), so the first encoder's parts bound it. A clause whose bounds
sit on one side of the corpus's threshold gets the same decision whatever the second encoder would say, and is
not read by it. Passes, by name (`SECOND_PASSES`):

- `full` (the default, ComplaintDetector's `second_pass`): every clause read by both encoders.
- `exact`: the bounds from the parts' [0, 1] ranges: every decision is the one `full` makes. The ranges are wide
  (half the score at the default weights), so it skips clauses only when the threshold is far from 0.5.
- `cascade`: the bounds from what the second encoder added on a
  seeded sample of the corpus's clauses (`SAMPLE`), widened by `SLACK`: a clause further from the threshold than
  any sampled clause moved is not read twice. One that would have moved further is decided by the first encoder.

The second encoder moves a clause's score by up to ±0.4 (sd 0.13), so at the thresholds calibration reads (0.23 to
0.5) the band holds most clauses: on 4,713 airline clauses the cascade still read 92% and saved no CPU, so `full`
stays the default (docs/lab/cascade.md).

The corpus's threshold (`ComplaintDetector.corpus_threshold`) is read from the sample's full scores, so it sees
the scores `full` would give; a first chunk no larger than the sample is read whole, as `full` reads it. A clause
that is not read twice keeps a score on its side of the threshold: the first encoder's, moved by the sample's
mean shift (within its bounds). `cascade`'s bounds are the band's narrowed by the parts' [0, 1] ranges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from miner.complaints.detector import ComplaintDetector

SAMPLE = 2_000  # clauses of the first chunk read by both encoders: the threshold and the band are read there
SLACK = 0.02  # how far beyond the sample's largest moves a clause must sit to be decided by the first encoder
SECOND_PASSES = ("full", "exact", "cascade")


@dataclass
class Band:
    """How far the second encoder may move a clause's text score from the first encoder's own (`blend` of the
    first parts alone): at least `low`, at most `high`; `mid` is the shift given to clauses it does not read."""

    low: float
    mid: float
    high: float


class ComplaintScorer:
    """A corpus's clause scores, chunk after chunk, reading the second encoder as `second_pass` says (by default
    the detector's `second_pass`).

    `threshold`: the corpus's complaint threshold when known (an extended run's); otherwise it is read by
    `read_threshold` from the first chunk's full scores (the sample's, for the cascade). After each chunk,
    `threshold` holds it and `second_reads` counts the clauses the second encoder has read."""

    def __init__(
        self,
        detector: ComplaintDetector,
        second_pass: str | None = None,
        *,
        threshold: float | None = None,
        read_threshold: Callable[[np.ndarray], float] | None = None,
        sample: int | None = None,
        slack: float | None = None,
    ) -> None:
        second_pass = second_pass or detector.second_pass
        if second_pass not in SECOND_PASSES:
            raise ValueError(f"unknown complaint second pass {second_pass!r}: use one of {list(SECOND_PASSES)}")
        self.detector = detector
        self.second_pass = second_pass if detector.second is not None else "full"
        self.threshold = threshold
        self.read_threshold = read_threshold or detector.corpus_threshold
        self.sample = SAMPLE if sample is None else sample
        self.slack = SLACK if slack is None else slack
        self.band: Band | None = None
        self.second_reads = 0

    def scores(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        ratings: Sequence[float | None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """P(complaint) of one chunk's clauses (the first encoder's `vectors`, the texts for the second); a clause
        that says a complaint outright scores at least the corpus's threshold (`ComplaintDetector.lift`), which is
        read from the scores before that."""
        out = self._scores(vectors, texts, ratings, progress)
        assert self.threshold is not None
        return self.detector.lift(out, texts, self.threshold)

    def _scores(
        self,
        vectors: np.ndarray,
        texts: Sequence[str],
        ratings: Sequence[float | None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        d = self.detector
        if self.second_pass == "full" or len(vectors) == 0:
            out = d.scores(vectors, ratings, texts, progress)
            self.second_reads += len(vectors) if d.second is not None else 0
            if self.threshold is None:
                self.threshold = self.read_threshold(out)
            return out
        first = d.first_scores(vectors)
        own = d.blend(first)
        text = own.copy()
        read = np.zeros(len(vectors), dtype=bool)
        if self.threshold is None or (self.band is None and self.second_pass == "cascade"):
            sampled = self._sample(len(vectors))
            text[sampled] = self._read(first, texts, sampled, progress, vectors)
            read[sampled] = True
            if self.threshold is None:
                self.threshold = self.read_threshold(d.rated(text[sampled], _take(ratings, sampled)))
            if self.second_pass == "cascade" and self.band is None:
                self.band = _band(text[sampled] - own[sampled], self.slack)
        low, high = self._bounds(first, own)
        rated_low, rated_high = d.rated(low, ratings), d.rated(high, ratings)
        undecided = np.flatnonzero(~read & (rated_low < self.threshold) & (rated_high >= self.threshold))
        if len(undecided):
            text[undecided] = self._read(first, texts, undecided, progress, vectors)
            read[undecided] = True
        skipped = ~read
        if progress is not None and skipped.any():
            progress(int(skipped.sum()))
        # a score between the bounds: on the side of the threshold both bounds sit
        kept = np.clip(own + self.band.mid, low, high) if self.band is not None else (low + high) / 2
        text[skipped] = kept[skipped]
        return d.rated(text, ratings)

    def _sample(self, n: int) -> np.ndarray:
        if n <= self.sample:
            return np.arange(n)
        return np.sort(np.random.default_rng(0).choice(n, self.sample, replace=False))

    def _read(
        self,
        first: tuple[np.ndarray, np.ndarray | None],
        texts: Sequence[str],
        rows: np.ndarray,
        progress: Callable[[int], None] | None,
        vectors: np.ndarray | None = None,
    ) -> np.ndarray:
        """The full text scores of `rows`: the second encoder reads them (a head, the first encoder's `vectors`)."""
        self.second_reads += len(rows)
        p, vote = first
        part = (p[rows], None if vote is None else vote[rows])
        own = None if vectors is None else vectors[rows]
        return self.detector.blend(part, self.detector.second_scores([texts[int(i)] for i in rows], progress, own))

    def _bounds(self, first: tuple[np.ndarray, np.ndarray | None], own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lowest and highest text score each clause can reach, whatever the second encoder reads: its parts'
        [0, 1] ranges, narrowed (for `cascade`) to the sample's band."""
        none = first[1] is None  # without a vote, only the head's probability is bounded
        d = self.detector
        low, high = d.blend(first, (0.0, None if none else 0.0)), d.blend(first, (1.0, None if none else 1.0))
        if self.band is not None:
            low, high = np.maximum(low, own + self.band.low), np.minimum(high, own + self.band.high)
        return low, high


def _band(moves: np.ndarray, slack: float) -> Band:
    """The band from how far the second encoder moved the sampled clauses' text scores."""
    return Band(float(moves.min()) - slack, float(moves.mean()), float(moves.max()) + slack)


def _take(ratings: Sequence[float | None] | None, rows: np.ndarray) -> list[float | None] | None:
    return None if ratings is None else [ratings[int(i)] for i in rows]
