"""Opening the database: WAL mode, foreign keys, migrations applied."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from miner.store.migrations import migrations

DEFAULT_DB = Path("touchpoints.db")


def open_db(path: Path | str | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) a touchpoint-miner database and bring its schema up to date."""
    if memory:
        db = sqlite_utils.Database(memory=True)
    else:
        path = Path(path or DEFAULT_DB)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    migrations.apply(db)
    return db
