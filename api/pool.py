"""Connections kept open between requests, per database file (the control database and each workspace's)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlite_utils


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
