"""The API's own storage: a control database (workspaces, keys, datasets, runs) and one data file per workspace.

Every pipeline query runs against the workspace's own file, so workspaces are isolated by construction.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from miner.store.db import Database, connect  # noqa: F401 - re-exported for the API's modules
from miner.store.migrations import migrations as miner_migrations

control_migrations = Migrations("touchpoint_api")
workspace_migrations = Migrations("touchpoint_api_workspace")
WORKSPACE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_migrated: set[tuple[str, str]] = set()
_lock = threading.Lock()


@control_migrations()
def m001_control(db: sqlite_utils.Database) -> None:
    db.table("workspaces").create({"name": str, "created_at": str}, pk="name")
    db.table("api_keys").create(
        {"hash": str, "workspace": str, "prefix": str, "created_at": str, "revoked_at": str},
        pk="hash",
        foreign_keys=[("workspace", "workspaces", "name")],
    )
    db.table("datasets").create(
        {
            "id": str,
            "workspace": str,
            "name": str,
            "created_at": str,
            "files": str,
            "columns": str,
            "rows": int,
            "accepted": int,
            "rejected": str,
        },
        pk="id",
    )
    db.table("datasets").create_index(["workspace", "created_at"])
    db.table("jobs").create(
        {
            "id": str,
            "workspace": str,
            "dataset_id": str,
            "status": str,
            "progress": float,
            "stage": str,
            "error": str,
            "run_id": int,
            "taxonomy_version": str,
            "created_at": str,
            "started_at": str,
            "finished_at": str,
        },
        pk="id",
    )
    db.table("jobs").create_index(["workspace", "status"])


@workspace_migrations()
def m001_api_indexes(db: sqlite_utils.Database) -> None:
    """Indexes the API's filtered queries need, and the taxonomy versions a workspace PUT."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_api_assignments_pain ON assignments(run_id, pain_point_id)")
    db.execute("CREATE INDEX IF NOT EXISTS idx_api_segments_document ON segments(document_id)")
    db.table("taxonomies").create(
        {"version": str, "fingerprint": str, "taxonomy": str, "created_at": str}, pk="version"
    )


def _migrate(db: sqlite_utils.Database, path: Path, *sets: Migrations) -> None:
    key = (str(path.resolve()), ",".join(m.name for m in sets))
    if key in _migrated:
        return
    with _lock:
        for m in sets:
            m.apply(db)
        _migrated.add(key)


def open_control(path: Path) -> sqlite_utils.Database:
    db = connect(path)
    _migrate(db, path, control_migrations)
    return db


def workspace_path(workspaces_dir: Path, workspace: str) -> Path:
    if not WORKSPACE_NAME.match(workspace):
        raise ValueError(f"bad workspace name {workspace!r}")
    return workspaces_dir / f"{workspace}.db"


def open_workspace(workspaces_dir: Path, workspace: str) -> sqlite_utils.Database:
    """The workspace's own pipeline database, migrated (the miner's schema, then the API's indexes)."""
    path = workspace_path(workspaces_dir, workspace)
    db = connect(path)
    _migrate(db, path, miner_migrations, workspace_migrations)
    return db
