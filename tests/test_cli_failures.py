"""A failure of the disk or the database file ends `touchpoints` with one sentence and exit 2, as bad input does:
a nightly job's log shows what to do, not a traceback."""

from __future__ import annotations

import errno
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from miner.cli.app import guarded, operational_error

ROOT = Path(__file__).resolve().parents[1]


def test_a_file_that_is_not_a_database_is_named_with_what_to_do(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not a database\n", encoding="utf-8")
    for args in (["top"], ["runs", "list"]):
        proc = subprocess.run([sys.executable, "-m", "miner", *args, "--db", str(bad)], capture_output=True,
                              text=True, cwd=ROOT)  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and f"{bad}: not a touchpoint-miner database" in proc.stderr


def test_another_programs_sqlite_file_is_refused_and_left_as_it_was(tmp_path):
    # `taxonomy suggest --db app.db` wrote the miner's 33 tables into it and answered "nothing to suggest"
    app_db = tmp_path / "app.db"
    with sqlite3.connect(app_db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL)")
    for args in (["taxonomy", "suggest"], ["taxonomy", "review"], ["top"], ["runs", "list"]):
        proc = subprocess.run([sys.executable, "-m", "miner", *args, "--db", str(app_db)], capture_output=True,
                              text=True, cwd=ROOT)  # fmt: skip
        said = " ".join(proc.stderr.split())
        assert proc.returncode == 2 and "is another program's SQLite database (tables orders)" in said, proc.stderr
    with sqlite3.connect(app_db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["orders"]


@pytest.mark.parametrize(
    ("err", "words"),
    [
        (sqlite3.OperationalError("database or disk is full"), "the disk is full: free some space"),
        (sqlite3.OperationalError("unable to open database file"), "check the folder exists and is writable"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "is writable"),
        (sqlite3.OperationalError("database is locked"), "another process"),
        (sqlite3.DatabaseError("database disk image is malformed"), "restore the file from a backup"),
        (OSError(errno.ENOSPC, "No space left on device", "out/top.json"), "out/top.json: no space left"),
    ],
)
def test_each_failure_says_what_to_do(err, words):
    message = operational_error(err, ["mine", "x.csv", "--db", "feedback.db"])
    assert words in message
    if not isinstance(err, OSError):
        assert message.startswith("feedback.db: ")


def test_guarded_exits_2_and_a_closed_pipe_exits_quietly(capsys):
    def full() -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(SystemExit) as exit_:
        guarded(full)
    assert exit_.value.code == 2 and "disk is full" in capsys.readouterr().err

    def pipe() -> None:
        raise BrokenPipeError

    with pytest.raises(SystemExit) as exit_:
        guarded(pipe)
    assert exit_.value.code == 0


def test_a_database_another_program_holds_locked_exits_75_to_try_again_later(capsys):
    """A lock held past SQLite's 30 s wait exited 2, as bad input does: a nightly job alerted instead of retrying, as
    it does on the 75 of a second mine."""
    from miner.cli.app import held
    from miner.store.busy import BUSY_EXIT

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(SystemExit) as exit_:
        guarded(locked)
    said = capsys.readouterr().err
    assert exit_.value.code == BUSY_EXIT == 75
    assert "another process has held the database for over 30 s" in said and "Exit 75: try again later" in said
    assert not held(sqlite3.OperationalError("database or disk is full"))
    assert not held(sqlite3.OperationalError("unable to open database file"))


def test_a_failed_first_mine_leaves_no_database_and_a_later_one_keeps_it(tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    bad = tmp_path / "bad.csv"
    bad.write_text("id,score\n1,3\n")  # no text column
    db = tmp_path / "new.db"
    args = ["--db", str(db), "--embedding-model", "fake", "--segmenter", "rules"]
    result = CliRunner().invoke(app, ["mine", str(bad), *args])
    assert result.exit_code == 2 and "no text column" in result.output
    assert list(tmp_path.glob("new.db*")) == []
    good = tmp_path / "good.csv"
    good.write_text("text\nthe driver was late again\n")
    assert CliRunner().invoke(app, ["mine", str(good), *args]).exit_code == 0
    assert CliRunner().invoke(app, ["mine", str(bad), *args]).exit_code == 2
    assert db.exists()  # a database that held data before is never removed


def test_a_count_past_sqlite_s_integers_means_all_not_a_traceback(tmp_path):
    """`runs list --limit 10**24` and `runs prune --keep 10**24` raised OverflowError binding the LIMIT."""
    from miner.store import open_db
    from miner.store.runs import list_runs, runs_to_prune

    db = open_db(tmp_path / "runs.db")
    huge = 10**24
    assert list_runs(db, huge) == list_runs(db)
    assert runs_to_prune(db, huge) == []
    proc = subprocess.run([sys.executable, "-m", "miner", "runs", "list", "--db", str(tmp_path / "runs.db"),
                           "--limit", str(huge)], capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_a_file_name_with_brackets_is_printed_as_written(tmp_path):
    """A file named "[draft] [bold] reviews.csv": the import line read its name as Rich markup, and "[draft]" and
    "[bold]" vanished from the log a job greps for the file's name."""
    from typer.testing import CliRunner

    from miner.cli import app
    from tests.conftest import write_reviews

    path = tmp_path / "[draft] [bold] reviews.csv"
    write_reviews(path, 0, 6)
    args = ["mine", str(path), "--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = " ".join((result.stderr + result.output).split())
    assert "Importing [draft] [bold] reviews.csv" in said
