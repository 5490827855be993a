"""Which run of which database file a table in memory belongs to: the key of every per-run cache (the run index,
miner/store/index.py; the item and read tables, item_table.py and read_table.py). None for an in-memory or
temporary database, whose tables are not cached."""

from __future__ import annotations

import os
from typing import cast

import sqlite_utils

_UNSEEN = object()


def db_file(db: sqlite_utils.Database) -> tuple | None:
    """Which file the connection reads (path, device, inode); None for an in-memory or temporary database. A
    connection stays on one file for its life, so the file is looked up once per connection."""
    found = getattr(db, "_run_index_file", _UNSEEN)
    if found is _UNSEEN:
        files = [row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"]
        try:
            st = os.stat(files[0]) if files and files[0] else None
        except OSError:
            st = None
        found = (files[0], st.st_dev, st.st_ino) if st is not None else None
        db._run_index_file = found  # type: ignore[attr-defined]
    return cast(tuple | None, found)


def file_key(db: sqlite_utils.Database, run: dict) -> tuple | None:
    """Which run of which file: None for an in-memory or temporary database (not cached)."""
    found = db_file(db)
    if found is None:
        return None
    # erased_at: an erasure (miner/store/erasure.py) took items out of the run, so its cached index is stale.
    stamp = (run["id"], run["started_at"], run["finished_at"], run.get("erased_at"))
    return (*found, *stamp)
