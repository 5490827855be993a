"""Which of a run's items were read, per day, source, kind and language, held in memory beside its item table
(miner/store/item_table.py): `GET /v1/pain-points`, `/v1/touchpoints`, `/v1/trends` (per period) and `/v1/stats`
give the items read and unread inside their filters (miner/store/unread.py), and counted in SQL per request that
took 400-700 ms on the 1M-segment workspace of `make bench-api`, where the answer took 16 ms. Apart from the item
table, whose query reads the date index alone: this one reads each item's meta and segments, once per run (about
0.8 s there). A filter on kept columns (`Market=DE`) reads a table of the matching items of its own, as the item
table's. `GET /v1/runs` gives each run's, from one such table per import of the workspace (`ImportReads`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlite_utils

from miner.store.filters import DOCUMENT_VALUE, Filters, kept_path, run_items
from miner.store.item_table import UNDATED, ItemTable, RunCache, item_table, summed
from miner.store.run_key import db_file

# Whether an item `d` was read: in English (no other language named in its meta, whose English title alone may have
# been read) and giving at least one segment. The base of every complaint rate over what the analysis could read.
ENGLISH_SQL = "json_extract(d.meta, '$.language') IS NULL"  # no other language named in its meta
READ_SQL = f"""{ENGLISH_SQL}
              AND EXISTS (SELECT 1 FROM segments s WHERE s.document_id = d.id)"""
LANGUAGE_SQL = "coalesce(json_extract(d.meta, '$.language'), '')"  # the other language its meta names ('' for none)
NO_IMPORT = -1  # an item with no import: counted by a run that recorded no last import, by none that did


@dataclass(frozen=True)
class ReadTable:
    items: ItemTable  # rows of day, source, kind and items, as the item table's
    read: np.ndarray  # whether the row's items were read (English, giving a segment)
    language: np.ndarray  # the other language their meta names ("" for none)

    def read_count(self, filters: Filters) -> int:
        """Items inside the filters that were read, as `miner.store.unread.read_items` counts them."""
        return int(self.items.n[self.items.rows(filters) & self.read].sum())

    def read_by_day(self, filters: Filters) -> dict[str, int]:
        """The dated items inside the filters that were read, per day: the read share of a trend's period."""
        rows = self.items.rows(filters) & self.read & (self.items.days != UNDATED)
        return summed(self.items.days[rows], self.items.n[rows])

    def languages(self, filters: Filters, dated: bool = False) -> dict[str, int]:
        """Items inside the filters in another language (`dated`: those with a date only), by its code, as
        `miner.store.unread.unread_texts` counts them."""
        rows = self.items.rows(filters) & (self.language != "")
        if dated:
            rows &= self.items.days != UNDATED
        return summed(self.language[rows], self.items.n[rows])


def read_table(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> ReadTable | None:
    """The run's table (of the items with `kept` values, `Filters.kept`, when given: cut from the `ColumnReads` of
    their columns), from memory or read (one GROUP BY over its items); None for a database not on a file."""
    if kept and (grouped := column_reads(db, run, tuple(column for column, _ in kept), kept)) is not None:
        return _tables.get(db, run, lambda: grouped.of(kept), kept)
    return _tables.get(db, run, lambda: build_read_table(db, run, kept), kept)


def counted_items(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> ItemTable | None:
    """The run's item table (miner/store/item_table.py), or the items of its read table for kept values: the same
    counts, with no read of its own."""
    if kept and (table := read_table(db, run, kept)) is not None:
        return table.items
    return item_table(db, run, kept)


def build_read_table(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> ReadTable:
    """The run's table (of the items with `kept` values when given), read now."""
    rsql, params = run_items(run)
    fsql, fparams = Filters(kept=kept).sql()
    rows = db.execute(
        f"""SELECT coalesce(substr(d.date, 1, 10), ?), d.source, d.kind, COUNT(*), {READ_SQL}, {LANGUAGE_SQL}
            FROM documents d WHERE 1 = 1{fsql}{rsql} GROUP BY 1, 2, 3, 5, 6""",
        [UNDATED, *fparams, *params],
    ).fetchall()
    days, sources, kinds, counts, read, languages = zip(*rows, strict=True) if rows else ((),) * 6
    items = ItemTable(np.array(days, dtype=object), np.array(sources, dtype=object),
                      np.array(kinds, dtype=object), np.array(counts, dtype=np.int64), kept)  # fmt: skip
    return ReadTable(items, np.array(read, dtype=bool), np.array(languages, dtype=object))


@dataclass(frozen=True)
class ColumnReads:
    """A run's read table split by the values of some kept columns (`Market`; `Market` and `channel`): each market's
    table (`Market=DE`) is cut from it, where a read of a market's items (each item's meta parsed) took 0.3-0.5 s a
    market and another 0.2-0.3 s for its item table on the 1M-segment workspace of `make bench-api`; the breakdown
    by a column (miner/store/column_table.py) sums its rows too, inside the kept values of the others read with it."""

    table: ReadTable  # its rows (of every value: its kept values ())
    columns: tuple[str, ...]  # sorted
    value: np.ndarray  # each row's value code per column (a row of codes into `values`)
    values: list[list[str | None]]  # per column, the value of each code (None: the items without the column)

    def having(self, kept: tuple) -> np.ndarray:
        """Which rows hold items with the kept values (`Filters.kept` of some of these columns)."""
        rows = np.ones(len(self.value), dtype=bool)
        for column, wanted in kept:
            at = self.columns.index(column)
            rows &= np.isin(self.value[:, at], [i for i, v in enumerate(self.values[at]) if v in wanted])
        return rows

    def of(self, kept: tuple) -> ReadTable:
        """The read table of the items with the kept values."""
        rows, items = self.having(kept), self.table.items
        return ReadTable(ItemTable(items.days[rows], items.source[rows], items.kind[rows], items.n[rows], kept),
                         self.table.read[rows], self.table.language[rows])  # fmt: skip


def column_reads(
    db: sqlite_utils.Database, run: dict, columns: tuple[str, ...], kept: tuple = ()
) -> ColumnReads | None:
    """The run's `ColumnReads` of `columns`, to be cut with the `kept` values (`Filters.kept` of some of them), from
    memory or read; None for a database not on a file. One column's holds every item (those without it are a
    breakdown's `(none)`), shared by `where=` and `by=` on it; several columns' only the items with each kept one, as
    no other matches: `where=channel=chat` with another column groups the chat transcripts, not every item."""
    ordered = tuple(sorted(set(columns)))
    present = tuple(sorted({column for column, _ in kept})) if len(ordered) > 1 else ()
    return _by_column.get(db, run, lambda: build_column_reads(db, run, ordered, present), (ordered, present))


def build_column_reads(db: sqlite_utils.Database, run: dict, columns: tuple[str, ...],
                       present: tuple[str, ...] = ()) -> ColumnReads:  # fmt: skip
    """The run's `ColumnReads` of `columns` (sorted) of the items with a value of each of the `present` columns, read
    now (one GROUP BY over those items)."""
    rsql, params = run_items(run)
    value_sql = ", ".join([DOCUMENT_VALUE] * len(columns))
    present_sql = "".join(f" AND {DOCUMENT_VALUE} IS NOT NULL" for _ in present)
    group_by = ", ".join(str(7 + i) for i in range(len(columns)))  # the values' positions
    rows = db.execute(
        f"""SELECT coalesce(substr(d.date, 1, 10), ?), d.source, d.kind, COUNT(*), {READ_SQL}, {LANGUAGE_SQL},
                   {value_sql}
            FROM documents d WHERE 1 = 1{present_sql}{rsql} GROUP BY 1, 2, 3, 5, 6, {group_by}""",
        [UNDATED, *map(kept_path, columns), *map(kept_path, present), *params],
    ).fetchall()
    days, sources, kinds, counts, read, languages, *found = (
        zip(*rows, strict=True) if rows else ((),) * (6 + len(columns))
    )
    codes: list[dict[str | None, int]] = [{} for _ in columns]
    value = np.zeros((len(rows), len(columns)), dtype=np.int64)
    for at, (coded, column_values) in enumerate(zip(codes, found, strict=True)):
        value[:, at] = [coded.setdefault(v, len(coded)) for v in column_values]
    items = ItemTable(np.array(days, dtype=object), np.array(sources, dtype=object),
                      np.array(kinds, dtype=object), np.array(counts, dtype=np.int64))  # fmt: skip
    table = ReadTable(items, np.array(read, dtype=bool), np.array(languages, dtype=object))
    return ColumnReads(table, columns, value, [list(c) for c in codes])


_tables: RunCache[ReadTable] = RunCache()
_by_column: RunCache[ColumnReads] = RunCache()


@dataclass(frozen=True)
class ImportReads:
    """Every item of the workspace counted per import, read or not and language: a run's items are those of the
    imports up to its last one (`run_items`), so this one table gives every run's counts, where GET /v1/runs lists
    up to 500 runs and a read table per run took 0.8 s each on the 1M-segment workspace."""

    imports: np.ndarray  # each row's import id (NO_IMPORT for none)
    n: np.ndarray
    read: np.ndarray
    language: np.ndarray

    def counts(self, last_import: int | None) -> tuple[int, int, dict[str, int]]:
        """The items of a run with that last import (None: every item), those read, and those in another language
        by its code."""
        rows = np.ones(len(self.n), dtype=bool)
        if last_import is not None:
            rows = (self.imports != NO_IMPORT) & (self.imports <= last_import)
        other = rows & (self.language != "")
        return int(self.n[rows].sum()), int(self.n[rows & self.read].sum()), summed(self.language[other],
                                                                                      self.n[other])  # fmt: skip


def import_reads(db: sqlite_utils.Database) -> ImportReads:
    """The workspace's table, from memory or read (one GROUP BY over its items; not kept for a database not on a
    file). Items change only with an import (a new import id) or an erasure (a row in `erasures`; it may delete an
    import, whose id the next one can take)."""

    def build() -> ImportReads:
        rows = db.execute(
            f"""SELECT coalesce(d.import_id, ?), COUNT(*), {READ_SQL}, {LANGUAGE_SQL} FROM documents d
                GROUP BY 1, 3, 4""",
            [NO_IMPORT],
        ).fetchall()
        imports, counts, read, languages = zip(*rows, strict=True) if rows else ((),) * 4
        return ImportReads(np.array(imports, dtype=np.int64), np.array(counts, dtype=np.int64),
                           np.array(read, dtype=bool), np.array(languages, dtype=object))  # fmt: skip

    if (found := db_file(db)) is None:
        return build()
    state = db.execute("SELECT (SELECT max(id) FROM imports), (SELECT COUNT(*) FROM erasures)").fetchone()
    return _by_import.keep((*found, *state, ()), build)


_by_import: RunCache[ImportReads] = RunCache(size=4)
