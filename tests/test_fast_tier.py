"""The batch-job path end to end: `touchpoints setup-fast` distils the fast tier from the packaged MiniLM, then
`mine --profile batch` (the fast tier, regex clauses) on the demo corpus still finds the case study's touchpoints."""

from __future__ import annotations

import json

import pytest
from test_e2e_demo import CORPUS, touchpoints

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    pytest.importorskip("model2vec", reason="the fast tier is the optional extra .[fast]; make test installs it")
    out = tmp_path_factory.mktemp("fast")
    db, summary = out / "fast.db", out / "summary.json"
    setup = touchpoints("setup-fast")
    mined = touchpoints(
        "mine", str(CORPUS), "--db", str(db), "--profile", "batch", "--json-out", str(summary),
    )  # fmt: skip
    return setup, mined, db, json.loads(summary.read_text())


def test_setup_fast_builds_the_projected_model_once(fast_run):
    setup, *_ = fast_run
    assert "fast embedding tier ready in" in setup.stdout
    again = touchpoints("setup-fast")  # the second call finds the model and returns at once
    assert again.stdout == setup.stdout


def test_fast_batch_path_finds_the_case_study(fast_run):
    *_, db, summary = fast_run
    top5 = [t["id"] for t in summary["touchpoints"][:5]]
    assert "website" in top5 and "contact_center" in top5, top5
    import sqlite3

    run = sqlite3.connect(db).execute("SELECT embedding_model, segmenter FROM runs ORDER BY id DESC").fetchone()
    assert run[0].startswith("m2v:minilm-fast-") and run[1] == "rules"  # named after its recipe and texts


def test_unknown_segmenter_is_a_clear_error():
    proc = touchpoints("mine", str(CORPUS), "--db", "/nonexistent/x.db", "--segmenter", "nltk", check=False)
    assert proc.returncode == 2 and "--segmenter nltk: use spacy or rules" in proc.stderr


def test_unknown_mapper_or_eval_segmenter_is_a_clear_error_not_a_traceback(tmp_path):
    db = tmp_path / "untouched.db"
    proc = touchpoints("mine", str(CORPUS), "--db", str(db), "--mapper", "bm25", check=False)
    assert proc.returncode == 2 and "--mapper bm25: use examples or centroid" in proc.stderr
    assert "Traceback" not in proc.stderr and not db.exists()  # refused before anything was imported
    sample = CORPUS.parents[1] / "tests" / "data" / "eval_sample.jsonl"
    for option, value in (("--mapper", "bm25"), ("--segmenter", "nltk")):
        proc = touchpoints("eval", str(sample), option, value, check=False)
        assert proc.returncode == 2 and f"{option} {value}: use" in proc.stderr


def test_a_missing_path_or_a_bad_engine_creates_no_database(tmp_path):
    db = tmp_path / "stray.db"
    proc = touchpoints("mine", str(tmp_path / "exports.csv"), "--db", str(db), check=False)
    assert proc.returncode == 2 and "exports.csv: no such file or folder" in proc.stderr
    (tmp_path / "empty").mkdir()
    proc = touchpoints("mine", str(tmp_path / "empty"), "--db", str(db), check=False)
    assert proc.returncode == 2 and "no feedback files found" in proc.stderr
    proc = touchpoints("mine", str(CORPUS), "--db", str(db), "--engine", "spark", check=False)
    assert proc.returncode == 2 and "--engine spark: use local or ray" in proc.stderr
    assert not db.exists()


def test_serve_and_keys_say_what_is_wrong_without_a_traceback(tmp_path):
    proc = touchpoints("serve", "--db", str(tmp_path / "s.db"), "--port", "99999", check=False)
    assert proc.returncode == 2 and "--port" in proc.stderr and "Traceback" not in proc.stderr
    proc = touchpoints("keys", "list", "--db", str(tmp_path / "s.db"), check=False)
    assert proc.returncode == 0 and proc.stdout == "" and "No keys yet: create one" in proc.stderr
