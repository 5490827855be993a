"""The items a run analysed, counted per day, source and kind and held in memory: the denominators of
`GET /v1/pain-points` (`miner.store.reads.items_inside`, twice a request with a period), the last day its trend
periods end on (`miner.store.filters.last_day`) and `GET /v1/trends`' items per day (`daily_items`). Counted in SQL
they took 30-50 ms each on 1M segments (a request with a period and a source spent 120 ms there, where its counts
took under a millisecond from the run's index).

A run's items are those of the imports up to its last one (`miner.store.filters.run_items`), so they change only
with an erasure, which stamps the run (`erased_at`); a run written without a last import counts every document,
so its table is keyed by the newest import too. Kept like the run's index (miner/store/index.py), and as it, a
filter on kept columns (`Market=DE`) reads a table of the matching items of its own."""

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
from miner.store.run_key import file_key

CACHED = 8
CACHED_SUBSETS = 16  # tables of some kept values' items (a market each), kept beside the runs' own
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
    kept: tuple = ()  # the kept values (`Filters.kept`) of the items it counts; () for all

    def count(self, filters: Filters) -> int:
        """Items inside the filters, as `SELECT COUNT(*) FROM documents d WHERE ...` counts them."""
        return int(self.n[self.rows(filters)].sum())

    def by_day(self, filters: Filters) -> dict[str, int]:
        """The dated items inside the filters per day, as `miner.store.reads.daily_items` counts them."""
        rows = self.rows(filters) & (self.days != UNDATED)
        return summed(self.days[rows], self.n[rows])

    def edge_day(self, within: Filters | None, last: bool = True) -> date | None:
        """The latest (or, not `last`, the earliest) valid day of the items of `within`'s sources and kinds (its
        dates aside)."""
        rows = self.rows(within.dates_aside() if within else Filters())
        for day in sorted({str(d) for d in self.days[rows] if d != UNDATED}, reverse=last):
            try:
                return date.fromisoformat(day)
            except ValueError:
                continue
        return None

    def rows(self, filters: Filters) -> np.ndarray:
        """The rows inside the filters, as their SQL conditions select items."""
        if filters.kept != self.kept:  # as the run's index: the table counts the items of its kept values only
            raise ValueError(f"the item table of kept values {self.kept} read with {filters.kept}")
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


def summed(keys: np.ndarray, counts: np.ndarray) -> dict[str, int]:
    """The counts summed per key (a day has a row per source, kind and language: 4,000 rows on 1M segments)."""
    if not len(keys):
        return {}
    distinct, at = np.unique(keys.astype(str), return_inverse=True)
    return dict(zip(distinct.tolist(), np.bincount(at, weights=counts).astype(np.int64).tolist(), strict=True))


class RunCache(Generic[T]):
    """A few runs' tables in memory, newest used kept: a run's items change only with an erasure, which stamps the
    run, and a run written without a last import counts every document, so its key holds the newest import too."""

    def __init__(self, size: int = CACHED, subsets: int = CACHED_SUBSETS) -> None:
        self.size, self.subsets = size, subsets
        self._tables: OrderedDict[tuple, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, db: sqlite_utils.Database, run: dict, build: Callable[[], T], part: tuple = ()) -> T | None:
        """The run's table (of `part` when given: the kept values of its items, `Filters.kept`, and the like), from
        memory or `build()`; None for a database not on a file."""
        found = file_key(db, run)
        if found is None:
            return None
        newest = db.execute("SELECT max(id) FROM imports").fetchone()[0] if run.get("last_import") is None else None
        return self.keep((*found, newest, part), build)

    def keep(self, key: tuple, build: Callable[[], T]) -> T:
        """The table under `key` (whose last element is its part, () for a whole run's: `trim`), from memory or
        `build()`, kept as the newest used."""
        with self._lock:
            if (table := self._tables.get(key)) is not None:
                self._tables.move_to_end(key)
                return table
        table = build()
        with self._lock:
            self._tables[key] = table
            trim(self._tables, self.size, self.subsets)
        return table


def trim(cache: OrderedDict, runs: int, subsets: int) -> list[tuple]:
    """Drop the least recently used entries of a cache keyed by run then part (the key's last: the kept values of its
    items, `Filters.kept`, and the like; () for a whole run's) over `runs` whole runs' and `subsets` parts', so a
    client stepping through markets does not push the runs' own out; the keys dropped."""
    dropped = []
    for subset, limit in ((False, runs), (True, subsets)):
        keys = [key for key in cache if bool(key[-1]) is subset]
        for old in keys[: max(0, len(keys) - limit)]:
            del cache[old]
            dropped.append(old)
    return dropped


_tables: RunCache[ItemTable] = RunCache()


def item_table(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> ItemTable | None:
    """The run's table (of the items with `kept` values, `Filters.kept`, when given), from memory or read
    (one GROUP BY over its items); None for a database not on a file."""

    def build() -> ItemTable:
        rsql, params = run_items(run)
        fsql, fparams = Filters(kept=kept).sql()
        rows = db.execute(
            "SELECT coalesce(substr(d.date, 1, 10), ?), d.source, d.kind, COUNT(*) FROM documents d"
            f" WHERE 1 = 1{fsql}{rsql} GROUP BY 1, 2, 3",
            [UNDATED, *fparams, *params],
        ).fetchall()
        days, sources, kinds, counts = zip(*rows, strict=True) if rows else ((), (), (), ())
        return ItemTable(np.array(days, dtype=object), np.array(sources, dtype=object),
                         np.array(kinds, dtype=object), np.array(counts, dtype=np.int64), kept)  # fmt: skip

    return _tables.get(db, run, build, kept)
