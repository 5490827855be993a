"""A run's items, items read, items with a complaint and complaint mentions per day, source, kind and value of one
kept column, held in memory beside its item table (miner/store/item_table.py): the breakdown by a column
(miner/store/breakdown.py). Counted in SQL per request it took 3-10 s on the 1M-segment workspace of
`make bench-api` with five markets (its three GROUP BYs read every item's meta and the run's complaints). Now the
items come from the run's `ColumnReads` of the column and those of the kept values (miner/store/read_table.py,
shared with `where=` on them), the complaints from the run index's rows (miner/store/index_rows.py): built once per
run, column and kept values, a request inside any dates, sources and kinds sums a few arrays."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from miner.store.filters import Filters
from miner.store.index import run_index
from miner.store.index_rows import Rows
from miner.store.item_table import UNDATED, ItemTable, RunCache
from miner.store.read_table import ColumnReads, build_column_reads, column_reads
from miner.touchpoints.taxonomy import NONE


@dataclass
class Tally:
    """What one value (or several summed) counts."""

    values: int = 0
    items: int = 0
    read: int = 0
    complained: int = 0
    read_complained: int = 0
    touchpoints: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.values += other.values
        self.items, self.read = self.items + other.items, self.read + other.read
        self.complained += other.complained
        self.read_complained += other.read_complained
        self.touchpoints.update(other.touchpoints)


@dataclass(frozen=True)
class Grouped:
    """Rows of day, source and kind (an item table's), with the column's value code and one more count per row."""

    rows: ItemTable  # its `n`: items, items with a complaint, or complaint mentions
    value: np.ndarray
    other: np.ndarray  # items read; read items with a complaint; the mention's touchpoint code

    def summed(
        self, filters: Filters, codes: int, weights: np.ndarray | None = None, by: np.ndarray | None = None
    ) -> np.ndarray:
        """Per code (the value's, or `by`'s), the rows' `n` (or `weights`) inside the filters."""
        inside = self.rows.rows(filters)
        keys = (self.value if by is None else by)[inside]
        chosen = (self.rows.n if weights is None else weights)[inside]
        return np.bincount(keys, weights=chosen, minlength=codes).astype(np.int64)


@dataclass(frozen=True)
class ColumnTable:
    values: list[str | None]  # the value of each code (None: the items without the column)
    touchpoints: list[str]  # the touchpoint id of each code
    items: Grouped  # items, and of them read
    complained: Grouped  # items with a complaint, and of them read
    mentions: Grouped  # complaint mentions (the unmapped aside), and their touchpoint

    def tallies(self, filters: Filters) -> dict[str | None, Tally]:
        """Each value's tally inside the filters (its kept values those the table was built for)."""
        n, tps = len(self.values), max(1, len(self.touchpoints))
        items, read = self.items.summed(filters, n), self.items.summed(filters, n, self.items.other)
        complained = self.complained.summed(filters, n)
        read_complained = self.complained.summed(filters, n, self.complained.other)
        codes = self.mentions.value * tps + self.mentions.other  # value and touchpoint
        grid = self.mentions.summed(filters, n * tps, by=codes).reshape(n, tps)
        out = {}
        for code in np.flatnonzero(items + complained + grid.sum(axis=1)).tolist():
            value = self.values[code]
            mentioned = Counter({self.touchpoints[t]: int(grid[code, t]) for t in np.flatnonzero(grid[code]).tolist()})
            out[value] = Tally(int(value is not None), int(items[code]), int(read[code]), int(complained[code]),
                               int(read_complained[code]), mentioned)  # fmt: skip
        return out


def column_table(db: sqlite_utils.Database, run: dict, column: str, kept: tuple = ()) -> ColumnTable:
    """The run's table of `column` (of the items with the `kept` values, `Filters.kept`, when given), from memory or
    made now (not kept for a database not on a file): its items from the run's `ColumnReads` of the column and the
    kept ones (shared with where= on them), its complaints from the run index's rows."""

    def build() -> ColumnTable:
        values: dict[str | None, int] = {}  # codes, as the tables are made
        touchpoints: dict[str, int] = {}
        columns = tuple(sorted({column, *(name for name, _ in kept)}))
        reads = column_reads(db, run, columns, kept) or build_column_reads(db, run, columns)
        rows = run_index(db, run).rows
        assert rows is not None  # the run's own index keeps its rows
        items = _from_reads(reads, column, kept, values)
        complained = _complained(db, rows, column, kept, values)
        mentions = _mentions(db, rows, column, kept, values, touchpoints)
        return ColumnTable(list(values), list(touchpoints), items, complained, mentions)

    return _tables.get(db, run, build, (column, kept)) or build()


def _grouped(rows: Rows, at: np.ndarray, named: np.ndarray, kept: tuple,
             other: np.ndarray | None = None) -> tuple[ItemTable, np.ndarray, np.ndarray]:  # fmt: skip
    """The rows `at` of the run index's `rows` counted per day, source, kind, value code (`named`, one per row of
    `at`) and `other` code where given (the touchpoint): the table, the first of `at` in each of its rows, and the
    row of the table of each of `at`."""
    parts = [rows.bucket[at], rows.source[at], rows.kind[at], named, *([] if other is None else [other])]
    sizes = [len(rows.days) + 1, max(1, len(rows.sources)), max(1, len(rows.kinds)), int(named.max(initial=0)) + 1,
             *([] if other is None else [max(1, len(rows.touchpoints))])]  # fmt: skip
    key = np.zeros(len(at), dtype=np.int64)
    for part, size in zip(parts, sizes, strict=True):
        key = key * size + part
    _, first, inverse, n = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    days = np.array([UNDATED, *rows.days], dtype=object)  # bucket 0: no date
    sources, kinds = (np.array(list(table), dtype=object) for table in (rows.sources, rows.kinds))
    table = ItemTable(days[parts[0][first]], sources[parts[1][first]], kinds[parts[2][first]], n.astype(np.int64),
                      kept)  # fmt: skip
    return table, first, inverse


def _value_codes(table: dict[str | None, int], values: dict) -> np.ndarray:
    """A column's value codes (the run index rows' `table`) as codes of the table's `values` (grown as read)."""
    return np.array([values.setdefault(v, len(values)) for v in table], dtype=np.int64)


def _complained(db: sqlite_utils.Database, rows: Rows, column: str, kept: tuple, values: dict) -> Grouped:
    """The items with a complaint (of the `kept` values) per day, source, kind and value, and of them those read,
    from the run index's rows: an item has a complaint where one of its segments has an assignment, the pipeline
    writing one for every complaint (`none` included) and none for a segment that is not (`classify`). The SQL over
    every complaint's segment and item took 1.2-1.8 s on the 1M-segment workspace of `make bench-api`."""
    codes, table = rows.column(db, column)
    _, at = np.unique(rows.document, return_index=True)  # an item's first row: its day, source and kind
    at = at[rows.having(db, kept)[rows.document[at]]]
    document = rows.document[at]
    named = _value_codes(table, values)[codes[document]]
    grouped, first, inverse = _grouped(rows, at, named, kept)
    read = np.bincount(inverse, weights=rows.read(db)[document], minlength=len(first)).astype(np.int64)
    return Grouped(grouped, named[first], read)


def _mentions(db: sqlite_utils.Database, rows: Rows, column: str, kept: tuple, values: dict,
              touchpoints: dict) -> Grouped:  # fmt: skip
    """The complaint mentions (the unmapped aside) per day, source, kind, value and touchpoint, from the run index's
    rows (of the items with the `kept` values), values and touchpoints coded in `values` and `touchpoints`."""
    codes, table = rows.column(db, column)
    unmapped = rows.touchpoints.get(NONE, -1)
    at = np.flatnonzero((rows.touchpoint != unmapped) & rows.having(db, kept)[rows.document])
    named = _value_codes(table, values)[codes[rows.document[at]]]
    grouped, first, _ = _grouped(rows, at, named, kept, rows.touchpoint[at])
    tp_codes = np.array([touchpoints.setdefault(t, len(touchpoints)) for t in rows.touchpoints], dtype=np.int64)
    return Grouped(grouped, named[first], tp_codes[rows.touchpoint[at][first]])


def _from_reads(reads: ColumnReads, column: str, kept: tuple, values: dict) -> Grouped:
    """The items (of the `kept` values) per day, source, kind and value, and of them read, from the run's
    `ColumnReads` of the column and the kept ones (its rows split by read and language too: summed alike), values
    coded in `values`."""
    at = reads.columns.index(column)
    codes = np.array([values.setdefault(v, len(values)) for v in reads.values[at]], dtype=np.int64)
    rows = reads.having(kept)
    table = reads.of(kept)
    return Grouped(table.items, codes[reads.value[rows, at]], table.items.n * table.read)


_tables: RunCache[ColumnTable] = RunCache()
