"""Data quality's word on the rows `mine --on-error skip` left out as unreadable: said once in mine's notes, they
were in no count of the report after, which read as if every row of the file had been analysed."""

from __future__ import annotations

import sqlite_utils

from miner.store.filters import Filters
from miner.store.skipped import skipped_rows


def with_skipped(quality: dict, db: sqlite_utils.Database, run: dict, filters: Filters | None = None) -> dict:
    """`quality` with `skipped_rows` and a warning for each file, first among the warnings: the report's counts
    leave those rows out."""
    rows = skipped_rows(db, run, filters)
    said = [
        f"{n:,} {'row' if n == 1 else 'rows'} of {r['file']} {'was' if n == 1 else 'were'} skipped as unreadable "
        "(--on-error skip, or rejected on an API upload): they are in none of this report's counts; `mine` named "
        "each with its line and reason."
        for r in rows
        for n in [r["rows"]]
    ]
    return quality | {"skipped_rows": rows, "warnings": said + quality["warnings"]}
