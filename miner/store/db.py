"""Opening the database: WAL mode, foreign keys, migrations applied."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from miner.errors import DatabaseError
from miner.store.migrations import migrations, refuse_newer

DEFAULT_DB = Path("touchpoints.db")
SQLITE_MAX_INT = 2**63 - 1  # the largest integer SQLite binds; a larger Python int raises OverflowError


def bounded(count: int) -> int:
    """A count given by a user (a LIMIT), as SQLite can bind it: past its integers, its largest ("all")."""
    return min(count, SQLITE_MAX_INT)


class Database(sqlite_utils.Database):
    """sqlite-utils' Database with write transactions that wait for the lock.

    `atomic()` in sqlite-utils issues a deferred BEGIN; a transaction that reads first (insert() reads the
    table's schema) and then writes fails at once with "database is locked" when another connection wrote in
    between (SQLITE_BUSY_SNAPSHOT in WAL mode: the busy timeout is not applied). BEGIN IMMEDIATE takes the
    write lock first, so concurrent writers queue for up to the busy timeout instead."""

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def connect(path: Path) -> sqlite_utils.Database:
    """A WAL-mode connection usable from the thread that serves the request or runs the job; implicit and
    explicit write transactions both start IMMEDIATE (see Database)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level="IMMEDIATE")
    db = Database(conn)
    db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 30000")
    return db


OPEN_TRIES = 10  # a new file's journal-mode switch can answer "locked" at once, without waiting: tries, 0.1 s apart


def open_db(path: Path | str | None = None, *, memory: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) a touchpoint-miner database and bring its schema up to date."""
    if memory:
        return _migrated(sqlite_utils.Database(memory=True))
    for attempt in range(OPEN_TRIES):
        db, started = None, time.monotonic()
        try:
            db = connect(Path(path or DEFAULT_DB))
            _refuse_control(db, Path(path or DEFAULT_DB))
            _refuse_foreign(db, Path(path or DEFAULT_DB))
            refuse_newer(db, Path(path or DEFAULT_DB))
            return _migrated(db)
        except sqlite3.OperationalError as err:
            if db is not None:
                db.close()
            # only an answer given at once is retried: one after the 30 s busy wait is a lock really held
            if "locked" not in str(err) or time.monotonic() - started > 1 or attempt == OPEN_TRIES - 1:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def open_to_read(path: Path) -> sqlite_utils.Database:
    """A database a command only reads (`top`, `report`, `export`, `runs list`, `forget --dry-run`, `taxonomy review`
    and `suggest`): as `open_db`, or, where its file or
    folder is read-only (a mounted snapshot, a backup) and WAL mode cannot open it, immutable: read as it is, with no
    lock, so nothing may write to it meanwhile. Read-only and from an older version (migrations pending), it is
    refused: copy it somewhere writable."""
    try:
        return open_db(path)
    except sqlite3.OperationalError as err:
        if "unable to open" not in str(err) and "readonly" not in str(err):
            raise
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?immutable=1", uri=True, check_same_thread=False)
    conn.execute("PRAGMA query_only = ON")  # said, so that a cache knows to keep nothing (`read_only`)
    db = Database(conn)
    refuse_newer(db, path)
    if migrations.pending(db):
        db.close()
        raise DatabaseError(
            f"{path} is read-only and was written by an older version of touchpoint-miner: copy it somewhere "
            "writable and open it there (it is brought up to date on opening)"
        )
    return db


def read_only(db: sqlite_utils.Database) -> bool:
    """Whether the database was opened only to read (`open_to_read` on a read-only path)."""
    return bool(db.execute("PRAGMA query_only").fetchone()[0])


# The API's main database holds these (api/db.py CONTROL_TABLES), and each workspace's data is a file of its own
API_TABLES = {"api_keys", "workspaces"}


def _refuse_control(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse the API's main database (workspaces and keys, no feedback of its own) before the miner's tables are
    added to it: `mine --db touchpoints.db` on the service's file had mined into it, and `serve` then refused the
    file it had served. A database that already holds both (mined before this check) is left to `serve` to refuse."""
    names = set(db.table_names())
    if API_TABLES <= names and "documents" not in names:
        db.close()
        raise DatabaseError(
            f"{path} is the API's main database (workspaces and keys; each workspace's data is in a file of its "
            "own), not one `touchpoints mine` writes. Mine into a file of your own (--db feedback.db) and serve it "
            f"with `touchpoints workspaces import feedback.db --workspace NAME --db {path}`, or upload through the "
            "API (POST /v1/datasets)"
        )


def _refuse_foreign(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse another program's SQLite file (tables, none of them ours) before the miner's schema is written into
    it: `taxonomy suggest --db app.db` added 33 tables to it and said there was nothing to suggest."""
    names = set(db.table_names())
    if names and "documents" not in names:
        db.close()
        shown = ", ".join(sorted(names)[:5]) + (" ..." if len(names) > 5 else "")
        raise DatabaseError(
            f"{path} is another program's SQLite database (tables {shown}), not one touchpoint-miner wrote: give "
            "the database you mined into with --db, or a new file name to start one"
        )


def _migrated(db: sqlite_utils.Database) -> sqlite_utils.Database:
    db.execute("PRAGMA foreign_keys = ON")
    if migrations.pending(db):
        # under the write lock, so a second process opening a new file at the same time waits and then finds
        # nothing pending (it re-ran the first's migrations and failed: "duplicate column name")
        with db.atomic() if isinstance(db, Database) else contextlib.nullcontext():
            migrations.apply(db)
    return db


def in_chunks(items: list, size: int = 500) -> Iterator[tuple[list, str]]:
    """Slices of at most `size` items, each with its `?,?,...` placeholders, for `WHERE x IN (...)` queries: SQLite
    caps the parameters of one statement."""
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        yield chunk, ",".join("?" * len(chunk))
