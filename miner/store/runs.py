"""Runs and their results: each run records its models and taxonomy, and is written all at once."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from miner.errors import MinerError
from miner.store.db import bounded
from miner.store.documents import now
from miner.touchpoints.taxonomy import Taxonomy

if TYPE_CHECKING:
    pass

STALE_HOURS = 24  # a 'running' run of another host, or of an older version, is abandoned after this long


def start_run(db: sqlite_utils.Database, **fields: object) -> int:
    """Insert a 'running' run; runs left 'running' by a crashed process are marked 'abandoned' (`_gone`), while a
    run another process on this machine is still making stays 'running'."""
    with db.atomic():
        abandon_dead_runs(db)
        row = {"status": "running", "started_at": now(), "owner": _owner(), **fields}
        if isinstance(row.get("params"), dict):
            row["params"] = json.dumps(row["params"], sort_keys=True)
        pk = db.table("runs").insert(row).last_pk
        assert pk is not None
        return int(pk)


def unredacted_runs(db: sqlite_utils.Database) -> list[int]:
    """Runs made without PII redaction (`mine --no-redact`; a run made before it was recorded counts as redacted)."""
    sql = "SELECT id FROM runs WHERE json_extract(params, '$.redact_pii') = 0 ORDER BY id"
    return [r[0] for r in db.execute(sql)]


def abandon_dead_runs(db: sqlite_utils.Database) -> list[int]:
    """Mark 'abandoned' the runs left 'running' by a process that is gone (`_gone`); the ids. `start_run` does it,
    and so does a mine that makes no run (nothing new), which left a crashed run 'running' night after night."""
    dead = [r for r, owner, started in db.execute("SELECT id, owner, started_at FROM runs WHERE status = 'running'")
            if _gone(owner, started)]  # fmt: skip
    with db.atomic():
        for run_id in dead:
            db.execute("UPDATE runs SET status = 'abandoned' WHERE id = ?", [run_id])
    return dead


def live_runs(db: sqlite_utils.Database) -> list[int]:
    """Runs 'running' in a process that is still alive."""
    return [r for r, owner, started in db.execute("SELECT id, owner, started_at FROM runs WHERE status = 'running'")
            if not _gone(owner, started)]  # fmt: skip


def _started(pid: int) -> str | None:
    """When a process started, in clock ticks since boot (/proc/PID/stat's 22nd field; None where there is no
    /proc): with the pid, it tells a process from a later one given the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after the command name, which may hold spaces
    return fields[19] if len(fields) > 19 else None


def _owner() -> str:
    """'host:pid@start' (`_started`), or 'host:pid' where the start cannot be read."""
    pid = os.getpid()
    start = _started(pid)
    return f"{socket.gethostname()}:{pid}" + (f"@{start}" if start else "")


def _gone(owner: str | None, started: str | None) -> bool:
    """Whether the process that started a run is gone: on this host, its pid is not alive, or alive but started
    at another time (a nightly job in a container is pid 1 every night: the crashed night's run looked alive
    forever); elsewhere (or with no owner recorded) it started over STALE_HOURS ago."""
    host, _, who = (owner or "").rpartition(":")
    pid, _, start = who.partition("@")
    if host == socket.gethostname() and pid.isascii() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return bool(start) and _started(int(pid)) not in (None, start)
        return bool(start) and _started(int(pid)) not in (None, start)
    try:
        age = datetime.now(UTC) - datetime.fromisoformat(str(started))
    except ValueError:
        return True
    return age > timedelta(hours=STALE_HOURS)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    segment_rows: Iterable[dict],
    assignment_rows: Iterable[dict],
    pain_point_rows: Iterable[dict],
    counts: dict[str, int],
    fit: dict | None = None,
    read: dict | None = None,
) -> None:
    """Write a run's results and mark it complete in one transaction; `fit`: how well the corpus fits the
    taxonomy (miner/touchpoints/fit.py), stored as JSON so the report and the API read it without recomputing;
    `read`: what the run read from its corpus (its complaint threshold), added to the params it started with."""
    done: dict[str, object] = {"status": "complete", "finished_at": now(), **counts}
    if fit is not None:
        done["fit"] = json.dumps(fit, sort_keys=True)
    with db.atomic():
        if read:
            params = json.loads(db.table("runs").get(run_id)["params"] or "{}")
            done["params"] = json.dumps(params | read, sort_keys=True)
        db.table("segment_results").insert_all(({"run_id": run_id, **r} for r in segment_rows), batch_size=2000)
        db.table("assignments").insert_all(({"run_id": run_id, **r} for r in assignment_rows), batch_size=2000)
        db.table("pain_points").insert_all(({"run_id": run_id, **r} for r in pain_point_rows), batch_size=500)
        db.table("runs").update(run_id, done)


def fail_run(db: sqlite_utils.Database, run_id: int, error: str) -> None:
    db.table("runs").update(run_id, {"status": "failed", "finished_at": now(), "error": error[:2000]})


def latest_run(db: sqlite_utils.Database) -> dict | None:
    return find_run(db)


def run_row(db: sqlite_utils.Database, run_id: int) -> dict:
    """A run by id, whatever its status (the analysis reads its own and its base run)."""
    return db.table("runs").get(run_id)


def run_status(db: sqlite_utils.Database, run_id: int) -> str | None:
    """A run's status ('running', 'complete', 'pruned'...), None when no run has that id."""
    row = db.execute("SELECT status FROM runs WHERE id = ?", [run_id]).fetchone()
    return row[0] if row else None


def find_run(
    db: sqlite_utils.Database, run_id: int | None = None, *, taxonomy_version: str | None = None
) -> dict | None:
    """The one rule for which run a read reads: a completed run, the given one, else the latest (made with
    `taxonomy_version`, when given); None when there is none. Runs running, failed or abandoned are never read."""
    if run_id is not None:
        rows = list(db.query("SELECT * FROM runs WHERE id = ? AND status = 'complete'", [run_id]))
    elif taxonomy_version is not None:
        sql = "SELECT * FROM runs WHERE status = 'complete' AND taxonomy_version = ? ORDER BY id DESC LIMIT 1"
        rows = list(db.query(sql, [taxonomy_version]))
    else:
        rows = list(db.query("SELECT * FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1"))
    return rows[0] if rows else None


def run_encoder(run: dict) -> str | None:
    """The registry name of the encoder `run` was mined with (`fast` for the batch profile), to load it again;
    None for a run that predates the record (or used an encoder built outside the registry)."""
    import json

    return json.loads(run.get("params") or "{}").get("encoder")


# What a run records of the code and numbers behind its figures (`run_provenance`), by the params key it is under:
# the tool's version (miner/version.py), the encoders' precision (fp32 or bf16, miner/embed/bert.py) and the complaint
# threshold the corpus gave (miner/complaints/calibrate.py). Each None for a run made before it was recorded.
PROVENANCE = {"version": "version", "precision": "precision", "complaint_threshold": "corpus_complaint_threshold"}


def run_provenance(run: dict) -> dict:
    """`run`'s `PROVENANCE`, as it recorded them when it ran: {"version", "precision", "complaint_threshold"}."""
    params = json.loads(run.get("params") or "{}")
    return {name: params.get(key) for name, key in PROVENANCE.items()}


def resolve_run(db: sqlite_utils.Database, run_id: int | None = None) -> dict:
    """`find_run`, or an error that says what to do (for the CLI and the report)."""
    run = find_run(db, run_id)
    if run is not None:
        return run
    if run_id is not None:
        status = run_status(db, run_id)
        readable = _completed(db)
        if status == PRUNED:
            raise MinerError(f"run {run_id} was pruned (its results are deleted): {readable}")
        if status is None:
            raise MinerError(f"run {run_id}: the database has no such run; {readable}")
        raise MinerError(f"run {run_id} is not a completed run ({status}): {readable}")
    last = db.execute("SELECT id, status FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    if last is not None:
        state = "is still running" if last[1] == "running" else f"did not finish ({last[1]})"
        raise MinerError(
            f"the database has no completed run yet: run {last[0]} {state}; run the same `touchpoints mine` again "
            "(the feedback it imported is stored and is not imported twice)"
        )
    raise MinerError("the database has no completed run yet: mine some feedback first (touchpoints mine FILE)")


def _completed(db: sqlite_utils.Database, shown: int = 10) -> str:
    """What to read instead, by the completed runs' ids (the latest `shown` of them)."""
    ids = [r[0] for r in db.execute("SELECT id FROM runs WHERE status = 'complete' ORDER BY id")]
    if not ids:
        return "no run is complete yet: mine some feedback first"
    if len(ids) == 1:
        return f"read run {ids[0]}, the one completed run (touchpoints runs list)"
    last = [str(i) for i in ids[-shown:]]
    earlier = f" (or one of {len(ids) - shown} earlier)" if len(ids) > shown else ""
    return f"read one of runs {', '.join(last[:-1])} or {last[-1]}{earlier} (touchpoints runs list)"


def run_taxonomy(run: dict) -> Taxonomy:
    """The taxonomy a run was made with (parsed once per distinct payload)."""
    return _parse_taxonomy(run["taxonomy"])


@lru_cache(maxsize=16)
def _parse_taxonomy(payload: str) -> Taxonomy:
    # Validating the default taxonomy (1,400+ examples) on every request would cost more than the query.
    return Taxonomy.model_validate_json(payload)


def run_fit(run: dict) -> dict | None:
    """The fit a run stored (`Fit.to_dict()`); None for a run made before fits were stored, or with none."""
    payload = run.get("fit")
    if not payload:
        return None
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def stored_fit(db: sqlite_utils.Database, run_id: int) -> dict | None:
    """`run_fit` of run `run_id` without reading the rest of its row (the taxonomy payload is large)."""
    rows = list(db.query("SELECT fit FROM runs WHERE id = ?", [run_id]))
    return run_fit(rows[0]) if rows else None


PRUNED = "pruned"


@dataclass
class Pruned:
    """What `prune_runs` deleted (or, with `dry_run`, would delete): the runs, and their rows per table."""

    runs: list[int]
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def runs_to_prune(db: sqlite_utils.Database, keep: int) -> list[int]:
    """The completed runs older than the `keep` newest completed ones (oldest first), but for the base of a run
    still running. Runs running, failed or abandoned hold no results and are left as they are; so is every run
    newer than the oldest one kept."""
    if keep < 1:
        raise ValueError("keep at least one completed run: the latest is what every read and the next run use")
    newest = "SELECT id FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT ?"
    kept = [r["id"] for r in db.query(newest, [bounded(keep)])]
    if len(kept) < keep:
        return []
    # nor the base of a run still running: an incremental run copies its base's results when it finishes
    sql = """SELECT id FROM runs WHERE status = 'complete' AND id < ? AND id NOT IN
             (SELECT base_run_id FROM runs WHERE status = 'running' AND base_run_id IS NOT NULL) ORDER BY id"""
    return [r["id"] for r in db.query(sql, [min(kept)])]


# Constant SQL per table (no table name is interpolated): the rows of the runs listed in temp.pruning.
_COUNT = {
    "segment_results": "SELECT COUNT(*) FROM segment_results WHERE run_id IN (SELECT id FROM temp.pruning)",
    "assignments": "SELECT COUNT(*) FROM assignments WHERE run_id IN (SELECT id FROM temp.pruning)",
    "pain_points": "SELECT COUNT(*) FROM pain_points WHERE run_id IN (SELECT id FROM temp.pruning)",
    "pain_point_changes": "SELECT COUNT(*) FROM pain_point_changes WHERE run_id IN (SELECT id FROM temp.pruning)",
    "corpus_heads": "SELECT COUNT(*) FROM corpus_heads WHERE run_id IN (SELECT id FROM temp.pruning)",
}
_DELETE = {
    "segment_results": "DELETE FROM segment_results WHERE run_id IN (SELECT id FROM temp.pruning)",
    "assignments": "DELETE FROM assignments WHERE run_id IN (SELECT id FROM temp.pruning)",
    "pain_points": "DELETE FROM pain_points WHERE run_id IN (SELECT id FROM temp.pruning)",
    "pain_point_changes": "DELETE FROM pain_point_changes WHERE run_id IN (SELECT id FROM temp.pruning)",
    "corpus_heads": "DELETE FROM corpus_heads WHERE run_id IN (SELECT id FROM temp.pruning)",
}
# Every table that holds rows of one run. A run copies what it extends (`carry_forward`, its corpus head), so deleting
# an older run's rows loses nothing a later run reads.
RUN_TABLES = tuple(_DELETE)


def prune_runs(db: sqlite_utils.Database, keep: int, *, dry_run: bool = False) -> Pruned:
    """Delete the results of every completed run older than the `keep` newest (`runs_to_prune`), in one
    transaction. Each run keeps its row in `runs` (when, with which models and taxonomy, its counts, its fit) with
    the status `pruned`, so a run that names it as its base still says where it came from. A nightly
    `--incremental` run copies its base's results, so a database that lives for months grows by one copy per run
    until old runs are pruned; the file shrinks only after `vacuum`."""
    ids = runs_to_prune(db, keep)
    tables = [t for t in RUN_TABLES if db.table(t).exists()]
    rows = dict.fromkeys(tables, 0)
    if not ids:
        return Pruned([], rows)
    with db.atomic():
        db.execute("CREATE TEMP TABLE IF NOT EXISTS pruning (id INTEGER PRIMARY KEY)")
        db.execute("DELETE FROM temp.pruning")
        db.conn.executemany("INSERT INTO temp.pruning (id) VALUES (?)", [(i,) for i in ids])
        for table in tables:
            if dry_run:
                rows[table] = db.execute(_COUNT[table]).fetchone()[0]
            else:
                rows[table] = db.execute(_DELETE[table]).rowcount
        if not dry_run:
            db.execute("UPDATE runs SET status = 'pruned' WHERE id IN (SELECT id FROM temp.pruning)")
        db.execute("DELETE FROM temp.pruning")
    return Pruned(ids, rows)


def vacuum(db: sqlite_utils.Database) -> None:
    """Rewrite the file without its free pages (after `prune_runs`): it needs as much free disk again as the file
    and holds the write lock while it runs. In WAL mode VACUUM writes the smaller file into the log: the checkpoint
    moves it into the file (which only then shrinks) and empties the log."""
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


RUN_LIST_COLUMNS = (
    "id",
    "status",
    "mode",
    "base_run_id",
    "started_at",
    "finished_at",
    "taxonomy_name",
    "taxonomy_version",
    "taxonomy_fingerprint",
    "embedding_model",
    "documents",
    "segments",
    "complaints",
    "error",
    *PROVENANCE,
)  # fmt: skip  (the fingerprint: an edit under one version changes it)


def list_runs(db: sqlite_utils.Database, limit: int | None = None) -> list[dict]:
    """Every run, newest first, with what `touchpoints runs list` shows (`PROVENANCE` read from its params)."""
    columns = [f"json_extract(params, '$.{PROVENANCE[c]}') AS {c}" if c in PROVENANCE else c for c in RUN_LIST_COLUMNS]
    sql = f"SELECT {', '.join(columns)} FROM runs ORDER BY id DESC" + (" LIMIT ?" if limit else "")
    return list(db.query(sql, [bounded(limit)] if limit else []))


def still_the_latest(db: sqlite_utils.Database, base_run: int) -> None:
    """Refuse to finish an incremental run whose base is no longer what it extends: pruned while it ran (it would
    carry nothing forward and complete with no pain points), or followed by a refit another `mine` finished
    meanwhile (it would become the latest run and hide the refit). Its items stay stored: the next run takes them."""
    latest = latest_run(db)
    if latest is not None and latest["id"] == base_run:
        return
    why = (
        f"run {latest['id']} finished while it ran"
        if latest is not None and latest["id"] > base_run
        else f"run {base_run}'s results were pruned while it ran"
    )
    raise MinerError(
        f"this incremental run extended run {base_run}, but {why}: mine again with --incremental (the items it "
        "imported are stored and the next run files them)"
    )
