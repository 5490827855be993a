"""`top`, `report` and `export --run N`: an older run read from the CLI, as the API's ?run= reads it, each naming
its taxonomy (real SQLite file, fake embedder: bookkeeping, not quality)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.pipeline import MineOptions, mine
from miner.store import open_db
from miner.store.runs import prune_runs
from tests.conftest import write_reviews as _write


@pytest.fixture
def remined(tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """Run 1 with the mini taxonomy, run 2 re-mined with a renamed one: the database path."""
    path = tmp_path / "r.db"
    _write(tmp_path / "day1.csv", 0, 24)
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    db = open_db(path)
    mine(db, [tmp_path / "day1.csv"], options)
    options.taxonomy = mini_taxonomy.model_copy(update={"name": "acme", "version": "2"})
    mine(db, [tmp_path / "day1.csv"], options)
    return path


def test_top_report_and_export_read_the_run_asked_for(remined, tmp_path):
    # after a re-mine with a new taxonomy, top, report and export had no --run: the older run was out of reach
    runner, db = CliRunner(), str(remined)
    for run, taxonomy in ((1, "mini test-1"), (2, "acme 2")):
        shown = runner.invoke(app, ["top", "--db", db, "--run", str(run)])
        assert shown.exit_code == 0, shown.output
        assert f"(run {run}, taxonomy {taxonomy}:" in " ".join(shown.output.split())  # the title names both
        top = json.loads(runner.invoke(app, ["top", "--db", db, "--run", str(run), "--format", "json"]).output)
        assert top["run"]["id"] == run
        out = tmp_path / f"r{run}.json"
        assert runner.invoke(app, ["report", "--db", db, "--run", str(run), "--out", str(out)]).exit_code == 0
        assert json.loads(out.read_text())["quality"]["run"]["id"] == run
        for table in ("pain_points", "assignments"):
            out = tmp_path / f"{table}{run}.csv"
            args = ["export", "--db", db, "--run", str(run), "--table", table, "--out", str(out)]
            assert runner.invoke(app, args).exit_code == 0
            rows = list(csv.DictReader(out.open(encoding="utf-8")))
            assert rows and {(r["run_id"], r["taxonomy_name"], r["taxonomy_version"]) for r in rows} == {
                (str(run), *taxonomy.split())
            }


def test_a_run_that_is_not_there_or_was_pruned_is_named_with_those_that_are(remined, tmp_path):
    runner, db = CliRunner(), str(remined)
    for command in (
        ["top"],
        ["report", "--out", str(tmp_path / "r.html")],
        ["export", "--out", str(tmp_path / "e.csv")],
    ):
        result = runner.invoke(app, [*command, "--db", db, "--run", "7"])
        assert result.exit_code == 2
        assert "run 7: the database has no such run; read one of runs 1 or 2 (touchpoints runs list)" in result.stderr
    prune_runs(open_db(remined), keep=1)
    result = runner.invoke(app, ["top", "--db", db, "--run", "1"])
    assert result.exit_code == 2
    assert "run 1 was pruned (its results are deleted): read run 2, the one completed run" in result.stderr


def test_a_sub_touchpoint_is_no_filter_and_the_error_names_its_parent(remined, mini_taxonomy):
    # `top --touchpoint packaging/leaking` said "unknown touchpoint", listing the top-level ids only
    from api.errors import ApiError
    from api.queries.common import check_touchpoint

    parent = next(t for t in mini_taxonomy.touchpoints if t.children)
    child = parent.children[0].id
    result = CliRunner().invoke(app, ["top", "--db", str(remined), "--run", "1", "--touchpoint", child])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert f"'{child}' is a sub-touchpoint of '{parent.id}': the touchpoint filter takes top-level ones" in said
    assert "subtouchpoint column of `touchpoints export --table assignments`" in said
    with pytest.raises(ApiError, match=f"use '{parent.id}' \\(GET /v1/touchpoints/{parent.id} counts its sub"):
        check_touchpoint(mini_taxonomy, child)


def test_a_source_an_older_run_did_not_analyse_is_said_so(tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """`top --run 3 --source july.csv` (july.csv mined in run 4) said "no feedback of source july.csv has a date",
    though its rows are dated: it is the run that never read them."""
    path = tmp_path / "n.db"
    _write(tmp_path / "day1.csv", 0, 12)
    _write(tmp_path / "day2.csv", 100, 12)
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    db = open_db(path)
    mine(db, [tmp_path / "day1.csv"], options)
    options.incremental = True
    mine(db, [tmp_path / "day2.csv"], options)
    result = CliRunner().invoke(app, ["top", "--db", str(path), "--run", "1", "--source", "day2.csv"])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "run 1 analysed no feedback of source day2.csv: a later run did" in said and "has a date" not in said


def test_a_kind_the_database_has_none_of_is_said_so(remined):
    """`top --kind transcript` on reviews alone said "no feedback of kind transcript has a date": there is none."""
    result = CliRunner().invoke(app, ["top", "--db", str(remined), "--kind", "transcript"])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "there is no feedback of kind transcript" in said and "has a date" not in said, said


def test_top_json_quotes_say_their_rating_scale_and_the_0_to_1_value(remined):
    """`top --format json` (and `mine --json-out`) gave a quote's raw rating alone: a 2.0 was 2 stars or an NPS 2/10,
    where the API's quotes carry `rating_scale` and `rating_normalised`."""
    result = CliRunner().invoke(app, ["top", "--db", str(remined), "--format", "json"])
    examples = [e for t in json.loads(result.output)["touchpoints"] for p in t["pain_points"] for e in p["examples"]]
    assert examples and all(e["rating_scale"] == "stars5" for e in examples)
    assert all(e["rating_normalised"] == (e["rating"] - 1) / 4 for e in examples)


def test_a_taxonomy_name_with_brackets_prints_as_written(tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """The title names the run's taxonomy since today, and a name with "[/dim]" in it crashed the table (read as
    Rich markup: found by the generated inputs of tests/test_generated.py)."""
    path = tmp_path / "b.db"
    _write(tmp_path / "day1.csv", 0, 12)
    taxonomy = mini_taxonomy.model_copy(update={"name": "acme [/dim] [bold]"})
    options = MineOptions(taxonomy=taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    mine(open_db(path), [tmp_path / "day1.csv"], options)
    result = CliRunner().invoke(app, ["top", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "taxonomy acme [/dim] [bold]" in " ".join(result.output.split())
