"""The API's own storage: a control database (workspaces, keys, datasets, runs) and one data file per workspace.

Every pipeline query runs against the workspace's own file, so workspaces are isolated by construction.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
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


def private_dir(path: Path) -> Path:
    """Create `path` and the folders missing above it readable by the server's user only (0700)."""
    for folder in reversed([p for p in (path, *path.parents) if not p.exists()]):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and readable by the server's user only (0600) when it does not exist yet: it holds
    feedback and key hashes. SQLite gives the -wal and -shm files the same mode as the database."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return path


def open_control(path: Path) -> sqlite_utils.Database:
    db = connect(private_file(path))
    _migrate(db, path, control_migrations)
    return db


def workspace_path(workspaces_dir: Path, workspace: str) -> Path:
    if not WORKSPACE_NAME.match(workspace):
        raise ValueError(f"bad workspace name {workspace!r}")
    return workspaces_dir / f"{workspace}.db"


def open_workspace(workspaces_dir: Path, workspace: str) -> sqlite_utils.Database:
    """The workspace's own pipeline database, migrated (the miner's schema, then the API's indexes)."""
    path = workspace_path(workspaces_dir, workspace)
    db = connect(private_file(path))
    _migrate(db, path, miner_migrations, workspace_migrations)
    return db


class ConnectionPool:
    """Connections kept open between requests, per file, each lent to one request at a time.

    Opening one per request (connect, the WAL check, reading the schema, a cold page cache) cost more than the
    whole `GET /v1/pain-points` query. A connection comes back rolled back if a request left a transaction open
    (as closing it did), and one whose file has been replaced since it was opened (another inode; checked at most
    every `check_every_s` per file, so the event loop rarely waits on a stat) is closed instead of lent."""

    def __init__(self, per_file: int = 8, check_every_s: float = 1.0) -> None:
        self.per_file = per_file
        self.check_every_s = check_every_s
        self._idle: dict[str, list[sqlite_utils.Database]] = {}
        self._seen: dict[str, tuple[float, tuple[int, int] | None]] = {}
        self._lock = threading.Lock()

    def identity(self, path: Path, fresh: bool = False) -> tuple[int, int] | None:
        """The file's (device, inode), or None when it is missing."""
        key, now = str(path), time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and not fresh and now - seen[0] < self.check_every_s:
            return seen[1]
        try:
            st = os.stat(key)
            ident = (st.st_dev, st.st_ino)
        except OSError:
            ident = None
        self._seen[key] = (now, ident)
        return ident

    def open(self, path: Path, opener: Callable[..., sqlite_utils.Database], *args: object) -> sqlite_utils.Database:
        """A new connection from `opener(*args)` (in a worker thread: it may migrate), marked with its file."""
        db = opener(*args)
        db._pool_file = self.identity(path, fresh=True)  # type: ignore[attr-defined]
        return db

    def take(self, path: Path) -> sqlite_utils.Database | None:
        """An idle connection to `path`, or None (the caller opens one)."""
        with self._lock:
            idle = self._idle.get(str(path))
            if not idle:
                return None
            db = idle.pop()
        if getattr(db, "_pool_file", None) != self.identity(path):
            db.close()
            return None
        return db

    def give(self, path: Path, db: sqlite_utils.Database) -> None:
        """Take a connection back after a request (closed instead when the pool for its file is full)."""
        try:
            if db.conn.in_transaction:
                db.conn.rollback()
        except sqlite3.Error:
            db.close()
            return
        with self._lock:
            idle = self._idle.setdefault(str(path), [])
            if len(idle) < self.per_file:
                idle.append(db)
                return
        db.close()

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for db in conns:
                db.close()


pool = ConnectionPool()
