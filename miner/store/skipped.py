"""The rows each import left out as unreadable (`imports.skipped`, `mine --on-error skip`), for the report's Data
quality (miner/report/skipped.py)."""

from __future__ import annotations

import sqlite_utils

from miner.store.filters import Filters


def skipped_rows(db: sqlite_utils.Database, run: dict, filters: Filters | None = None) -> list[dict]:
    """{"file", "rows"} for each file of the run's imports (those its snapshot held) that left rows out, within the
    filter's sources. A file imported twice with the same bytes skipped the same rows: counted once. The rows'
    dates and kinds are unknown (they could not be read), so a date or kind filter keeps them all."""
    bound = run.get("last_import")
    sql = "SELECT source, sha256, max(skipped) FROM imports WHERE skipped > 0"
    params: list = []
    if bound is not None:
        sql += " AND id <= ?"
        params.append(bound)
    if filters is not None and filters.source:
        sql += f" AND source IN ({', '.join('?' * len(filters.source))})"
        params += list(filters.source)
    by_file: dict[str, int] = {}
    for source, _, n in db.execute(sql + " GROUP BY source, sha256 ORDER BY min(id)", params):
        by_file[source] = by_file.get(source, 0) + n
    return [{"file": f, "rows": n} for f, n in by_file.items()]
