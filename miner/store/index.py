"""A complete run's complaints held in memory, so `GET /v1/pain-points` counts inside any filter in microseconds.

A complete run never changes (its assignments and pain points are written in the transaction that completes it;
documents and segments are only ever added; an erasure stamps the run's `erased_at`), so the index is built once
per run and server process (by the job that made the run, else by the first request that reads it: 2-3 s per
million segments) and kept while it is among the last `CACHED_RUNS` read. It answers exactly what the SQL over
`assignments JOIN segments JOIN documents` answers (`miner.store.reads.count_by` / `total_complaints`):

- counts: the rows are grouped into cells (source, kind, pain point, touchpoint, day) sorted by that key, with
  running totals, so the complaints of every key inside a window of days are two binary searches apart (the
  touchpoint is in the key for the complaints without a pain point, which a touchpoint's count includes);
- a date window compares each date's first 10 characters (`substr(date, 1, 10)`) with 10-character days, the
  rule of `miner.store.filters` (`since <= day <= until`), whatever follows (a time, an offset) and whatever the
  string; NULL dates are outside every window with a bound;
- quotes: each pain point's rows sorted by score (best first, then segment id), as `ORDER BY a.score DESC, s.id`;
- items and sub-touchpoints per touchpoint, and per day: a row per (touchpoint, item, sub-touchpoint)
  (miner/store/touchpoint_items.py).

A filter on kept columns (`Market=DE`, `Filters.kept`) reads an index of its own (`CACHED_SUBSETS` of them kept
apart from the runs' own): the cells have no room for a column each file names as it likes. It is made the same way
from the run's own index's rows of the matching items (miner/store/index_rows.py), not read again.

tests/test_api_perf_contract.py checks every answer against the direct SQL on a small real database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import sqlite_utils

from miner.store.filters import Filters
from miner.store.index_rows import Rows, read_rows, tables
from miner.store.item_table import trim
from miner.store.reads import pain_point_rows
from miner.store.run_key import file_key
from miner.store.touchpoint_items import Inside, TouchpointItems

CACHED_RUNS = 8  # runs kept per server process: about 115 bytes per assignment, rows included (55 MB: 1M segments)
CACHED_SUBSETS = 16  # indexes of a run's items with some kept values (a market each), kept beside the runs'
DENSE_CELLS = 2_000_000  # keys x days up to which counts use a dense table (4 bytes a cell)
_UNSEEN = object()
_cache: OrderedDict[tuple, RunIndex] = OrderedDict()
_building: dict[tuple, threading.Lock] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Window:
    """The keys and day buckets a Filters selects: keys (indexes into the key arrays), [lo, hi) bucket codes."""

    keys: np.ndarray
    lo: int
    hi: int


@dataclass(frozen=True)
class RunIndex:
    run_id: int
    points: list[dict]  # the run's pain_points rows (no centroid), by code
    # Pain point id by code: the rows' ids, then None (no pain point), then ids that pain_points lacks.
    point_ids: list[str | None]
    point_code: dict[str, int]
    days: np.ndarray  # distinct first-10-character dates (str objects), sorted; bucket b = position + 1 (0: none)
    source_code: dict[str, int]
    kind_code: dict[str, int]
    key_source: np.ndarray  # per key (source, kind, pain point, touchpoint)
    key_kind: np.ndarray
    key_point: np.ndarray
    key_touchpoint: np.ndarray
    touchpoint_ids: list[str]  # touchpoint id by code
    cell: np.ndarray  # key * (len(days) + 1) + bucket, sorted, distinct
    cum: np.ndarray  # cum[i]: rows in the cells before cell i (len(cell) + 1 entries)
    # When keys x buckets is small enough (DENSE_CELLS): below[k, b], the rows of key k in buckets before b, so a
    # window is two lookups per key instead of two binary searches.
    below: np.ndarray | None
    point_below: np.ndarray | None  # the same summed over sources and kinds, per pain point code
    # Rows with a pain point, sorted by (pain point code, score descending, segment id).
    row_segment: np.ndarray
    row_bucket: np.ndarray
    row_source: np.ndarray
    row_kind: np.ndarray
    row_document: np.ndarray  # the document's code (distinct per document id)
    row_first: np.ndarray  # the first row of its (pain point, document): the rows of one share its day, source, kind
    point_start: np.ndarray  # rows of pain point code c: point_start[c]:point_start[c + 1]
    rep_rows: dict[tuple[int, int], int]  # (pain point code, representative segment id) -> its row
    by_touchpoint: TouchpointItems  # the complaints per touchpoint, item and sub-touchpoint
    kept: tuple = ()  # the kept values (`Filters.kept`) of the items whose complaints it holds; () for all
    rows: Rows | None = field(default=None, compare=False, repr=False)  # the run's own index's: its subsets' source
    # Quote rows (a segment's text and its document's fields) read so far: segments and documents never change.
    quote_rows: dict[int, dict] = field(default_factory=dict, compare=False, repr=False)
    windows: dict[tuple, Window | None] = field(default_factory=dict, compare=False, repr=False)

    def window(self, filters: Filters) -> Window | None:
        """What the filters select, or None when they select nothing (an unknown source, an empty window)."""
        if filters.kept != self.kept:  # the index holds the items of its kept values only: read it with those
            raise ValueError(f"the index of kept values {self.kept} read with {filters.kept}: use run_index's kept")
        key = (filters.since, filters.until, filters.source, filters.kind)
        found = self.windows.get(key, _UNSEEN)  # one read: other threads may clear the dict at any time
        if found is _UNSEEN:
            found = self._window(filters)
            if len(self.windows) > 512:  # a few MB at most
                self.windows.clear()
            self.windows[key] = found
        return cast(Window | None, found)

    def _window(self, filters: Filters) -> Window | None:
        keys = np.arange(len(self.key_point), dtype=np.int32)
        for wanted, table, per_key in ((filters.source, self.source_code, self.key_source),
                                       (filters.kind, self.kind_code, self.key_kind)):  # fmt: skip
            if wanted:
                keys = keys[np.isin(per_key[keys], _known(wanted, table))]
        lo, hi = 0, len(self.days) + 1
        if filters.since or filters.until:
            lo = 1  # no date is outside every window
        if filters.since:
            lo = max(lo, int(np.searchsorted(self.days, filters.since.isoformat(), "left")) + 1)
        if filters.until:
            hi = int(np.searchsorted(self.days, filters.until.isoformat(), "right")) + 1
        return Window(keys, lo, hi) if lo < hi and len(keys) else None

    def counts(self, filters: Filters) -> tuple[dict[str, int], int]:
        """{pain point id: complaints} inside the filters (only ids with some), and the total, which also counts
        the complaints without a pain point."""
        win = self.window(filters)
        if win is None:
            return {}, 0
        if self.point_below is not None and not filters.source and not filters.kind:
            # No source or kind: per pain point directly (a few hundred numbers, no per-key work).
            by_point = (self.point_below[:, win.hi] - self.point_below[:, win.lo]).astype(np.int64)
            total = int(by_point.sum())
            by_point[len(self.points)] = 0  # no pain point: in the total only
            nonzero = np.flatnonzero(by_point)
            ids = [cast(str, self.point_ids[c]) for c in nonzero.tolist()]  # the no-pain-point column is zeroed
            return dict(zip(ids, by_point[nonzero].tolist(), strict=True)), total
        per_key = self._per_key(win)
        by_point = np.bincount(self.key_point[win.keys], weights=per_key, minlength=len(self.point_ids))
        by_point[len(self.points)] = 0  # no pain point: in the total only
        nonzero = np.flatnonzero(by_point)
        ids = [cast(str, self.point_ids[c]) for c in nonzero.tolist()]  # the no-pain-point column is zeroed
        counts = dict(zip(ids, by_point[nonzero].astype(np.int64).tolist(), strict=True))
        return counts, int(per_key.sum())

    def touchpoint_counts(self, filters: Filters) -> dict[str, int]:
        """{touchpoint id: complaints} inside the filters (ids with some): `count_by(..., "a.touchpoint", ...)`."""
        win = self.window(filters)
        if win is None:
            return {}
        by_tp = np.bincount(self.key_touchpoint[win.keys], weights=self._per_key(win),
                            minlength=len(self.touchpoint_ids)).astype(np.int64)  # fmt: skip
        return {self.touchpoint_ids[c]: int(by_tp[c]) for c in np.flatnonzero(by_tp).tolist()}

    def touchpoint_items(self, filters: Filters) -> Inside:
        """The rows of `by_touchpoint` inside the filters: items and sub-touchpoints per touchpoint, and per day."""
        table = self.by_touchpoint
        win = self.window(filters)
        rows = np.zeros(len(table.n), dtype=bool)
        if win is not None:
            rows = (table.bucket >= win.lo) & (table.bucket < win.hi)
            for wanted, codes, per_row in ((filters.source, self.source_code, table.source),
                                           (filters.kind, self.kind_code, table.kind)):  # fmt: skip
                if wanted:
                    rows &= np.isin(per_row, _known(wanted, codes))
        return Inside(table, rows, self.touchpoint_ids, self.days)

    def _per_key(self, win: Window) -> np.ndarray:
        """The complaints of each of the window's keys inside its days."""
        if self.below is not None:
            return self.below[win.keys, win.hi] - self.below[win.keys, win.lo]
        base = win.keys.astype(np.int64) * (len(self.days) + 1)
        return self._before(base + win.hi) - self._before(base + win.lo)

    def _before(self, codes: np.ndarray) -> np.ndarray:
        return self.cum[np.searchsorted(self.cell, codes, "left")]

    def _inside(self, start: int, end: int, filters: Filters, win: Window) -> np.ndarray:
        bucket = self.row_bucket[start:end]
        mask = (bucket >= win.lo) & (bucket < win.hi)
        if filters.source:
            mask &= np.isin(self.row_source[start:end], _known(filters.source, self.source_code))
        if filters.kind:
            mask &= np.isin(self.row_kind[start:end], _known(filters.kind, self.kind_code))
        return mask

    def all_documents(self, filters: Filters) -> dict[str, int]:
        """Distinct documents with a complaint in each pain point inside the filters (those with some): the trends'
        items per pain point, in one pass over the rows, each item counted at its first row. Counted in SQL, a join
        per request, they took 0.4 s a pain point (p95 of a period request 0.95 s on 1M segments); a set of items
        per pain point, 30-80 ms for the 285 of the 1M-segment workspace."""
        win = self.window(filters)
        if win is None:
            return {}
        first = np.flatnonzero(self._inside(0, len(self.row_bucket), filters, win) & self.row_first)
        below = np.searchsorted(first, self.point_start)  # counted rows before each pain point's (a cumsum: 4x slower)
        per_point = below[1:] - below[:-1]
        return {self.points[c]["id"]: int(per_point[c]) for c in np.flatnonzero(per_point).tolist()}

    def top_segments(self, point_id: str, filters: Filters, n: int) -> list[int]:
        """The pain point's best `n` segments inside the filters (score descending, then segment id)."""
        code = self.point_code.get(point_id)
        win = self.window(filters)
        if code is None or win is None:
            return []
        start, end = int(self.point_start[code]), int(self.point_start[code + 1])
        out: list[int] = []
        step = 256  # in growing chunks: the best rows usually suffice, and numpy keeps the GIL below 500 elements
        while start < end and len(out) < n:
            stop = min(end, start + step)
            hits = np.flatnonzero(self._inside(start, stop, filters, win))[: n - len(out)]
            out += self.row_segment[start:stop][hits].tolist()
            start, step = stop, min(step * 2, 8192)
        return out

    def segments_inside(self, point_id: str, segment_ids: list[int], filters: Filters) -> tuple[set[int], list[int]]:
        """Which of the pain point's segments lie inside the filters; the second list holds those that are not
        among its complaints in this run (a caller checks them against the documents)."""
        code = self.point_code.get(point_id)
        if code is None:
            return set(), list(segment_ids)
        start, end = int(self.point_start[code]), int(self.point_start[code + 1])
        win = self.window(filters)
        source = set(_known(filters.source, self.source_code).tolist()) if filters.source else None
        kind = set(_known(filters.kind, self.kind_code).tolist()) if filters.kind else None
        inside, unknown = set(), []
        for sid in segment_ids:
            row = self.rep_rows.get((code, sid))
            if row is None:  # not a stored representative: look through the pain point's rows
                at = np.flatnonzero(self.row_segment[start:end] == sid)
                row = start + int(at[0]) if len(at) else None
            if row is None:
                unknown.append(sid)
            elif (
                win is not None
                and win.lo <= self.row_bucket[row] < win.hi
                and (source is None or int(self.row_source[row]) in source)
                and (kind is None or int(self.row_kind[row]) in kind)
            ):
                inside.add(sid)
        return inside, unknown


def _known(names: tuple[str, ...], table: dict[str, int]) -> np.ndarray:
    """The codes of the names the run has (an unknown name selects nothing)."""
    return np.array([table[n] for n in names if n in table], dtype=np.int32)


def build(db: sqlite_utils.Database, run_id: int, kept: tuple = (), whole: RunIndex | None = None) -> RunIndex:
    """Read the run's complaints (one pass over the join) into the index; those of the items with the `kept` values
    only, when given, cut from the rows of `whole` (the run's own index) where given."""
    if kept and whole is not None and whole.rows is not None:
        rows = whole.rows.where(whole.rows.having(db, kept)[whole.rows.document])
        return RunIndex(run_id, **tables(rows, whole.points, DENSE_CELLS), kept=kept)
    point_rows = pain_point_rows(db, run_id)
    rows = read_rows(db, run_id, point_rows, kept)
    return RunIndex(run_id, **tables(rows, point_rows, DENSE_CELLS), kept=kept, rows=None if kept else rows)


def run_index(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> RunIndex:
    """The run's index (of the items with the `kept` values, `Filters.kept`, when given): from memory, else built
    (once, however many requests ask for it at the same time)."""
    found_file = file_key(db, run)
    if found_file is None:
        return build(db, run["id"], kept)
    key = (*found_file, kept)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
        building = _building.setdefault(key, threading.Lock())
    with building:
        with _lock:
            found = _cache.get(key)
        if found is None:
            found = build(db, run["id"], kept, run_index(db, run) if kept else None)
            with _lock:
                _cache[key] = found
                for old in trim(_cache, CACHED_RUNS, CACHED_SUBSETS):
                    _building.pop(old, None)
        return found


def clear() -> None:
    with _lock:
        _cache.clear()
        _building.clear()
