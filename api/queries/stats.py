"""Counts of what a workspace holds: documents by source and kind, segments, runs, the latest run."""

from __future__ import annotations

import sqlite_utils

from api.queries.common import find_run, run_public


def stats(db: sqlite_utils.Database, control: sqlite_utils.Database, workspace: str) -> dict:
    one = lambda sql, params=(): db.execute(sql, list(params)).fetchone()  # noqa: E731
    first, last = one("SELECT MIN(date), MAX(date) FROM documents")
    runs = {r["status"]: r["n"] for r in control.query(
        "SELECT status, COUNT(*) AS n FROM jobs WHERE workspace = ? GROUP BY status", [workspace])}  # fmt: skip
    return {
        "documents": one("SELECT COUNT(*) FROM documents")[0],
        "segments": one("SELECT COUNT(*) FROM segments")[0],
        "datasets": control.execute("SELECT COUNT(*) FROM datasets WHERE workspace = ?", [workspace]).fetchone()[0],
        "by_source": {
            r["source"]: r["n"]
            for r in db.query("SELECT source, COUNT(*) AS n FROM documents GROUP BY source ORDER BY source")
        },  # fmt: skip
        "by_kind": {r["kind"]: r["n"] for r in db.query("SELECT kind, COUNT(*) AS n FROM documents GROUP BY kind")},
        "first_date": first,
        "last_date": last,
        "runs": runs,
        "latest_run": run_public(find_run(db)),
    }
