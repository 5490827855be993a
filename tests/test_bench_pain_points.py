"""bench/pain_points.py's scoring and report plumbing (the heavy run is `make eval-pain-points`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("pain_points", ROOT / "bench" / "pain_points.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scores_reward_pure_clusters_and_count_outliers(bench) -> None:
    gold = ["fee", "fee", "late", "late"]
    perfect = bench.scores(gold, [1, 1, 2, 2], {-1})
    mixed = bench.scores(gold, [1, 2, 1, 2], {-1})
    lumped = bench.scores(gold, [-1, -1, -1, 3], {-1})
    assert perfect["v_measure"] == pytest.approx(1.0) and perfect["ari"] == pytest.approx(1.0)
    assert mixed["v_measure"] == pytest.approx(0.0)
    assert lumped["clusters"] == 2 and lumped["other"] == pytest.approx(0.75)


def test_gold_complaints_keeps_labelled_complaints_only(bench, tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": "1", "text": "a", "complaint": true, "label": "fee"}\n'
        '{"id": "2", "text": "b", "complaint": false, "label": "fee"}\n'
        '{"id": "3", "text": "c", "complaint": true, "label": null}\n'
        '{"id": "4", "text": "d", "complaint": true, "label": "late"}\n'
    )
    assert [it["id"] for it in bench.gold_complaints(path, None)] == ["1", "4"]
    assert [it["id"] for it in bench.gold_complaints(path, 1)] == ["1"]


def test_splice_replaces_only_its_own_block(tmp_path: Path) -> None:
    from miner.eval.report import splice

    doc = tmp_path / "quality.md"
    doc.write_text("# Quality\n\n<!-- eval:start -->\nkeep\n<!-- eval:end -->\n")
    splice(doc, "painpoints", "| first |", "make eval-pain-points")
    splice(doc, "painpoints", "| second |", "make eval-pain-points")
    text = doc.read_text()
    assert "keep" in text and "| second |" in text and "| first |" not in text
    assert text.count("<!-- painpoints:start -->") == 1


def test_absent_datasets_skip_cleanly(bench, tmp_path: Path, capsys) -> None:
    out = tmp_path / "quality.md"
    assert bench.main(["--datasets", str(tmp_path / "absent"), "--out", str(out)]) == 0
    assert "skipping" in capsys.readouterr().out and not out.exists()
