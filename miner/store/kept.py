"""The columns an item kept from its file (its stored `meta`: `Brand`, `Market`...), as extra columns of the
assignments export, and the names a `--where`, `--by` or the API's `where=` / `by=` may take: a retailer who mined
brands and markets together could compare them nowhere. In the export they come after the fixed columns, so
formulas that count columns by position keep working."""

from __future__ import annotations

import json

import sqlite_utils

from miner.errors import MinerError
from miner.store.filters import kept_path, run_items


def kept_names(db: sqlite_utils.Database, run: dict | None, taken: tuple[str, ...] = ()) -> dict[str, str]:
    """The kept columns of the items `run` analysed (every item's for None; first seen first), each with its column's
    name: the same for every filter, so an export that matches nothing has the header of one that matches all. Only
    plain values (a nested one is the tool's, as the `_rejected` list); a name the export already uses (`source`,
    `text`) becomes `meta.<name>`."""
    rsql, rparams = run_items(run)
    sql = f"""SELECT DISTINCT k.key FROM documents d, json_each(d.meta) k WHERE d.meta IS NOT NULL{rsql}
              AND k.type IN ('text', 'integer', 'real', 'true', 'false') AND k.key NOT LIKE '\\_%' ESCAPE '\\'
              ORDER BY d.rowid"""
    keys = dict.fromkeys(key for (key,) in db.execute(sql, rparams))
    return {key: f"meta.{key}" if key in taken else key for key in keys}


def check_column(db: sqlite_utils.Database, column: str, option: str) -> None:
    """A MinerError naming `option` and listing the kept columns there are, when no item kept `column` (a misspelt
    `Markt` read as "no feedback"). The first item with it ends the look-up; the list is read only to refuse."""
    if '"' in column:  # SQLite's JSON paths cannot name such a key (parse_where refuses it too)
        raise MinerError(f"{option} '{column}': a column whose name holds a double quote cannot be read; rename it")
    if not column.startswith("_"):  # `_rejected` and the like are the tool's
        sql = "SELECT 1 FROM documents WHERE json_type(meta, ?) IN ('text', 'integer', 'real', 'true', 'false') LIMIT 1"
        if db.execute(sql, [kept_path(column)]).fetchone():
            return
    names = list(kept_names(db, None))
    known = f"the items kept {', '.join(names)}" if names else "no item kept a column of its file beside those read"
    raise MinerError(f"unknown {option} column '{column}': {known}")


def kept_columns(db: sqlite_utils.Database, ids: list[str], names: dict[str, str]) -> dict[str, dict[str, object]]:
    """Each item's kept columns (`kept_names`) by its id, every item with all of them in the same order (None where
    it lacks one): a CSV's rows share one header."""
    metas: dict[str, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        sql = f"SELECT id, meta FROM documents WHERE id IN ({','.join('?' * len(chunk))})"
        for doc_id, meta in db.execute(sql, chunk):
            loaded = json.loads(meta) if meta else {}
            metas[doc_id] = loaded if isinstance(loaded, dict) else {}
    return {doc_id: {column: _plain(metas.get(doc_id, {}).get(key)) for key, column in names.items()} for doc_id in ids}


def _plain(value: object) -> object:
    """A value as a cell holds it: a nested one (another item's `_rejected` list under the same key) as None."""
    return value if isinstance(value, str | int | float | bool) else None
