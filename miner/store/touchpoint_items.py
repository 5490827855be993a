"""A run's complaints per touchpoint, sub-touchpoint and item, held in its index (miner/store/index.py): what
`GET /v1/touchpoints` (the items with a complaint about each touchpoint), `GET /v1/touchpoints/{id}` (its
sub-touchpoints) and `GET /v1/trends` (mentions and items per period and touchpoint) count inside a filter. Counted in
SQL over every assignment of the run, they took 1.3-1.6 s a query on the 1M-segment workspace of `make bench-api`
(a touchpoints request ran three: 3-4 s idle, about 10 s on a loaded machine).

One row per (touchpoint, item, sub-touchpoint) with its assignments: an item has one day, source and kind, so a row
lies inside a filter or not as its item does, and `first` marks the first row of each (touchpoint, item), which
counts the item once. tests/test_api_touchpoints_contract.py holds every answer equal to the SQL the routes ran
(`miner.store.reads.count_by` and `touchpoint_documents`, and the counts per day and touchpoint)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TouchpointItems:
    touchpoint: np.ndarray  # per row: the touchpoint's code (the index's `touchpoint_ids`)
    sub: np.ndarray  # the sub-touchpoint's code (into `sub_ids`)
    n: np.ndarray  # the row's assignments
    first: np.ndarray  # the first row of its (touchpoint, item)
    bucket: np.ndarray  # its item's day bucket, source and kind codes, as the index's rows
    source: np.ndarray
    kind: np.ndarray
    sub_ids: list[str | None]


def touchpoint_items(touchpoint: np.ndarray, sub: np.ndarray, subs: dict, document: np.ndarray, bucket: np.ndarray,
                     source: np.ndarray, kind: np.ndarray) -> TouchpointItems:  # fmt: skip
    """The table of a run's assignments, each given as codes (`subs`: the sub-touchpoints' by id)."""
    n_subs, n_docs = max(1, len(subs)), int(document.max()) + 1 if len(document) else 1
    key = (touchpoint.astype(np.int64) * n_docs + document) * n_subs + sub
    rows, at, n = np.unique(key, return_index=True, return_counts=True)
    pair = rows // n_subs  # (touchpoint, item)
    first = np.ones(len(rows), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    return TouchpointItems(
        touchpoint=touchpoint[at].astype(np.int32),
        sub=sub[at].astype(np.int32),
        n=n.astype(np.int32),
        first=first,
        bucket=bucket[at].astype(np.int32),
        source=source[at].astype(np.int32),
        kind=kind[at].astype(np.int32),
        sub_ids=sorted(subs, key=subs.__getitem__),
    )


@dataclass(frozen=True)
class Inside:
    """The rows of a `TouchpointItems` inside one filter, counted as the SQL counts them."""

    table: TouchpointItems
    rows: np.ndarray  # mask
    touchpoint_ids: list[str]
    days: np.ndarray  # the index's days: bucket b is days[b - 1]

    def documents(self) -> dict[str, int]:
        """Distinct items with a complaint, per touchpoint (those with some): `touchpoint_documents`."""
        return self._nonzero(self.table.touchpoint, self.rows & self.table.first, self.touchpoint_ids)

    def subtouchpoints(self, touchpoint: str) -> dict[str | None, int]:
        """The complaints of one touchpoint per sub-touchpoint: `count_by(..., "a.subtouchpoint", ...)` with
        `a.touchpoint = ?`."""
        code = self.touchpoint_ids.index(touchpoint) if touchpoint in self.touchpoint_ids else -1
        rows = self.rows & (self.table.touchpoint == code)
        return self._nonzero(self.table.sub, rows, self.table.sub_ids, self.table.n)

    def per_period(self, position: Callable[[str], int | None], periods: int) -> tuple[dict, dict]:
        """Per touchpoint, the complaints (`mentions`) and the items with one (`documents`) of each period, dated
        items only (`position`: a day's period, None for none), the touchpoints with some: the SQL's counts per day
        and touchpoint (`COUNT(DISTINCT d.id)`) summed per period. A day's period is looked up once (a row per day and
        touchpoint: 15,000 on 1M segments)."""
        rows = self.rows & (self.table.bucket > 0)  # bucket 0: no date
        bucket = self.table.bucket[rows]
        at = np.full(len(self.days) + 1, -1, dtype=np.int64)
        for b in np.flatnonzero(np.bincount(bucket)).tolist():
            found = position(self.days[b - 1])
            at[b] = -1 if found is None else found
        period = at[bucket]
        counted = period >= 0  # in one of the periods
        cell = self.table.touchpoint[rows][counted] * periods + period[counted]
        shape = (len(self.touchpoint_ids), periods)
        mentions, items = (np.bincount(cell, weights=w[rows][counted], minlength=shape[0] * periods)
                           .astype(np.int64).reshape(shape) for w in (self.table.n, self.table.first))  # fmt: skip
        touched = np.flatnonzero(mentions.sum(axis=1)).tolist()
        return ({self.touchpoint_ids[t]: mentions[t].tolist() for t in touched},
                {self.touchpoint_ids[t]: items[t].tolist() for t in touched})  # fmt: skip

    @staticmethod
    def _nonzero(codes: np.ndarray, rows: np.ndarray, ids: list, weights: np.ndarray | None = None) -> dict:
        counted = np.bincount(codes[rows], weights=None if weights is None else weights[rows], minlength=len(ids))
        return {ids[c]: int(counted[c]) for c in np.flatnonzero(counted).tolist()}
