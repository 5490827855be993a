"""miner/store/busy.py: a second `touchpoints mine` on a database stops at its start with exit 75, while a crashed
run never blocks the next one."""

from __future__ import annotations

import signal
import subprocess
import sys

from typer.testing import CliRunner

from miner.cli import app
from miner.store import open_db
from miner.store.busy import BUSY_EXIT, mining
from miner.store.runs import start_run
from tests.conftest import DATA, ROOT

ARGS = ["--embedding-model", "fake", "--segmenter", "rules", "--no-redact"]


def _mine(path, *extra):
    return subprocess.run([sys.executable, "-m", "miner", "mine", str(DATA / "reviews_small.csv"), "--db", str(path),
                           *ARGS, *extra], capture_output=True, text=True, cwd=ROOT, timeout=300)  # fmt: skip


def test_a_second_mine_stops_at_its_start_while_another_works(tmp_path):
    """A data engineer's two `mine` runs at once: nothing stopped the second, and the first worked to its end and
    then exited 2 ("run 6 finished while it ran") though the other run had mined its items: a cron alert for
    nothing. The second now stops before reading anything, with its own exit code, saying nothing is lost."""
    path = tmp_path / "t.db"
    db = open_db(path)
    with mining(path, db):  # this process is the first mine, working
        busy = _mine(path, "--json-out", str(tmp_path / "top.json"))
    said = " ".join(busy.stderr.split())
    assert busy.returncode == BUSY_EXIT == 75, busy.stderr
    assert f"Error: {path}: another `touchpoints mine` (process " in said and "Nothing is lost" in said
    assert db.execute("SELECT count(*) FROM imports").fetchone()[0] == 0 and not (tmp_path / "top.json").exists()
    assert _mine(path).returncode == 0  # once the first has finished


def test_a_run_a_live_process_is_making_refuses_a_mine_too(tmp_path):
    """A run started without the claim (the API, an older version) and still being made: the runs table tells."""
    path = tmp_path / "t.db"
    running = start_run(open_db(path), mapper="examples")  # owned by this process, alive
    result = CliRunner().invoke(app, ["mine", str(DATA / "reviews_small.csv"), "--db", str(path), *ARGS])
    assert result.exit_code == BUSY_EXIT and f"run {running}, being made by process" in " ".join(result.output.split())


def test_a_mine_killed_with_9_blocks_nothing_and_its_run_is_abandoned(tmp_path):
    """The kernel lets go of a killed process's claim: the next mine goes on and marks its run abandoned."""
    path = tmp_path / "t.db"
    open_db(path).close()
    code = (f"from pathlib import Path; from miner.store import open_db; from miner.store.busy import mining; "
            f"from miner.store.runs import start_run; p = Path({str(path)!r}); db = open_db(p); c = mining(p, db); "
            "c.__enter__(); print(start_run(db, mapper='examples'), flush=True); import time; time.sleep(60)"
            )  # fmt: skip
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    crashed = int(holder.stdout.readline())
    assert _mine(path).returncode == BUSY_EXIT  # while it lives
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    again = _mine(path)
    assert again.returncode == 0, again.stderr
    assert open_db(path)["runs"].get(crashed)["status"] == "abandoned"


def test_an_erasure_waits_for_no_mine_and_a_mine_for_no_erasure(tmp_path):
    """A mine still importing has no run row, so `forget` went on beside it: an erasure now takes the same claim,
    stops at once while a mine holds it (exit 75, nothing deleted), and a dry run only reads."""
    path = tmp_path / "t.db"
    assert _mine(path).returncode == 0
    db = open_db(path)
    before = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    forget = ["forget", "--db", str(path), "--dataset", "reviews_small.csv"]
    with mining(path, db):  # a mine at work
        busy = subprocess.run([sys.executable, "-m", "miner", *forget], capture_output=True, text=True, cwd=ROOT,
                              timeout=300)  # fmt: skip
        dry = CliRunner().invoke(app, [*forget, "--dry-run"])
    said = " ".join(busy.stderr.split())
    assert busy.returncode == BUSY_EXIT and "so this `touchpoints forget` stopped before reading anything" in said
    assert dry.exit_code == 0, dry.output
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == before > 0
    assert CliRunner().invoke(app, forget).exit_code == 0  # once the mine has finished
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
