"""Which of a run's items were read, per day, source, kind and language, held in memory beside its item table
(miner/store/item_table.py): `GET /v1/pain-points` and `/v1/stats` give the items read and unread inside their
filters (miner/store/unread.py), and counted in SQL per request that took 400-700 ms on the 1M-segment workspace of
`make bench-api`, where the answer took 16 ms. Apart from the item table, whose query reads the date index alone:
this one reads each item's meta and segments, once per run (about 0.8 s there). A filter on kept columns
(`Market=DE`) reads a table of the matching items of its own, as the item table's."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlite_utils

from miner.store.filters import Filters, run_items
from miner.store.item_table import UNDATED, ItemTable, RunCache

# Whether an item `d` was read: in English (no other language named in its meta, whose English title alone may have
# been read) and giving at least one segment. The base of every complaint rate over what the analysis could read.
READ = """json_extract(d.meta, '$.language') IS NULL
          AND EXISTS (SELECT 1 FROM segments s WHERE s.document_id = d.id)"""


@dataclass(frozen=True)
class ReadTable:
    items: ItemTable  # rows of day, source, kind and items, as the item table's
    read: np.ndarray  # whether the row's items were read (English, giving a segment)
    language: np.ndarray  # the other language their meta names ("" for none)

    def read_count(self, filters: Filters) -> int:
        """Items inside the filters that were read, as `miner.store.unread.read_items` counts them."""
        return int(self.items.n[self.items.rows(filters) & self.read].sum())

    def languages(self, filters: Filters) -> dict[str, int]:
        """Items inside the filters in another language, by its code, as `miner.store.unread.unread_texts`."""
        rows = self.items.rows(filters) & (self.language != "")
        out: dict[str, int] = {}
        for code, n in zip(self.language[rows], self.items.n[rows], strict=True):
            out[str(code)] = out.get(str(code), 0) + int(n)
        return out


def read_table(db: sqlite_utils.Database, run: dict, kept: tuple = ()) -> ReadTable | None:
    """The run's table (of the items with `kept` values, `Filters.kept`, when given), from memory or read
    (one GROUP BY over its items); None for a database not on a file."""

    def build() -> ReadTable:
        rsql, params = run_items(run)
        fsql, fparams = Filters(kept=kept).sql()
        rows = db.execute(
            f"""SELECT coalesce(substr(d.date, 1, 10), ?), d.source, d.kind, COUNT(*), {READ},
                       coalesce(json_extract(d.meta, '$.language'), '')
                FROM documents d WHERE 1 = 1{fsql}{rsql} GROUP BY 1, 2, 3, 5, 6""",
            [UNDATED, *fparams, *params],
        ).fetchall()
        days, sources, kinds, counts, read, languages = zip(*rows, strict=True) if rows else ((),) * 6
        items = ItemTable(np.array(days, dtype=object), np.array(sources, dtype=object),
                          np.array(kinds, dtype=object), np.array(counts, dtype=np.int64), kept)  # fmt: skip
        return ReadTable(items, np.array(read, dtype=bool), np.array(languages, dtype=object))

    return _tables.get(db, run, build, kept)


_tables: RunCache[ReadTable] = RunCache()
