"""Operating the server: one server per main database, a full disk, a database from a newer version."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import httpx
import uvicorn

from api.db import insert_job, job_row, open_control
from api.keys import create_key
from api.testing import ROOT, free_port, serve, wait_for_run

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


@contextmanager
def serve_here(db, **settings):
    """The app on uvicorn in a thread of this process, so a test can make its writes fail as a full disk does."""
    from api.main import create_app
    from api.settings import Settings

    port = free_port()
    config = uvicorn.Config(create_app(Settings(db=db, embedding_model="fake", **settings)), host="127.0.0.1",
                            port=port, log_level="warning")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _until(check, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


def test_a_full_disk_answers_507_and_no_run_stays_running(tmp_path, monkeypatch):
    """With the disk full, an upload answered 500 "(OSError)", the worker died recording its run's failure, the run
    stayed 'running' (409 run_in_progress for every later run) and /healthz said ok. Now uploads answer 507, the
    run's end is recorded once there is room, the worker goes on, and /readyz says what is wrong meanwhile."""
    import shutil

    import api.db
    from miner.pipeline.core import Pipeline

    full = threading.Event()
    real_copy, real_update, real_import = shutil.copyfileobj, api.db.update_job, Pipeline.import_paths

    def copy(*args, **kwargs):
        if full.is_set():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(*args, **kwargs)

    def update(db, job_id, fields):
        if full.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        return real_update(db, job_id, fields)

    def import_paths(self, *args, **kwargs):
        if full.is_set():
            raise sqlite3.OperationalError("database or disk is full")
        return real_import(self, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfileobj", copy)
    monkeypatch.setattr(api.db, "update_job", update)
    monkeypatch.setattr(Pipeline, "import_paths", import_paths)
    db = tmp_path / "main.db"
    control = open_control(db)
    key = create_key(control, "w")
    control.close()
    with serve_here(db, workers=1) as url, httpx.Client(base_url=url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        assert client.get("/readyz").json() == {"status": "ready", "problems": []}
        upload = {"file": ("a.csv", b"id,text\n1,The courier was late.\n2,Refund never came.\n", "text/csv")}
        assert client.post("/v1/datasets", files=upload).status_code == 201
        full.set()
        refused = client.post("/v1/datasets", files=upload)
        assert refused.status_code == 507, refused.text
        assert refused.json()["code"] == "insufficient_storage"
        assert "disk" in refused.json()["message"] and "full" in refused.json()["message"]
        stuck = client.post("/v1/runs", json={}).json()["id"]  # the job's row is written; its import is refused
        ready = _until(lambda: (r := client.get("/readyz")).status_code == 503 and r.json())
        assert ready["status"] == "unavailable" and stuck in ready["problems"][-1]
        full.clear()  # room again
        again = client.post("/v1/runs", json={})
        assert again.status_code == 202, again.text
        failed = client.get(f"/v1/runs/{stuck}").json()
        assert failed["status"] == "failed" and "disk" in failed["error"], failed
        final, _ = wait_for_run(client, again.json()["id"])  # the one worker lived on
        assert final["status"] == "complete", final
        assert client.get("/readyz").json()["status"] == "ready"


def _future(db, migration_set: str) -> None:
    """Record a migration this version does not know, as a newer version's would be."""
    conn = sqlite3.connect(db)
    row = (migration_set, "m999_from_the_future", "2027-01-01")
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)", row)
    conn.commit()
    conn.close()


def test_the_server_refuses_databases_a_newer_version_wrote(tmp_path):
    """A workspace a newer version had migrated was served, and GET /v1/pain-points answered 500 KeyError; now
    `serve` stops at its start, naming the file, and so does a main database a newer version wrote."""
    from api.db import open_workspace

    main = tmp_path / "main.db"
    open_control(main).close()
    open_workspace(tmp_path / "main.workspaces", "w").close()
    _future(tmp_path / "main.workspaces" / "w.db", "touchpoint_miner")
    _refused(main, "w.db")
    (tmp_path / "main.workspaces" / "w.db").unlink()
    _future(main, "touchpoint_api")
    _refused(main, "main.db")


def _refused(main, newer: str) -> None:
    cmd = [sys.executable, "-m", "miner", "serve", "--db", str(main), "--port", str(free_port())]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"{newer} was written by a newer touchpoint-miner" in proc.stderr
    assert "upgrade touchpoint-miner, or restore a backup" in proc.stderr


def test_the_server_refuses_a_spacy_model_that_is_not_there(tmp_path):
    """TOUCHPOINTS_SPACY_MODEL=nope: the server started, a run completed and its stored run named 'nope', which
    never ran; now `serve` stops at its start and says so."""
    import os

    cmd = [sys.executable, "-m", "miner", "serve", "--db", str(tmp_path / "main.db"), "--port", str(free_port())]
    env = {**os.environ, **ENV, "TOUCHPOINTS_SPACY_MODEL": "nope"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "TOUCHPOINTS_SPACY_MODEL: spaCy model 'nope' not found" in proc.stderr


def test_progress_moves_during_the_import(tmp_path):
    """A 6,000-row run read 'running 0.05 Importing slow.csv' all through its import, then jumped to 0.35: the
    import's stage had no weight and reported no bytes for a file under 16 MiB. Now it moves as the file is read."""
    rows = "".join(f"{i},The courier number {i} was late and the soup arrived cold again.\n" for i in range(6000))
    with serve(tmp_path / "main.db", ENV) as server, server.client(server.key("w")) as client:
        upload = {"file": ("slow.csv", ("id,text\n" + rows).encode(), "text/csv")}
        assert client.post("/v1/datasets", files=upload).status_code == 201
        final, states = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
    assert final["status"] == "complete", final
    importing = [s["progress"] for s in states if (s.get("stage") or "").startswith("Importing")]
    assert importing and max(importing) > 0.1, states
