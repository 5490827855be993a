"""End to end on the real models: the demo corpus through the CLI, into a real SQLite file, and back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "food_delivery"
pytestmark = pytest.mark.e2e


def touchpoints(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "miner", *args], capture_output=True, text=True, cwd=ROOT, timeout=900)
    if check and proc.returncode != 0:
        raise AssertionError(f"touchpoints {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_mined):
    """`touchpoints mine corpora/food_delivery --db demo.db --json-out summary.json`, as conftest's `demo_mined`
    runs it once for this module and the browser test, copied here: these tests mine it again and correct it."""
    from conftest import copy_db

    db, summary = demo_mined
    return copy_db(db, tmp_path_factory.mktemp("demo")), summary


def test_case_study_finding(demo):
    _, summary = demo
    top5 = [t["id"] for t in summary["touchpoints"][:5]]
    assert "website" in top5 and "contact_center" in top5, top5
    website = next(t for t in summary["touchpoints"] if t["id"] == "website")
    labels = " ".join(p["label"].lower() for p in website["pain_points"])
    quotes = " ".join(e["text"].lower() for p in website["pain_points"] for e in p["examples"])
    # The hidden information of the case study: delivery charges, delivery times, contact details.
    assert any(w in labels for w in ("fee", "charge", "cost", "deliver", "contact", "phone", "number")), labels
    assert any(w in quotes for w in ("fee", "charge", "phone", "contact", "how long")), quotes
    contact = next(t for t in summary["touchpoints"] if t["id"] == "contact_center")
    quotes = " ".join(e["text"].lower() for p in contact["pain_points"] for e in p["examples"])
    assert any(w in quotes for w in ("hold", "wait", "queue", "phone", "call", "minutes")), quotes


def test_run_records_the_tuned_encoder_its_complaint_head_and_context_weight(demo):
    import sqlite3

    db, _ = demo
    con = sqlite3.connect(db)
    model, params = con.execute("SELECT embedding_model, params FROM runs ORDER BY id").fetchone()
    assert model.startswith("st:minilm-tuned-"), model
    params = json.loads(params)
    assert params["context_weight"] > 0
    assert params["complaint_model"].startswith("head:minilm-complainthead-"), params
    # The tuned encoder reads every segment, a clause of several words inside its item (miner/embed/spans.py), and
    # its cache keeps the vector for the next run; the complaint head reads those vectors, so nothing is stored
    # under its name.
    from itertools import groupby

    from miner.embed.bert import resolve_precision
    from miner.embed.spans import SUFFIX, as_read, span_keys
    from miner.segment.segmenter import text_hash
    from miner.touchpoints.normalise import for_mapping

    # where the chip has bfloat16 the encoder computes in it (miner/embed/bert.py) and its vectors are stored apart
    assert params["precision"] == resolve_precision(), params
    key = model if params["precision"] == "fp32" else f"{model}+bf16"
    rows = con.execute("SELECT document_id, text FROM segments ORDER BY id").fetchall()
    items = [[t for _, t in g] for _, g in groupby(rows, key=lambda r: r[0])]
    keys = span_keys(as_read(items, for_mapping))
    wanted = [(key + SUFFIX, k) if k else (key, text_hash(t)) for t, k in zip(sum(items, []), keys, strict=True)]
    cached = set(con.execute("SELECT model, hash FROM embeddings").fetchall())
    assert [w for w in wanted if w not in cached] == []
    assert sum(k is not None for k in keys) > len(keys) / 3  # most clauses were read inside their items
    stored = "SELECT COUNT(*) FROM embeddings WHERE model = ?"
    assert con.execute(stored, [params["complaint_model"]]).fetchone()[0] == 0


def test_pain_points_are_readable_with_quotes(demo):
    _, summary = demo
    for tp in summary["touchpoints"][:5]:
        assert tp["pain_points"], tp["id"]
        for pp in tp["pain_points"]:
            assert pp["label"] and not pp["label"][0].isdigit() and "_" not in pp["label"]
            assert pp["examples"] and all(e["text"] for e in pp["examples"])
        assert sum(p["complaints"] for p in tp["pain_points"]) <= tp["complaints"]


def test_database_reopens_and_rerun_is_identical(demo):
    db, summary = demo
    again = json.loads(touchpoints("top", "--db", str(db), "--format", "json", "--limit", "5").stdout)
    assert [(t["id"], t["complaints"]) for t in again["touchpoints"]] == [
        (t["id"], t["complaints"]) for t in summary["touchpoints"][:5]
    ]
    proc = touchpoints("mine", str(CORPUS), "--db", str(db), "--json-out", str(db.with_suffix(".2.json")))
    assert " 0 new" in proc.stderr
    rerun = json.loads(db.with_suffix(".2.json").read_text())
    assert rerun["run"]["id"] == summary["run"]["id"] + 1
    assert pain_point_counts(rerun) == pain_point_counts(summary)


def test_csv_and_touchpoint_filter(demo):
    db, _ = demo
    csv_out = touchpoints("top", "--db", str(db), "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("touchpoint,name,stage")
    assert len(csv_out) > 3
    one = json.loads(touchpoints("top", "--db", str(db), "--touchpoint", "website", "--format", "json").stdout)
    assert [t["id"] for t in one["touchpoints"]] == ["website"]
    bad = touchpoints("top", "--db", str(db), "--touchpoint", "nope", check=False)
    assert bad.returncode == 2 and "unknown touchpoint 'nope'" in bad.stderr


def test_bad_file_is_one_sentence_and_db_unchanged(demo, tmp_path):
    db, _ = demo
    before = touchpoints("top", "--db", str(db), "--format", "json").stdout
    bad = tmp_path / "broken.json"
    bad.write_text('[{"text": "late"}, {"text": ')
    proc = touchpoints("mine", str(bad), "--db", str(db), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("Error:") and "broken.json" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert touchpoints("top", "--db", str(db), "--format", "json").stdout == before


def pain_point_counts(result: dict) -> list:
    return [
        (t["id"], t["complaints"], [(p["label"], p["complaints"]) for p in t["pain_points"]])
        for t in result["touchpoints"]
    ]


def test_corrections_teach_the_next_run_to_find_complaints(demo, tmp_path):
    """Real models, a copy of the demo database: the clauses the run scored just under its complaint threshold,
    filed as corrections, are complaints in the next run (before corrections taught the detector they stayed out)."""
    import shutil
    import sqlite3

    import yaml

    db, _ = demo
    copy = tmp_path / "corrected.db"
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as con:
        (first,) = con.execute("SELECT MAX(id) FROM runs").fetchone()
        near = con.execute(
            "SELECT s.id, s.text FROM segment_results r JOIN segments s ON s.id = r.segment_id WHERE r.run_id = ?"
            " AND r.complaint = 0 AND length(s.text) > 25 ORDER BY r.complaint_score DESC LIMIT 3",
            [first],
        ).fetchall()
    assert len(near) == 3
    taxonomy = yaml.safe_load((ROOT / "taxonomies" / "default.yaml").read_text(encoding="utf-8"))
    taxonomy["corrections"] = [{"text": text, "touchpoint": "website"} for _, text in near]
    corrected = tmp_path / "corrected.yaml"
    corrected.write_text(yaml.safe_dump(taxonomy, allow_unicode=True), encoding="utf-8")
    touchpoints("mine", str(CORPUS), "--db", str(copy), "--taxonomy", str(corrected))
    with sqlite3.connect(copy) as con:
        (second,) = con.execute("SELECT MAX(id) FROM runs").fetchone()
        flags = dict(con.execute("SELECT segment_id, complaint FROM segment_results WHERE run_id = ?", [second]))
    assert second == first + 1
    assert [flags[segment] for segment, _ in near] == [1, 1, 1]
