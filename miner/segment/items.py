"""Which stored segments came from one feedback item, and that item's text as context for its segments."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class ItemRuns:
    """Which segments came from the same feedback item (their ids are consecutive), and that item's text as
    context for the mapper and for clustering pain points: its segments joined, so redacted text and customer
    turns only."""

    def __init__(self, segments: list[dict]) -> None:
        self.segments = segments
        first = np.fromiter(
            (i == 0 or s["document_id"] != segments[i - 1]["document_id"] for i, s in enumerate(segments)),
            dtype=bool,
            count=len(segments),
        )
        self.run_of = np.cumsum(first) - 1
        self.starts = np.flatnonzero(first)
        self.ends = np.r_[self.starts[1:], len(segments)]

    def context(
        self, positions: np.ndarray, vectors: np.ndarray, embed: Callable, clause: Callable[[str], str] = str
    ) -> np.ndarray:
        """One row per position: the embedding of its item's text (its clauses joined, each through `clause`), or
        its own vector when it is the only one."""
        out = vectors.copy()
        runs = self.run_of[positions]
        multi = sorted({int(r) for r in runs if self.ends[r] - self.starts[r] > 1})
        if not multi:
            return out
        texts = [" ".join(clause(self.segments[i]["text"]) for i in range(self.starts[r], self.ends[r])) for r in multi]
        row_of = dict(zip(multi, embed(texts), strict=True))
        for k, r in enumerate(runs):
            if int(r) in row_of:
                out[k] = row_of[int(r)]
        return out

    def mean_context(self, positions: np.ndarray, vectors: np.ndarray, embed: Callable) -> np.ndarray:
        """As `context`, but an item's vector is the mean of its clauses' vectors weighted by their length in
        characters (normalised): no text is embedded beyond the clauses, which the caller has embedded already."""
        out = vectors.copy()
        runs = self.run_of[positions]
        multi = sorted({int(r) for r in runs if self.ends[r] - self.starts[r] > 1})
        if not multi:
            return out
        texts = [self.segments[i]["text"] for r in multi for i in range(self.starts[r], self.ends[r])]
        weights = np.array([max(len(t), 1) for t in texts], dtype=np.float32)[:, None]
        offsets = np.r_[0, np.cumsum([self.ends[r] - self.starts[r] for r in multi])[:-1]]
        sums = np.add.reduceat(embed(texts) * weights, offsets, axis=0)
        means = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        row_of = dict(zip(multi, means, strict=True))
        for k, r in enumerate(runs):
            if int(r) in row_of:
                out[k] = row_of[int(r)]
        return out
