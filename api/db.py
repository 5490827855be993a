"""The API's own storage: the control database (workspaces, keys, datasets, jobs) and one data file per workspace.

This is the one module of api/ that writes SQL, nearly all of it on the control database. A workspace's file is a
miner database (miner.store owns its schema and queries), so workspaces are isolated by construction; a database
`touchpoints mine` wrote is refused as the control database, and copied into a workspace by `import_database`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from api.pool import ConnectionPool, pool  # noqa: F401 - re-exported for the API's modules
from miner.store.db import Database, connect  # noqa: F401 - re-exported for the API's modules
from miner.store.migrations import migrations as miner_migrations
from miner.store.migrations import refuse_newer

control_migrations = Migrations("touchpoint_api")
WORKSPACE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ACTIVE = ("queued", "running", "cancelling")
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


@control_migrations()
def m002_job_profile(db: sqlite_utils.Database) -> None:
    """The settings bundle a run was asked for (`--profile`); runs queued before it used the default."""
    db.table("jobs").add_column("profile", str, not_null_default="default")


@control_migrations()
def m003_job_kept_apart(db: sqlite_utils.Database) -> None:
    """The conversations a run's imports stored beside a stored one of the same id (`RunPublic.kept_apart`); null
    for the runs before it, which did not count them."""
    db.table("jobs").add_column("kept_apart", int)


def _migrate(db: sqlite_utils.Database, path: Path, migrations: Migrations) -> None:
    key = (str(path.resolve()), migrations.name)
    if key in _migrated:
        return
    refuse_newer(db, path, migrations)  # closes it: a newer version's schema is not ours to read or migrate
    with _lock:
        migrations.apply(db)
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


CONTROL_TABLES = ("api_keys", "datasets", "jobs", "workspaces")


class MinedDatabase(ValueError):
    """The control database named is one `touchpoints mine` wrote: serving it would show none of its data."""


def open_control(path: Path) -> sqlite_utils.Database:
    """The control database. A deleted row (a dataset's name and files) is zeroed in the file and the write-ahead
    log (`secure_delete`), as the workspace files' erasures do; its rows are few and small, so this costs little."""
    db = connect(private_file(path))
    db.execute("PRAGMA secure_delete = ON")
    if (mined := mined_data(db)) is not None:
        db.close()
        raise MinedDatabase(
            f"{path} holds data `touchpoints mine` wrote ({mined}): it is a workspace's database, not the API's main "
            f"one, which holds workspaces and keys (each workspace's data is in its own file). To serve it, import "
            f"it as a workspace into another main database: touchpoints workspaces import {path} --workspace NAME "
            f"--db touchpoints.db"
        )
    _migrate(db, path, control_migrations)
    return db


def mined_data(db: sqlite_utils.Database) -> str | None:
    """What a database holds of the miner's ('500 documents, 1 run'); None when it holds none."""
    names = set(db.table_names())
    docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] if "documents" in names else 0
    runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] if "runs" in names else 0
    if not docs and not runs:
        return None
    return f"{docs:,} document{'s' * (docs != 1)}, {runs:,} run{'s' * (runs != 1)}"


def import_database(source: Path, workspaces_dir: Path, workspace: str) -> sqlite_utils.Database:
    """Copy the database `source` (one `touchpoints mine` wrote) into the workspace's file, which must hold no data:
    SQLite's online backup, a consistent copy even while the source is written. The control tables an earlier
    `keys create --db` put in it (key hashes) are left out of the copy; it is migrated, and returned open."""
    path = workspace_path(workspaces_dir, workspace)
    target = connect(private_file(path))
    try:
        if (held := mined_data(target)) is not None:
            raise ValueError(f"workspace '{workspace}' already holds data ({held}): import into a new workspace")
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            origin.backup(target.conn)
        finally:
            origin.close()
        with target.atomic():
            for table in set(CONTROL_TABLES) & set(target.table_names()):
                target.execute(f"DROP TABLE [{table}]")
            if "_sqlite_migrations" in target.table_names():
                target.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ?", [control_migrations.name])
        _migrated.discard((str(path.resolve()), miner_migrations.name))
        _migrate(target, path, miner_migrations)
    except BaseException:
        target.close()
        raise
    return target


def workspace_path(workspaces_dir: Path, workspace: str) -> Path:
    if not WORKSPACE_NAME.match(workspace):
        raise ValueError(f"bad workspace name {workspace!r}")
    return workspaces_dir / f"{workspace}.db"


def open_workspace(workspaces_dir: Path, workspace: str) -> sqlite_utils.Database:
    """The workspace's own pipeline database, migrated (all of its schema is the miner's)."""
    path = workspace_path(workspaces_dir, workspace)
    db = connect(private_file(path))
    _migrate(db, path, miner_migrations)
    return db


# Keys and workspaces.


def insert_workspace(db: sqlite_utils.Database, workspace: str, created_at: str) -> None:
    with db.atomic():
        db.table("workspaces").insert({"name": workspace, "created_at": created_at}, ignore=True)


def workspace_names(db: sqlite_utils.Database) -> list[str]:
    return [row["name"] for row in db.query("SELECT name FROM workspaces ORDER BY name")]


def insert_key(db: sqlite_utils.Database, workspace: str, row: dict, created_at: str) -> None:
    """Create the workspace if needed and store a key's row (its hash, never the key)."""
    with db.atomic():
        db.table("workspaces").insert({"name": workspace, "created_at": created_at}, ignore=True)
        db.table("api_keys").insert(row)


def key_workspace(db: sqlite_utils.Database, key_hash: str) -> str | None:
    rows = db.execute("SELECT workspace FROM api_keys WHERE hash = ? AND revoked_at IS NULL", [key_hash]).fetchall()
    return rows[0][0] if rows else None


def key_rows(db: sqlite_utils.Database, workspace: str | None = None) -> list[dict]:
    where, params = ("WHERE workspace = ?", [workspace]) if workspace else ("", [])
    sql = f"SELECT workspace, prefix, created_at, revoked_at FROM api_keys {where} ORDER BY workspace, created_at"
    return list(db.query(sql, params))


def revoke_prefix(db: sqlite_utils.Database, prefix: str, revoked_at: str) -> int:
    with db.atomic():
        cur = db.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL", [revoked_at, prefix]
        )
    return cur.rowcount


# Datasets.


def insert_dataset(db: sqlite_utils.Database, row: dict) -> None:
    with db.atomic():
        db.table("datasets").insert(row)


def dataset_row(db: sqlite_utils.Database, workspace: str | None, dataset_id: str) -> dict | None:
    """A dataset by id (within `workspace`, unless None)."""
    where, params = ("AND workspace = ?", [workspace]) if workspace is not None else ("", [])
    rows = list(db.query(f"SELECT * FROM datasets WHERE id = ? {where}", [dataset_id, *params]))
    return rows[0] if rows else None


def dataset_rows(db: sqlite_utils.Database, workspace: str, limit: int | None = None) -> list[dict]:
    """A workspace's datasets: the newest `limit` first, or (no limit) all of them oldest first."""
    if limit is None:
        return list(db.query("SELECT * FROM datasets WHERE workspace = ? ORDER BY created_at", [workspace]))
    sql = "SELECT * FROM datasets WHERE workspace = ? ORDER BY created_at DESC, rowid DESC LIMIT ?"
    return list(db.query(sql, [workspace, limit]))


def update_dataset_files(db: sqlite_utils.Database, dataset_id: str, files: str) -> None:
    """Store a dataset's `files` list (JSON) again, as a run marks them imported."""
    with db.atomic():
        db.execute("UPDATE datasets SET files = ? WHERE id = ?", [files, dataset_id])


def update_dataset_columns(db: sqlite_utils.Database, dataset_id: str, columns: str) -> None:
    """Store a dataset's column options (JSON) again, a speaker label (an author's id or e-mail) dropped: the row as
    it was is zeroed (`secure_delete`) and the write-ahead log checkpointed, as `delete_dataset` does."""
    with db.atomic():
        db.execute("UPDATE datasets SET columns = ? WHERE id = ?", [columns, dataset_id])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def delete_dataset(db: sqlite_utils.Database, workspace: str, dataset_id: str) -> None:
    """Delete the row, zeroed (`secure_delete`, see open_control), and checkpoint: the write-ahead log held the
    row as it was written, and after a checkpoint it is emptied, so the name and file names are gone from disk."""
    with db.atomic():
        db.execute("DELETE FROM datasets WHERE id = ? AND workspace = ?", [dataset_id, workspace])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def dataset_count(db: sqlite_utils.Database, workspace: str) -> int:
    return db.execute("SELECT COUNT(*) FROM datasets WHERE workspace = ?", [workspace]).fetchone()[0]


# Jobs (the API's runs).


def insert_job(db: sqlite_utils.Database, row: dict) -> None:
    db.table("jobs").insert(row)


def update_job(db: sqlite_utils.Database, job_id: str, fields: dict) -> None:
    db.table("jobs").update(job_id, fields)


def job_row(db: sqlite_utils.Database, job_id: str, workspace: str | None = None) -> dict | None:
    """A job by id (within `workspace`, unless None)."""
    where, params = ("AND workspace = ?", [workspace]) if workspace is not None else ("", [])
    rows = list(db.query(f"SELECT * FROM jobs WHERE id = ? {where}", [job_id, *params]))
    return rows[0] if rows else None


def job_for_run(db: sqlite_utils.Database, run_id: int, workspace: str) -> dict | None:
    """The job that made the workspace's stored run `run_id` (the `run.id` answers show)."""
    rows = list(db.query("SELECT * FROM jobs WHERE run_id = ? AND workspace = ? LIMIT 1", [run_id, workspace]))
    return rows[0] if rows else None


def job_run_ids(db: sqlite_utils.Database, workspace: str) -> set[int]:
    """The stored runs the workspace's jobs made (the others were made by `touchpoints mine` on its file)."""
    sql = "SELECT run_id FROM jobs WHERE workspace = ? AND run_id IS NOT NULL"
    return {r[0] for r in db.execute(sql, [workspace])}


def job_rows(db: sqlite_utils.Database, workspace: str, limit: int) -> list[dict]:
    sql = "SELECT * FROM jobs WHERE workspace = ? ORDER BY created_at DESC, rowid DESC LIMIT ?"
    return list(db.query(sql, [workspace, limit]))


def job_errors(db: sqlite_utils.Database, workspace: str) -> dict[str, str]:
    """The errors of the workspace's failed jobs, by job id."""
    sql = "SELECT id, error FROM jobs WHERE workspace = ? AND error IS NOT NULL"
    return dict(db.execute(sql, [workspace]).fetchall())


def update_job_errors(db: sqlite_utils.Database, errors: dict[str, str]) -> None:
    """Store jobs' errors again, a value erased from them: the rows as they were are zeroed (`secure_delete`) and
    the write-ahead log checkpointed, as `delete_dataset` does."""
    with db.atomic():
        for job_id, error in errors.items():
            db.execute("UPDATE jobs SET error = ? WHERE id = ?", [error, job_id])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def active_job(db: sqlite_utils.Database, workspace: str) -> str | None:
    """The id of the workspace's queued, running or cancelling job, if any."""
    marks = ",".join("?" * len(ACTIVE))
    sql = f"SELECT id FROM jobs WHERE workspace = ? AND status IN ({marks}) LIMIT 1"
    rows = db.execute(sql, [workspace, *ACTIVE]).fetchall()
    return rows[0][0] if rows else None


def active_taxonomy_versions(db: sqlite_utils.Database, workspace: str) -> set[str]:
    """The taxonomy versions the workspace's queued, running or cancelling jobs will read."""
    marks = ",".join("?" * len(ACTIVE))
    sql = f"SELECT taxonomy_version FROM jobs WHERE workspace = ? AND status IN ({marks})"
    return {r[0] for r in db.execute(sql, [workspace, *ACTIVE]) if r[0]}


def completed_job_run(db: sqlite_utils.Database, job_id: str, workspace: str) -> int | None:
    """The miner run id a completed job made; None for an unknown or unfinished job."""
    sql = "SELECT run_id FROM jobs WHERE id = ? AND workspace = ? AND status = 'complete'"
    rows = db.execute(sql, [job_id, workspace]).fetchall()
    return rows[0][0] if rows else None


def latest_profile(db: sqlite_utils.Database, workspace: str) -> str | None:
    """The profile of the workspace's latest completed job: what a run the server starts itself (a taxonomy PUT's
    re-mapping) reads with, so it re-uses the stored vectors instead of reading everything again."""
    sql = "SELECT profile FROM jobs WHERE workspace = ? AND status = 'complete' ORDER BY rowid DESC LIMIT 1"
    rows = db.execute(sql, [workspace]).fetchall()
    return rows[0][0] if rows else None


def job_counts(db: sqlite_utils.Database, workspace: str) -> dict[str, int]:
    sql = "SELECT status, COUNT(*) FROM jobs WHERE workspace = ? GROUP BY status"
    return {r[0]: r[1] for r in db.execute(sql, [workspace])}


def fail_unfinished_jobs(db: sqlite_utils.Database, error: str, finished_at: str) -> None:
    """Jobs a previous server left active never finish: mark them failed."""
    marks = ",".join("?" * len(ACTIVE))
    sql = f"UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, stage = NULL WHERE status IN ({marks})"
    db.execute(sql, [error, finished_at, *ACTIVE])
    db.conn.commit()


def write_problem(db: sqlite_utils.Database) -> str | None:
    """Why the database cannot be written now (read-only, locked beyond the busy timeout), or None: takes the write
    lock and lets go of it, writing nothing."""
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    except sqlite3.Error as err:
        if db.conn.in_transaction:
            db.conn.rollback()
        return str(err)
    return None


def cancel_job(db: sqlite_utils.Database, job_id: str, finished_at: str) -> None:
    """A queued job turns cancelled at once, a running one cancelling (its worker finishes the cancel)."""
    db.execute(
        "UPDATE jobs SET status = CASE status WHEN 'queued' THEN 'cancelled' ELSE 'cancelling' END,"
        " finished_at = CASE status WHEN 'queued' THEN ? END WHERE id = ? AND status IN ('queued', 'running')",
        [finished_at, job_id],
    )
    db.conn.commit()
