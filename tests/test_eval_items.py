"""`touchpoints eval` mines a labelled file as `mine` would: its ratings, dates and titles too (a rating moves the
complaint scores; the same 231 rated items scored 0.667 with eval and 0.716 mined)."""

from __future__ import annotations

from miner.eval.predict import predict_items
from miner.pipeline import MineOptions, build_pipeline


def test_a_labelled_items_rating_is_read_as_mine_reads_it(mini_taxonomy, fake_embedder, segmenter):
    text = "The delivery took a while and the box was fine"
    items = [{"id": "low", "text": text, "rating": 1, "date": "2026-03-02"},
             {"id": "high", "text": text, "rating": 5, "date": "2026-03-03"}]  # fmt: skip
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    low, high = predict_items(items, lambda db: build_pipeline(db, options))
    assert low["complaint_score"] > high["complaint_score"]  # read without ratings both scored alike


def test_eval_names_the_labelled_file_and_its_lines_not_a_temporary_copy(tmp_path, data_dir):
    # it printed "Importing items.jsonl", "items.jsonl: columns: ... (name one with --rating-col)" (an option eval
    # does not have) and "skipped: /tmp/touchpoints-eval-.../items.jsonl, line 3" for the user's gold_set.jsonl
    import json

    from typer.testing import CliRunner

    from miner.cli import app

    lines = [
        json.dumps({"id": "g1", "text": "I was charged twice for my order", "complaint": True, "gold": "billing"}),
        "",
        json.dumps({"id": "g2", "text": "   ", "complaint": True, "gold": "billing"}),
        json.dumps({"id": "g3", "text": "the box arrived crushed", "complaint": True, "gold": "packaging"}),
    ]
    (tmp_path / "gold_set.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["eval", str(tmp_path / "gold_set.jsonl"), "--taxonomy", str(data_dir / "mini_taxonomy.yaml"),
            "--embedding-model", "fake", "--segmenter", "rules", "--cache", str(tmp_path / "c.db")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    said = " ".join(result.output.split())
    assert result.exit_code == 0, said
    assert "skipped: gold_set.jsonl, line 3, field 'text'" in said and "gold_set.jsonl: 3 items" in said
    assert "items.jsonl" not in said and "touchpoints-eval-" not in said and "--rating-col" not in said


def test_eval_help_says_where_the_cache_is_and_how_a_sub_touchpoint_is_scored():
    from typer.testing import CliRunner

    from miner.cli import app

    said = " ".join(CliRunner().invoke(app, ["eval", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "Default: $TOUCHPOINTS_EVAL_CACHE, else eval-embeddings.db beside the built models" in said
    assert "a sub-touchpoint's (claims/adjuster) is scored as its parent's (claims)" in said


def test_eval_refuses_an_output_it_cannot_write_before_it_mines(tmp_path, data_dir):
    # `eval --json-out logs/afile/out.json` (logs/afile a file) mined and scored everything, then failed on writing
    from typer.testing import CliRunner

    from miner.cli import app

    (tmp_path / "gold.jsonl").write_text(
        '{"id": "g1", "text": "charged twice", "complaint": true, "gold": "billing"}\n'
    )
    (tmp_path / "afile").write_text("not a folder")
    for option in ("--json-out", "--predictions"):
        args = ["eval", str(tmp_path / "gold.jsonl"), "--embedding-model", "fake", "--segmenter", "rules",
                "--cache", str(tmp_path / "c.db"), option, str(tmp_path / "afile" / "out.json")]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and "is a file, not a folder" in result.stderr, result.output
        assert not (tmp_path / "c.db").exists()  # nothing was embedded: refused before the mining


def test_eval_prints_intervals_the_counts_they_rest_on_and_warns_of_few_items(tmp_path, data_dir):
    # `eval --limit 12` printed "complaint F1 1.000 (on 12 items)" from 8 complaints: no interval, no caveat
    import json

    from typer.testing import CliRunner

    from miner.cli import app

    lines = [
        {"id": "g1", "text": "I was charged twice for my order", "complaint": True, "gold": "billing"},
        {"id": "g2", "text": "the box arrived crushed", "complaint": True, "gold": ["packaging", "billing"]},
        {"id": "g3", "text": "lovely staff, thank you", "complaint": False, "gold": None},
    ]
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    args = ["eval", str(tmp_path / "gold.jsonl"), "--taxonomy", str(data_dir / "mini_taxonomy.yaml"),
            "--embedding-model", "fake", "--segmenter", "rules", "--cache", str(tmp_path / "c.db"),
            "--json-out", str(tmp_path / "scores.json")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    said = " ".join(result.output.split())
    assert result.exit_code == 0, said
    assert "on the 2 complaints with gold" in said and "on 3 labelled items, 2 of them complaints" in said
    assert "95% bootstrap intervals, 1,000 resamples of the items, seed 0" in said
    assert "warning: few items (accuracy@1 on 2, macro-F1 on 2, complaint F1 on 3; under 30)" in said
    saved = json.loads((tmp_path / "scores.json").read_text())
    assert set(saved["intervals"]) == {"accuracy_at_1", "macro_f1", "complaint_f1"}
    low, high = saved["intervals"]["complaint_f1"]
    assert low <= saved["complaint_f1"] <= high
    assert saved["few_items"] == ["accuracy_at_1", "macro_f1", "complaint_f1"] and saved["complaints"] == 2


def test_eval_help_says_how_an_item_with_two_gold_touchpoints_is_scored():
    from typer.testing import CliRunner

    from miner.cli import app

    said = " ".join(CliRunner().invoke(app, ["eval", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "a hit for accuracy@1 when its touchpoint is either one" in said
    assert "the one not predicted counts a miss" in said
