"""The items a run analysed, counted per day, source and kind and held in memory: the denominators of
`GET /v1/pain-points` (`miner.store.reads.items_inside`, twice a request with a period) and the last day its trend
periods end on (`miner.store.filters.last_day`). Counted in SQL they took 30-50 ms each on 1M segments (a request
with a period and a source spent 120 ms there, where its counts took under a millisecond from the run's index).

A run's items are those of the imports up to its last one (`miner.store.filters.run_items`), so they change only
with an erasure, which stamps the run (`erased_at`); a run written without a last import counts every document,
so its table is keyed by the newest import too. Kept like the run's index (miner/store/index.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

import numpy as np
import sqlite_utils

from miner.store.filters import Filters, run_items

CACHED = 8
# A NULL date: before every day, as `d.date >= since` excludes it, and apart from an empty date, which
# `substr(d.date, 1, 10) <= until` counts
UNDATED = "\x01"  # not NUL: numpy drops trailing NULs when it compares strings
T = TypeVar("T")


@dataclass(frozen=True)
class ItemTable:
    days: np.ndarray  # each row's day (the date's first 10 characters; UNDATED for none), as the SQL reads it
    source: np.ndarray  # each row's source and kind, as strings
    kind: np.ndarray
    n: np.ndarray  # the run's items of that day, source and kind

    def count(self, filters: Filters) -> int:
        """Items inside the filters, as `SELECT COUNT(*) FROM documents d WHERE ...` counts them."""
        return int(self.n[self.rows(filters)].sum())

    def edge_day(self, within: Filters | None, last: bool = True) -> date | None:
        """The latest (or, not `last`, the earliest) valid day of the items of `within`'s sources and kinds (its
        dates aside)."""
        rows = self.rows(Filters(source=within.source, kind=within.kind) if within else Filters())
        for day in sorted({str(d) for d in self.days[rows] if d != UNDATED}, reverse=last):
            try:
                return date.fromisoformat(day)
            except ValueError:
                continue
        return None

    def rows(self, filters: Filters) -> np.ndarray:
        """The rows inside the filters, as their SQL conditions select items."""
        mask = np.ones(len(self.n), dtype=bool)
        if filters.since:  # `d.date >= since` is false for an undated item, as for any day before
            mask &= self.days >= filters.since.isoformat()
        if filters.until:
            mask &= (self.days <= filters.until.isoformat()) & (self.days != UNDATED)
        if filters.source:
            mask &= np.isin(self.source, list(filters.source))
        if filters.kind:
            mask &= np.isin(self.kind, list(filters.kind))
        return mask


class RunCache(Generic[T]):
    """A few runs' tables in memory, newest used kept: a run's items change only with an erasure, which stamps the
    run, and a run written without a last import counts every document, so its key holds the newest import too."""

    def __init__(self, size: int = CACHED) -> None:
        self.size = size
        self._tables: OrderedDict[tuple, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, db: sqlite_utils.Database, run: dict, build: Callable[[], T]) -> T | None:
        """The run's table, from memory or `build()`; None for a database not on a file."""
        from miner.store.index import file_key

        found = file_key(db, run)
        if found is None:
            return None
        newest = db.execute("SELECT max(id) FROM imports").fetchone()[0] if run.get("last_import") is None else None
        return self.keep((*found, newest), build)

    def keep(self, key: tuple, build: Callable[[], T]) -> T:
        """The table under `key`, from memory or `build()`, kept as the newest used."""
        with self._lock:
            if (table := self._tables.get(key)) is not None:
                self._tables.move_to_end(key)
                return table
        table = build()
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > self.size:
                self._tables.popitem(last=False)
        return table


_tables: RunCache[ItemTable] = RunCache()


def item_table(db: sqlite_utils.Database, run: dict) -> ItemTable | None:
    """The run's table, from memory or read (one GROUP BY over its items); None for a database not on a file."""

    def build() -> ItemTable:
        rsql, params = run_items(run)
        rows = db.execute(
            f"SELECT coalesce(substr(d.date, 1, 10), ?), d.source, d.kind, COUNT(*) FROM documents d WHERE 1 = 1{rsql}"
            " GROUP BY 1, 2, 3",
            [UNDATED, *params],
        ).fetchall()
        days, sources, kinds, counts = zip(*rows, strict=True) if rows else ((), (), (), ())
        return ItemTable(np.array(days, dtype=object), np.array(sources, dtype=object),
                         np.array(kinds, dtype=object), np.array(counts, dtype=np.int64))  # fmt: skip

    return _tables.get(db, run, build)
