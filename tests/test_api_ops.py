"""Operating the server: one server per main database, a full disk, a database from a newer version."""

from __future__ import annotations

import subprocess
import sys

from api.db import insert_job, job_row, open_control
from api.testing import ROOT, free_port, serve

ENV = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake"}


def _job(db, job_id: str, status: str) -> None:
    control = open_control(db)
    try:
        row = {"id": job_id, "workspace": "w", "status": status, "progress": 0.1, "created_at": "2026-01-01T00:00:00"}
        insert_job(control, row)
        control.conn.commit()
    finally:
        control.close()


def _status(db, job_id: str) -> str:
    control = open_control(db)
    try:
        return job_row(control, job_id)["status"]
    finally:
        control.close()


def test_a_second_server_on_the_same_database_stops_and_leaves_the_first_ones_runs(tmp_path):
    """A second `serve` marked the first one's running jobs failed at its start-up, though it then stopped on
    "address already in use"; now it stops before touching anything, naming the server that holds the database."""
    db = tmp_path / "main.db"
    _job(db, "run_left", "running")  # left by a server that has gone: the next server marks it failed
    with serve(db, ENV) as first:
        assert _status(db, "run_left") == "failed"
        _job(db, "run_live", "running")  # the first server's, in progress
        cmd = [sys.executable, "-m", "miner", "serve", "--db", str(db), "--port", str(free_port())]
        second = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = second.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            second.terminate()
            second.communicate()
            raise AssertionError("the second server started") from None
        assert second.returncode == 75, err
        assert f"another `touchpoints serve` (process {first.pid} " in err
        assert "Stop that one first" in err
        assert _status(db, "run_live") == "running"
