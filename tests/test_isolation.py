"""Workspace isolation (reliability/isolation.py, run in full here too): every route with no key and with
another workspace's ids; keys hashed at rest; upload names cannot escape; SQL is parameterised."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reliability.isolation import isolation_test, routes, sql_fstrings  # noqa: E402


def test_no_route_crosses_workspaces(tmp_path):
    result = isolation_test(tmp_path)
    assert result["routes"] >= 14
    assert result["cross_workspace_reads"] == 0, result["leak_examples"]
    assert result["cross_workspace_writes"] == 0
    assert result["unauthenticated_not_401"] == 0
    assert result["server_errors"] == 0
    assert result["keys_in_clear_at_rest"] == result["keys_in_log"] == 0
    assert result["files_written_outside_upload_folder"] == 0, result["outside_examples"]


def test_sql_fstrings_interpolate_only_reviewed_fragments():
    found = sql_fstrings()
    assert found, "the scan found no SQL f-strings at all: is it still looking at the right files?"
    assert [s for s in found if s["unreviewed"]] == []


def test_routes_come_from_the_app():
    assert ("GET", "/v1/pain-points") in routes() and ("DELETE", "/v1/runs/{run_id}") in routes()


def test_control_database_waits_for_the_write_lock(tmp_path):
    """Two connections: a write transaction that reads first waits for the other writer (no 'database is
    locked' at once, which a deferred BEGIN gives in WAL mode when the snapshot is stale)."""
    import threading

    from api.db import connect

    one, two = connect(tmp_path / "c.db"), connect(tmp_path / "c.db")
    one.execute("CREATE TABLE t (x INTEGER)")
    one.conn.commit()
    two.execute("SELECT count(*) FROM t").fetchall()
    one.conn.execute("BEGIN IMMEDIATE")
    one.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.3, lambda: one.conn.execute("COMMIT")).start()
    with two.atomic():
        two.execute("SELECT count(*) FROM t").fetchall()
        two.table("t").insert({"x": 2})
    assert two.execute("SELECT count(*) FROM t").fetchone()[0] == 2
