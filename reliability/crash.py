"""Crash safety: SIGKILL `touchpoints mine` at random points, resume it, and compare the final database with
that of an uninterrupted run (documents, segments, imports, the latest run's results and counts)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def mine_cmd(corpus: Path, db: Path, embedding_model: str) -> list[str]:
    return [sys.executable, "-m", "miner", "mine", str(corpus), "--db", str(db), "--embedding-model", embedding_model]


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "200"}


def start(corpus: Path, db: Path, embedding_model: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            mine_cmd(corpus, db, embedding_model), cwd=ROOT, env=_env(), stdout=out, stderr=subprocess.STDOUT
        )


def integrity(db: Path) -> str:
    if not db.exists():
        return "ok"  # killed before the file was created
    con = sqlite3.connect(db)
    try:
        return ";".join(r[0] for r in con.execute("PRAGMA integrity_check"))
    finally:
        con.close()


def _rows(con: sqlite3.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    return sorted(tuple(round(v, 5) if isinstance(v, float) else v for v in r) for r in con.execute(sql, params))


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """What must be equal between an interrupted-and-resumed database and an uninterrupted one."""
    con = sqlite3.connect(db)
    try:
        run = con.execute("SELECT id FROM runs WHERE status = 'complete' ORDER BY id DESC LIMIT 1").fetchone()
        run_id = run[0] if run else -1
        seg = "JOIN segments s ON s.id = x.segment_id"
        return {
            "documents": _rows(
                con, "SELECT id, source, source_id, kind, title, text, rating, date, meta FROM documents"
            ),
            "segments": _rows(con, 'SELECT document_id, idx, speaker, text, hash, start, "end" FROM segments'),
            "imports": _rows(con, "SELECT source, sha256, sum(added) FROM imports GROUP BY source, sha256"),
            "segment_results": _rows(
                con,
                f"SELECT s.document_id, s.idx, complaint, touchpoint FROM segment_results x {seg} WHERE run_id = ?",
                (run_id,),
            ),
            "assignments": _rows(
                con, f"SELECT s.document_id, s.idx, touchpoint, subtouchpoint, rank, pain_point_id FROM assignments x "
                f"{seg} WHERE run_id = ?", (run_id,),
            ),
            "pain_points": _rows(con, "SELECT id, touchpoint, label, complaints FROM pain_points WHERE run_id = ?",
                                 (run_id,)),
            "counts": _rows(con, "SELECT documents, segments, complaints FROM runs WHERE id = ?", (run_id,)),
            "running": _rows(con, "SELECT id FROM runs WHERE status = 'running'"),
        }  # fmt: skip
    finally:
        con.close()


def _last_run(db: Path) -> int:
    if not db.exists():
        return 0
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT max(id) FROM runs").fetchone()[0] or 0
    except sqlite3.OperationalError:  # no runs table yet
        return 0
    finally:
        con.close()


def _state(db: Path, after_run: int = 0) -> str:
    """Where the killed process had got to: nothing stored, documents imported, or a run under way/complete."""
    if not db.exists():
        return "before the database"
    con = sqlite3.connect(db)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "documents" not in tables or not con.execute("SELECT count(*) FROM documents").fetchone()[0]:
            return "before the import committed"
        statuses = [r[0] for r in con.execute("SELECT status FROM runs WHERE id > ? ORDER BY id DESC", (after_run,))]
        if not statuses:
            return "after the import, before the run started"
        return "during analysis" if statuses[0] == "running" else "after the run completed"
    finally:
        con.close()


def crash_test(corpus: Path, workdir: Path, kills: int, *, embedding_model: str = "fake", seed: int = 8) -> dict:
    """Kill the mining process `kills` times at random points of a run, resume, and compare with a clean run."""
    workdir.mkdir(parents=True, exist_ok=True)
    ref_db, db, log = workdir / "reference.db", workdir / "killed.db", workdir / "mine.log"
    for path in (ref_db, db):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    t0 = time.monotonic()
    reference = start(corpus, ref_db, embedding_model, workdir / "reference.log")  # alongside the kills (2 cores)
    window = None
    kill_log: list[dict] = []
    for i in range(kills):
        if window is None and reference.poll() is not None:
            window = time.monotonic() - t0
        # Half the kills at a uniform time in the run's window (mostly start-up and import on a small sample),
        # half once the analysis is under way (the import committed, the run 'running'), plus a random delay.
        during_analysis = i % 2 == 1
        last_run = _last_run(db)
        proc = start(corpus, db, embedding_model, log)
        started = time.monotonic()
        if during_analysis:
            while proc.poll() is None and _state(db, last_run) != "during analysis":
                time.sleep(0.05)
            deadline = time.monotonic() + rng.uniform(0.0, 2.0)
        else:
            deadline = started + rng.uniform(0.5, window or 20.0)
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        state = "finished before the kill" if finished else _state(db, last_run)
        kill_log.append(
            {"kill": i + 1, "at_s": round(time.monotonic() - started, 1), "state": state, "integrity": integrity(db)}
        )
    if reference.wait() != 0:
        raise RuntimeError(f"the uninterrupted run failed: {(workdir / 'reference.log').read_text()[-2000:]}")
    resumed = start(corpus, db, embedding_model, log)
    if resumed.wait() != 0:
        raise RuntimeError(f"the resumed run failed: {log.read_text()[-2000:]}")
    want, got = snapshot(ref_db), snapshot(db)
    ref_docs, docs = {r[0] for r in want["documents"]}, [r[0] for r in got["documents"]]
    mismatched = sorted(k for k in want if want[k] != got[k])
    return {
        "kills": kills,
        "kills_by_state": {s: sum(k["state"] == s for k in kill_log) for s in {k["state"] for k in kill_log}},
        "integrity_ok": sum(k["integrity"] == "ok" for k in kill_log) + (integrity(db) == "ok"),
        "integrity_checks": kills + 1,
        "documents": len(docs),
        "segments": len(got["segments"]),
        "assignments": len(got["assignments"]),
        "lost_documents": len(ref_docs - set(docs)),
        "duplicated_documents": len(docs) - len(set(docs)),
        "lost_segments": len(set(want["segments"]) - set(got["segments"])),
        "duplicated_segments": len(got["segments"]) - len(set(got["segments"])),
        "mismatched_tables": mismatched,
        "equal": not mismatched,
        "kill_log": kill_log,
        "seconds": round(time.monotonic() - t0, 1),
    }
