"""Concurrent load on a real server (a bounded run of reliability/load.py; `make reliability` runs 8 uploaders
and 200 readers for 60 s): no errors and no "database is locked"."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reliability.load import load_test, percentile  # noqa: E402


def test_percentile():
    assert percentile([], 0.95) == 0.0
    assert percentile(list(range(101)), 0.95) == 95


def test_uploads_runs_and_reads_at_once(tmp_path):
    result = load_test(tmp_path, uploaders=2, readers=20, duration_s=10, seed_rows=40)
    assert result["errors"] == 0, result["first_errors"]
    assert result["database_locked"] == 0
    assert result["server_tracebacks"] == 0
    assert result["reads"] > 20 and result["uploads"] >= 2 and result["runs_failed"] == 0
    assert result["read_p95_ms"] > 0
