"""Rows `mine --on-error skip` left out are named in the report's Data quality: `mine` said "skipped: 4" once and
the report, HTML and JSON, had no word of them."""

from __future__ import annotations

from typer.testing import CliRunner

from miner.cli import app
from tests.conftest import DATA

COMMON = ["--embedding-model", "fake", "--segmenter", "rules", "--no-redact", "--on-error", "skip"]
BAD = "B1,2026-01-21,abc,,The app crashed again.\nB2,2026-13-45,1,,Refund still not received.\nB3,2026-01-22,1,,\n"


def _mine(tmp_path, name: str, extra: str = BAD, *more: str) -> None:
    path = tmp_path / name
    path.write_text(DATA.joinpath("reviews_small.csv").read_text() + extra, encoding="utf-8")
    result = CliRunner().invoke(app, ["mine", str(path), "--db", str(tmp_path / "t.db"), *COMMON, *more])
    assert result.exit_code == 0, result.output


def test_the_report_names_the_rows_each_file_left_out(tmp_path):
    from miner.report.html import render_html
    from miner.report.model import build_report
    from miner.store import open_db

    _mine(tmp_path, "bad.csv")
    _mine(tmp_path, "bad.csv", BAD, "--incremental")  # the same bytes again: the same rows, counted once
    db = open_db(tmp_path / "t.db")
    assert [r["skipped"] for r in db.query("SELECT skipped FROM imports ORDER BY id")] == [3, 3]
    quality = build_report(db)["quality"]
    assert quality["skipped_rows"] == [{"file": "bad.csv", "rows": 3}]
    said = "3 rows of bad.csv were skipped as unreadable (--on-error skip"
    assert quality["warnings"][0].startswith(said)
    assert said in render_html(build_report(db))


def test_a_run_names_the_rows_of_its_own_imports_within_the_filters_sources(tmp_path):
    from miner.report.model import build_report
    from miner.store import open_db
    from miner.store.filters import Filters

    _mine(tmp_path, "clean.csv", "")
    db = open_db(tmp_path / "t.db")
    assert build_report(db)["quality"]["skipped_rows"] == []
    new = "N1,2026-01-20,1,,The driver came an hour late.\nB1,2026-01-21,abc,,The app crashed again.\n"
    _mine(tmp_path, "bad.csv", new, "--incremental")
    assert build_report(db)["quality"]["skipped_rows"] == [{"file": "bad.csv", "rows": 1}]
    assert "1 row of bad.csv was skipped" in build_report(db)["quality"]["warnings"][0]
    assert build_report(db, run_id=1)["quality"]["skipped_rows"] == []  # run 1 read clean.csv only
    assert build_report(db, Filters(source="clean.csv"))["quality"]["skipped_rows"] == []


def test_read_paths_counts_the_rows_it_left_out_for_the_ray_engine(tmp_path):
    from miner.ingest import read_paths
    from miner.store import open_db
    from miner.store.documents import store_import

    path = tmp_path / "bad.csv"
    path.write_text(DATA.joinpath("reviews_small.csv").read_text() + BAD, encoding="utf-8")
    skipped: dict = {}
    [(read, records)] = read_paths([path], on_error="skip", skipped=skipped)
    assert skipped == {path: 3} and len(records) == 5
    db = open_db(tmp_path / "t.db")
    [result] = store_import(db, [(read, records, [], [])], None, skipped)
    assert result.skipped == 3 and db.execute("SELECT skipped FROM imports").fetchone()[0] == 3
