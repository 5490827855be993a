"""The taxonomy versions a workspace stored (PUT /v1/taxonomy): each version names one content, for good."""

from __future__ import annotations

from collections.abc import Collection

import sqlite_utils


def current_version(db: sqlite_utils.Database) -> str | None:
    """The version stored last, or None when none is."""
    rows = db.execute("SELECT version FROM taxonomies ORDER BY created_at DESC, rowid DESC LIMIT 1").fetchall()
    return rows[0][0] if rows else None


def created_at(db: sqlite_utils.Database, version: str) -> str | None:
    """When `version` was stored; None when it is not."""
    rows = db.execute("SELECT created_at FROM taxonomies WHERE version = ?", [version]).fetchall()
    return rows[0][0] if rows else None


def run_fingerprints(db: sqlite_utils.Database, version: str) -> set[str]:
    """The contents (fingerprints) the workspace's runs used under `version`: `touchpoints mine` records a
    taxonomy edited without a new version under the old one."""
    sql = (
        "SELECT DISTINCT taxonomy_fingerprint FROM runs WHERE taxonomy_version = ? AND taxonomy_fingerprint IS NOT NULL"
    )
    return {r[0] for r in db.execute(sql, [version])}


def payload(db: sqlite_utils.Database, version: str) -> str | None:
    """The taxonomy stored under `version`, as JSON; None when there is none."""
    rows = db.execute("SELECT taxonomy FROM taxonomies WHERE version = ?", [version]).fetchall()
    return rows[0][0] if rows else None


def fingerprint(db: sqlite_utils.Database, version: str) -> str | None:
    rows = db.execute("SELECT fingerprint FROM taxonomies WHERE version = ?", [version]).fetchall()
    return rows[0][0] if rows else None


def stored(db: sqlite_utils.Database, version: str) -> bool:
    return fingerprint(db, version) is not None


def versions(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT version, fingerprint, created_at FROM taxonomies ORDER BY created_at, rowid"))


def insert(db: sqlite_utils.Database, row: dict) -> None:
    """Store a version ({"version", "fingerprint", "taxonomy", "created_at"})."""
    with db.atomic():
        db.table("taxonomies").insert(row)


def delete(db: sqlite_utils.Database, version: str) -> None:
    """Take back a version just stored, when what it was stored for (its re-mapping run) could not start."""
    with db.atomic():
        db.execute("DELETE FROM taxonomies WHERE version = ?", [version])


def prune(db: sqlite_utils.Database, keep: int, protected: Collection[str] = ()) -> int:
    """Delete all but the `keep` newest versions, and those in `protected` (queued runs will read them); returns
    how many went. A finished run keeps its own copy of its taxonomy (runs.taxonomy), so it reads the same after."""
    rows = db.execute("SELECT version FROM taxonomies ORDER BY created_at DESC, rowid DESC").fetchall()
    old = [v for (v,) in rows[max(1, keep) :] if v not in protected]
    if old:
        placeholders = ", ".join("?" * len(old))
        with db.atomic():
            db.execute(f"DELETE FROM taxonomies WHERE version IN ({placeholders})", old)
    return len(old)
