"""Crash safety (a bounded run of reliability/crash.py; `make reliability` kills 20 times on the full corpus):
SIGKILL `touchpoints mine` three times, resume, and the database equals an uninterrupted run's."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reliability.crash import crash_test  # noqa: E402


def test_killed_mining_resumes_to_the_same_database(tmp_path):
    corpus = tmp_path / "sample"
    corpus.mkdir()
    lines = (ROOT / "corpora" / "food_delivery" / "reviews.csv").read_text(encoding="utf-8").splitlines()
    (corpus / "reviews.csv").write_text("\n".join(lines[:21]) + "\n", encoding="utf-8")
    result = crash_test(corpus, tmp_path / "work", kills=3)
    assert result["integrity_ok"] == result["integrity_checks"] == 4, result["kill_log"]
    assert result["lost_documents"] == result["duplicated_documents"] == 0
    assert result["documents"] == 20 and result["segments"] > 20
    assert result["equal"], result["mismatched_tables"]
