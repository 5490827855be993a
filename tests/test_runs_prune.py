"""Pruning old runs: a database mined every night keeps the newest runs whole, loses the results of older ones in
one transaction, and the next nightly run still extends the latest (real SQLite file, fake embedder: bookkeeping,
not quality)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.errors import MinerError
from miner.pipeline import MineOptions, mine
from miner.report import top_pain_points
from miner.store import open_db
from miner.store.runs import PRUNED, RUN_TABLES, prune_runs, resolve_run
from tests.conftest import write_reviews as _write


@pytest.fixture
def nightly(tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A database with a full run and two nightly incremental runs on top: runs 1, 2, 3."""
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    path = tmp_path / "nightly.db"
    db = open_db(path)
    runs = []
    for day, (start, n) in enumerate([(0, 36), (100, 12), (200, 12)]):
        _write(tmp_path / f"day{day}.csv", start, n)
        _, run_id = mine(db, [tmp_path / f"day{day}.csv"], options)
        runs.append(run_id)
        options.incremental = True
    return path, db, runs, options


def _rows(db, run_id: int) -> dict[str, int]:
    return {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE run_id = ?", [run_id]).fetchone()[0] for t in RUN_TABLES}


def test_prune_keeps_the_newest_runs_whole_and_deletes_the_results_of_older_ones(nightly):
    _, db, (first, second, third), _ = nightly
    before = {run: _rows(db, run) for run in (first, second, third)}
    assert before[first]["segment_results"] and before[second]["segment_results"]
    top_before = top_pain_points(db)
    pruned = prune_runs(db, keep=1)
    assert pruned.runs == [first, second]
    assert pruned.rows == {t: before[first][t] + before[second][t] for t in RUN_TABLES}
    assert _rows(db, first) == _rows(db, second) == dict.fromkeys(RUN_TABLES, 0)
    assert _rows(db, third) == before[third]  # the run kept is untouched, and the reads see the same answer
    assert top_pain_points(db) == top_before
    statuses = {r["id"]: r["status"] for r in db.query("SELECT id, status FROM runs")}
    assert statuses == {first: PRUNED, second: PRUNED, third: "complete"}
    assert db["runs"].get(second)["segments"] == before[second]["segment_results"]  # its row keeps its counts
    with pytest.raises(MinerError, match="pruned"):
        resolve_run(db, first)


def test_the_next_nightly_run_extends_the_run_kept(nightly, tmp_path):
    _, db, (_, _, third), options = nightly
    prune_runs(db, keep=1)
    ids = {r["id"] for r in db.query("SELECT id FROM pain_points WHERE run_id = ?", [third])}
    _write(tmp_path / "day3.csv", 300, 12)
    _, fourth = mine(db, [tmp_path / "day3.csv"], options)
    run = db["runs"].get(fourth)
    assert run["mode"] == "incremental" and run["base_run_id"] == third
    assert {r["id"] for r in db.query("SELECT id FROM pain_points WHERE run_id = ?", [fourth])} == ids
    assert run["segments"] == db["segments"].count == _rows(db, fourth)["segment_results"]


def test_dry_run_deletes_nothing_and_keep_counts_completed_runs_only(nightly):
    _, db, (first, second, third), _ = nightly
    before = {run: _rows(db, run) for run in (first, second, third)}
    dry = prune_runs(db, keep=2, dry_run=True)
    assert dry.runs == [first] and dry.rows == before[first]
    assert {run: _rows(db, run) for run in (first, second, third)} == before
    db.execute("UPDATE runs SET status = 'failed' WHERE id = ?", [second])  # a failed run is not one to keep
    assert prune_runs(db, keep=2, dry_run=True).runs == []  # runs 3 and 1 are the two newest completed ones
    assert prune_runs(db, keep=5).runs == []  # fewer completed runs than KEEP: nothing goes
    with pytest.raises(ValueError, match="at least one"):
        prune_runs(db, keep=0)


def test_cli_lists_runs_prunes_and_vacuums(nightly):
    path, db, (first, second, third), _ = nightly
    db.close()
    runner = CliRunner()
    listed = runner.invoke(app, ["runs", "list", "--db", str(path), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == [third, second, first]
    assert [r["mode"] for r in rows] == ["incremental", "incremental", "full"] and rows[0]["base_run_id"] == second
    # a CSV's header is the same with runs and without (it was "id" alone for a database with none)
    from miner.store import open_db

    open_db(path.parent / "none.db").close()
    header = runner.invoke(app, ["runs", "list", "--db", str(path), "--format", "csv"]).output.splitlines()[0]
    empty = runner.invoke(app, ["runs", "list", "--db", str(path.parent / "none.db"), "--format", "csv"]).output
    assert empty.splitlines() == [header] and header.startswith("id,status,mode,")
    dry = runner.invoke(app, ["runs", "prune", "--keep", "1", "--db", str(path), "--dry-run"])
    assert dry.exit_code == 0 and f"Would delete the results of 2 runs ({first}, {second})" in dry.output
    done = runner.invoke(app, ["runs", "prune", "--keep", "1", "--db", str(path), "--vacuum"])
    assert done.exit_code == 0, done.output
    assert f"Deleted the results of 2 runs ({first}, {second})" in done.output and "VACUUM:" in done.output
    again = runner.invoke(app, ["runs", "prune", "--keep", "1", "--db", str(path)])
    assert again.exit_code == 0 and "Nothing to prune" in again.output
    table = runner.invoke(app, ["runs", "list", "--db", str(path)])
    assert table.exit_code == 0 and table.output.count(PRUNED) == 2
    missing = runner.invoke(app, ["runs", "list", "--db", str(path.with_name("nope.db"))])
    assert missing.exit_code == 2 and "no such database" in missing.output


def test_vacuum_runs_when_an_earlier_prune_left_nothing_to_prune(nightly):
    path, db, _, _ = nightly
    prune_runs(db, keep=1)  # a nightly prune without --vacuum: the freed pages stay in the file
    assert db.execute("PRAGMA freelist_count").fetchone()[0] > 0
    db.close()
    size = path.stat().st_size
    runner = CliRunner()
    done = runner.invoke(app, ["runs", "prune", "--keep", "1", "--db", str(path), "--vacuum"])
    assert done.exit_code == 0, done.output
    assert "Nothing to prune" in done.output and "VACUUM:" in done.output
    after = float(re.search(r"VACUUM: [\d.]+ MB -> ([\d.]+) MB", done.output).group(1))
    assert path.stat().st_size < size and after == round(path.stat().st_size / 1e6, 1)  # shrunk when it says so
    assert open_db(path).execute("PRAGMA freelist_count").fetchone()[0] == 0  # the file was rewritten
    dry = runner.invoke(app, ["runs", "prune", "--keep", "1", "--db", str(path), "--vacuum", "--dry-run"])
    assert dry.exit_code == 0 and "VACUUM:" not in dry.output


@pytest.mark.parametrize("command", [["runs", "list", "--format", "csv"], ["top", "--format", "csv"]])
def test_a_reader_that_closed_the_pipe_is_no_failure(nightly, command):
    # `touchpoints runs list --format csv | head -c 10`: exit 1 with nothing said, most times (`top` had its guard)
    import os
    import subprocess
    import sys

    path, db, _, _ = nightly
    db.close()
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written: every write meets a closed pipe
    try:
        done = subprocess.run([sys.executable, "-m", "miner", *command, "--db", str(path)], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)  # fmt: skip
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder the commands cannot write to: a read-only bind mount where the test may mount (root here and in
    CI), else (not root) a folder without write permission."""
    import os
    import subprocess

    source, folder = tmp_path / "snapshot", tmp_path / "ro"
    source.mkdir()
    folder.mkdir()

    def mount(*args: str) -> bool:
        return subprocess.run(["mount", *args], capture_output=True).returncode == 0

    if os.geteuid() == 0:
        if not (mount("--bind", str(source), str(folder)) and mount("-o", "remount,bind,ro", str(folder))):
            subprocess.run(["umount", str(folder)], capture_output=True)
            pytest.skip("root without the right to mount: a folder root cannot write to needs a read-only mount")
        yield source, folder
        subprocess.run(["umount", str(folder)], check=True)
    else:
        yield source, source
        source.chmod(0o755)


def test_reading_commands_open_a_database_on_a_read_only_path(nightly, read_only_folder):
    # a snapshot or backup mounted read-only: WAL mode could not open it ("cannot open or write the database")
    import shutil
    import sqlite3
    import subprocess
    import sys

    path, db, (_, _, third), _ = nightly
    db.close()
    source, folder = read_only_folder
    with sqlite3.connect(path) as live, sqlite3.connect(source / "copy.db") as copy:
        live.backup(copy)  # a consistent copy, in WAL mode as the original
    copy = sqlite3.connect(source / "copy.db")
    with copy:
        copy.execute("DELETE FROM embeddings")  # taxonomy review embeds what it needs again, and keeps nothing
    copy.close()
    if folder == source:
        source.chmod(0o555)
    out = path.parent / "out"
    for command in (["runs", "list", "--format", "json"], ["top", "--format", "json"],
                    ["export", "--format", "csv", "--out", str(out / "a.csv")],
                    ["report", "--out", str(out / "r.html")], ["forget", "--dataset", "day0.csv", "--dry-run"],
                    ["taxonomy", "review", "--limit", "2", "--embedding-model", "fake"],
                    ["taxonomy", "suggest", "--embedding-model", "fake"]):  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "miner", *command, "--db", str(folder / "copy.db")],
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, (command, done.stderr)
    assert (out / "a.csv").exists() and (out / "r.html").exists()
    assert sorted(p.name for p in folder.iterdir()) == ["copy.db"]  # nothing written beside it
    shutil.rmtree(out)


def test_runs_list_tells_taxonomies_apart(nightly):
    # two runs of 'taxonomy 1', one after a correction was added, could not be told apart
    path, db, runs, _ = nightly
    fingerprint = db["runs"].get(runs[0])["taxonomy_fingerprint"]
    db.close()
    listed = json.loads(CliRunner().invoke(app, ["runs", "list", "--db", str(path), "--format", "json"]).output)
    assert {r["taxonomy_name"] for r in listed} == {"mini"} and {r["taxonomy_fingerprint"] for r in listed} == {
        fingerprint
    }
    # 200 columns (off a terminal a table is laid out in 140, where the "made with" column wraps the taxonomy's)
    table = CliRunner().invoke(app, ["runs", "list", "--db", str(path)], env={"COLUMNS": "200"}).output
    assert f"mini test-1 · {fingerprint[:6]}" in table


@pytest.mark.parametrize(
    "args",
    [
        ["taxonomy", "check", "--overlap", "5"],
        ["taxonomy", "check", "--overlap", "-1"],
        ["taxonomy", "suggest", "--min-size", "0"],
    ],
)
def test_taxonomy_options_out_of_range_are_refused(args):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "Invalid value" in result.output, result.output
