"""A run's items, items read, items with a complaint and complaint mentions per day, source, kind and value of one
kept column, held in memory beside its item table (miner/store/item_table.py): the breakdown by a column
(miner/store/breakdown.py). Counted in SQL per request it took 3-10 s on the 1M-segment workspace of
`make bench-api` with five markets (its three GROUP BYs read every item's meta and the run's complaints); built
once per run, column and kept values, a request inside any dates, sources and kinds sums a few arrays."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from miner.store.filters import KEPT_VALUE, Filters, kept_path, run_items
from miner.store.index import run_index
from miner.store.index_rows import Rows
from miner.store.item_table import UNDATED, ItemTable, RunCache
from miner.store.read_table import READ_SQL, ColumnReads, column_reads
from miner.store.reads import JOIN
from miner.touchpoints.taxonomy import NONE

# A row's day (as the item table reads it), source, kind and the column's value: what each table is grouped by
GROUPED_BY = f"coalesce(substr(d.date, 1, 10), ?), d.source, d.kind, {KEPT_VALUE.format(alias='d')}"


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
    read (three GROUP BYs); read each time for a database not on a file."""

    def build() -> ColumnTable:
        fsql, fparams = Filters(kept=kept).sql()
        rsql, rparams = run_items(run)
        path = kept_path(column)
        values: dict[str | None, int] = {}  # codes, as the tables are read
        touchpoints: dict[str, int] = {}
        if not kept and (reads := column_reads(db, run, column)) is not None:  # shared with where= on the column
            items = _from_reads(reads, values)
        else:
            sql = f"SELECT {GROUPED_BY}, COUNT(*), SUM({READ_SQL}) FROM documents d WHERE 1 = 1{fsql}{rsql}"
            sql += " GROUP BY 1, 2, 3, 4"
            items = _grouped(db, sql, [UNDATED, path, *fparams, *rparams], kept, values)
        complained = _grouped(
            db,
            f"""SELECT {GROUPED_BY}, COUNT(DISTINCT d.id), COUNT(DISTINCT CASE WHEN {READ_SQL} THEN d.id END)
                FROM segment_results r JOIN segments s ON s.id = r.segment_id JOIN documents d ON d.id = s.document_id
                WHERE r.run_id = ? AND r.complaint = 1{fsql} GROUP BY 1, 2, 3, 4""",
            [UNDATED, path, run["id"], *fparams], kept, values,
        )  # fmt: skip
        rows = run_index(db, run).rows
        if rows is not None:  # the run's complaints in memory (the same GROUP BY took 1.5 s on 1M segments)
            mentions = _mentions(db, rows, column, kept, values, touchpoints)
        else:
            mentions = _grouped(
                db,
                f"""SELECT {GROUPED_BY}, COUNT(*), a.touchpoint {JOIN} WHERE a.run_id = ? AND a.touchpoint != ?{fsql}
                    GROUP BY 1, 2, 3, 4, 6""",
                [UNDATED, path, run["id"], NONE, *fparams], kept, values, touchpoints,
            )  # fmt: skip
        return ColumnTable(list(values), list(touchpoints), items, complained, mentions)

    return _tables.get(db, run, build, (column, kept)) or build()


def _grouped(db: sqlite_utils.Database, sql: str, params: list, kept: tuple, values: dict,
             touchpoints: dict | None = None) -> Grouped:  # fmt: skip
    """The rows of one GROUP BY (day, source, kind, value, n, other), values coded in `values` (grown as read);
    with `touchpoints`, the last column is a touchpoint, coded there too, else a count."""
    rows = db.execute(sql, params).fetchall()
    days, sources, kinds, found, counts, other = zip(*rows, strict=True) if rows else ((),) * 6
    codes = [values.setdefault(v, len(values)) for v in found]
    others = [touchpoints.setdefault(o, len(touchpoints)) for o in other] if touchpoints is not None else other
    table = ItemTable(np.array(days, dtype=object), np.array(sources, dtype=object), np.array(kinds, dtype=object),
                      np.array(counts, dtype=np.int64), kept)  # fmt: skip
    return Grouped(table, np.array(codes, dtype=np.int64), np.array([o or 0 for o in others], dtype=np.int64))


def _mentions(db: sqlite_utils.Database, rows: Rows, column: str, kept: tuple, values: dict,
              touchpoints: dict) -> Grouped:  # fmt: skip
    """The complaint mentions (the unmapped aside) per day, source, kind, value and touchpoint, from the run index's
    rows (of the items with the `kept` values), values and touchpoints coded in `values` and `touchpoints`."""
    value, named = rows.column(db, column)
    unmapped = rows.touchpoints.get(NONE, -1)
    inside = (rows.touchpoint != unmapped) & rows.having(db, kept)[rows.document]
    sizes = (len(rows.days) + 1, max(1, len(rows.sources)), max(1, len(rows.kinds)), max(1, len(named)),
             max(1, len(rows.touchpoints)))  # fmt: skip
    parts = (rows.bucket[inside], rows.source[inside], rows.kind[inside], value[rows.document[inside]],
             rows.touchpoint[inside])  # fmt: skip
    key = np.zeros(len(parts[0]), dtype=np.int64)
    for part, size in zip(parts, sizes, strict=True):
        key = key * size + part
    _, first, n = np.unique(key, return_index=True, return_counts=True)
    bucket, source, kind, found, touchpoint = (part[first] for part in parts)
    days = np.array([UNDATED, *rows.days], dtype=object)  # bucket 0: no date
    value_codes = np.array([values.setdefault(v, len(values)) for v in named], dtype=np.int64)
    tp_codes = np.array([touchpoints.setdefault(t, len(touchpoints)) for t in rows.touchpoints], dtype=np.int64)
    sources, kinds = (np.array(list(table), dtype=object) for table in (rows.sources, rows.kinds))
    table = ItemTable(days[bucket], sources[source], kinds[kind], n.astype(np.int64), kept)
    return Grouped(table, value_codes[found], tp_codes[touchpoint])


def _from_reads(reads: ColumnReads, values: dict) -> Grouped:
    """The items per day, source, kind and value, and of them read, from the run's `ColumnReads` of the column (its
    rows split by read and language too: summed alike), values coded in `values`."""
    codes = np.array([values.setdefault(v, len(values)) for v in reads.values], dtype=np.int64)
    items = reads.table.items
    return Grouped(items, codes[reads.value], items.n * reads.table.read)


_tables: RunCache[ColumnTable] = RunCache()
