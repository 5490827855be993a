"""A figure in a board deck is traced to what made it: the tool's version, the encoders' precision and the complaint
threshold a run used are recorded when it runs and shown by `runs list`, `mine --json-out` and the report."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

import miner
from miner.cli import app
from miner.complaints import calibrate
from miner.version import git_commit, tool_version

MINE = ["--embedding-model", "fake", "--segmenter", "rules", "--no-redact"]


@pytest.fixture
def mined(tmp_path, data_dir, monkeypatch):
    """A database mined by "version 9.9.9+gfeedfacecafe" with a corpus that reads a complaint threshold of 0.37."""
    monkeypatch.setattr("miner.version.tool_version", lambda: "9.9.9+gfeedfacecafe")
    monkeypatch.setitem(calibrate.CALIBRATIONS, "mixture", lambda scores, default: 0.37)
    db, out = tmp_path / "t.db", tmp_path / "top.json"
    result = CliRunner().invoke(
        app, ["mine", str(data_dir / "reviews_small.csv"), "--db", str(db), *MINE, "--json-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    monkeypatch.undo()  # what is shown below is what the run stored, not this process's version
    return db, json.loads(out.read_text(encoding="utf-8"))


def test_mine_json_out_says_what_made_the_run(mined):
    _, top = mined
    assert {k: top["run"][k] for k in ("version", "precision", "complaint_threshold")} == {
        "version": "9.9.9+gfeedfacecafe",
        "precision": "fp32",
        "complaint_threshold": 0.37,
    }


def test_runs_list_shows_the_version_precision_and_threshold_each_run_recorded(mined):
    db, _ = mined
    runner = CliRunner()
    [row] = json.loads(runner.invoke(app, ["runs", "list", "--db", str(db), "--format", "json"]).output)
    assert (row["version"], row["precision"], row["complaint_threshold"]) == ("9.9.9+gfeedfacecafe", "fp32", 0.37)
    header, line = runner.invoke(app, ["runs", "list", "--db", str(db), "--format", "csv"]).output.splitlines()
    assert header.endswith(",version,precision,complaint_threshold")
    assert line.endswith(",9.9.9+gfeedfacecafe,fp32,0.37")
    table = runner.invoke(app, ["runs", "list", "--db", str(db)], terminal_width=250).output
    assert "9.9.9+gfeedfacecafe" in table and "fp32 · complaints ≥ 0.37" in table


def test_the_report_says_what_made_the_run(mined, tmp_path):
    db, _ = mined
    runner = CliRunner()
    assert runner.invoke(app, ["report", "--db", str(db), "--out", str(tmp_path / "r.json")]).exit_code == 0
    run = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["quality"]["run"]
    assert (run["version"], run["precision"], run["complaint_threshold"]) == ("9.9.9+gfeedfacecafe", "fp32", 0.37)
    assert runner.invoke(app, ["report", "--db", str(db), "--out", str(tmp_path / "r.html")]).exit_code == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "a clause is a complaint from a score of 0.37" in html
    assert "by touchpoint-miner 9.9.9+gfeedfacecafe, encoders in fp32" in html


def test_a_nightly_run_records_the_threshold_it_took_from_its_base(mined, tmp_path, data_dir):
    db, _ = mined
    night = tmp_path / "night.csv"
    night.write_text("review_id,review\nN1,The driver came an hour late and the food was cold.\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["mine", str(night), "--db", str(db), *MINE, "--incremental"]).exit_code == 0
    rows = json.loads(runner.invoke(app, ["runs", "list", "--db", str(db), "--format", "json"]).output)
    assert [r["mode"] for r in rows] == ["incremental", "full"]
    assert 0.37 <= rows[0]["complaint_threshold"] < 0.5  # the base's lowest complaint score (miner/pipeline/analyze.py)
    assert rows[0]["version"] == tool_version()  # this process made it


def test_a_run_made_before_the_record_shows_none(tmp_path):
    from miner.store import open_db
    from miner.store.runs import finish_run, list_runs, start_run

    db = open_db(tmp_path / "old.db")
    run = start_run(db, params={"encoder": "tuned"})
    finish_run(db, run, segment_rows=[], assignment_rows=[], pain_point_rows=[], counts={})
    [row] = list_runs(db)
    assert (row["version"], row["precision"], row["complaint_threshold"]) == (None, None, None)


def test_the_version_is_the_packages_with_the_commit_of_a_checkout(tmp_path):
    assert tool_version().startswith(miner.__version__)
    assert git_commit(tmp_path) is None  # no checkout: an install in site-packages
    if shutil.which("git") is None:
        pytest.skip("no git")
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    assert git_commit(tmp_path) is None  # no commit yet
    subprocess.run([*git, "add", "pyproject.toml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout
    assert git_commit(tmp_path) == head[:10]
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert git_commit(tmp_path) == head[:10] + ".dirty"
