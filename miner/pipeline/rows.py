"""The classify chain's results held as columns, not Python objects: a million segments' rows and their
complaints' assignments are the largest Python structures of a run (docs/lab/memory.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

SEGMENT_COLUMNS = ("segment_id", "complaint", "complaint_score", "touchpoint", "touchpoint_score")


class SegmentRows(Sequence[tuple]):
    """The per-segment results (SEGMENT_COLUMNS tuples), held as one column array each per chunk: about 33 bytes a
    segment against some 200 for a tuple of Python objects (docs/lab/memory.md). Rows read back as the tuples
    `classify` built, with the same Python values (the scores rounded by `round`, stored as float64)."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._columns: tuple[np.ndarray, ...] | None = None

    def extend(self, ids: list, complaint: list[int], score: list[float], tp: list[str], tp_score: list[float]) -> None:
        """Add one chunk's rows, column by column."""
        part = (_objects(ids), np.asarray(complaint, np.int8), np.asarray(score, np.float64), _objects(tp),
                np.asarray(tp_score, np.float64))  # fmt: skip
        self._parts.append(part)
        self._columns = None

    def _joined(self) -> tuple[np.ndarray, ...]:
        if self._columns is None:
            parts = self._parts or [(_objects([]), np.zeros(0, np.int8), np.zeros(0), _objects([]), np.zeros(0))]
            self._columns = tuple(np.concatenate(c) for c in zip(*parts, strict=True))
            self._parts = [self._columns]
        return self._columns

    def __len__(self) -> int:
        return sum(len(p[0]) for p in self._parts)

    def __getitem__(self, i: Any) -> Any:  # an int gives a row (a tuple), a slice a list of rows
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        ids, complaint, score, tp, tp_score = self._joined()
        return (ids[i], int(complaint[i]), float(score[i]), tp[i], float(tp_score[i]))

    def __iter__(self) -> Iterator[tuple]:
        for ids, complaint, score, tp, tp_score in self._parts:
            yield from zip(
                ids.tolist(), complaint.tolist(), score.tolist(), tp.tolist(), tp_score.tolist(), strict=True
            )


class AssignmentRows:
    """Each complaint's touchpoint assignments (ASSIGNMENT_COLUMNS, `pain_point_id` set later by the clustering),
    held as Python lists of shared objects and float64/int8 arrays per column rather than one dict per row: at a
    million segments a run holds about 1.6 million of them (docs/lab/memory.md). Iterating gives the rows as dicts,
    as `finish_run` writes them."""

    def __init__(self) -> None:
        self.segment_id: list = []
        self.touchpoint: list[str] = []
        self.subtouchpoint: list[str | None] = []
        self._score: list[np.ndarray] = []
        self._rank: list[np.ndarray] = []
        self.pain_point_id: list[str | None] = []  # per row, its pain point's id once the clustering gives one

    def extend(self, segment_id: list, touchpoint: list[str], subtouchpoint: list, score: list, rank: list) -> None:
        self.segment_id += segment_id
        self.touchpoint += touchpoint
        self.subtouchpoint += subtouchpoint
        self.pain_point_id += [None] * len(segment_id)
        self._score.append(np.asarray(score, np.float64))
        self._rank.append(np.asarray(rank, np.int16))

    def __len__(self) -> int:
        return len(self.segment_id)

    def __iter__(self) -> Iterator[dict]:
        row = 0
        for scores, ranks in zip(self._score, self._rank, strict=True):
            for score, rank in zip(scores.tolist(), ranks.tolist(), strict=True):
                yield {
                    "segment_id": self.segment_id[row],
                    "touchpoint": self.touchpoint[row],
                    "subtouchpoint": self.subtouchpoint[row],
                    "score": score,
                    "rank": rank,
                    "pain_point_id": self.pain_point_id[row],
                }
                row += 1


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out
