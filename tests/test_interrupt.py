"""Stopping `touchpoints mine` mid-run: SIGTERM (a scheduler's stop) as SIGINT, the run marked failed, one line on
stderr, the shell's exit code (fake embedder, the command in this process)."""

from __future__ import annotations

import os
import signal

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.store import open_db
from tests.conftest import write_reviews


class _Unhandled(Exception):
    """What SIGTERM raises here when the command does not handle it (instead of ending pytest)."""


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_signal_during_the_analysis_marks_the_run_failed_and_says_so(tmp_path, data_dir, monkeypatch, how):
    from miner.pipeline.core import Pipeline

    def stop(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if how == "SIGTERM":
            os.kill(os.getpid(), signal.SIGTERM)
        raise KeyboardInterrupt  # what Python's SIGINT handler raises

    def unhandled(signum, frame):  # noqa: ANN001, ANN202
        raise _Unhandled

    monkeypatch.setattr(Pipeline, "classify", stop)
    previous = signal.signal(signal.SIGTERM, unhandled)
    write_reviews(tmp_path / "day1.csv", 0, 6)
    db = tmp_path / "i.db"
    try:
        result = CliRunner().invoke(app, ["mine", str(tmp_path / "day1.csv"), "--db", str(db), "--embedding-model",
                                          "fake", "--segmenter", "rules", "--no-redact", "--taxonomy",
                                          str(data_dir / "mini_taxonomy.yaml")])  # fmt: skip
        handler = signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == (143 if how == "SIGTERM" else 130), (result.output, result.exception)
    said = " ".join(result.output.split())
    assert f"Interrupted ({how}): a run it started is marked failed" in said
    runs = list(open_db(db).query("SELECT status, error FROM runs"))
    assert [r["status"] for r in runs] == ["failed"]  # not left 'running'
    assert [r["error"] for r in runs] == [f"Interrupted: {how}"]  # SIGINT was recorded as a bare 'KeyboardInterrupt'
    assert handler is unhandled  # the command puts the handler it found back


def test_ctrl_c_stops_the_second_process_quietly(capfd):
    # Ctrl-C reaches the whole process group: the second process, idle on its task queue, printed a
    # KeyboardInterrupt traceback over the one line `mine` says
    import time

    from miner.pipeline.overlap import worker_pool

    pool = worker_pool()
    try:
        assert pool.submit(os.getpid).result(timeout=60) != os.getpid()  # started, and now idle
        [pid] = list(pool._processes)  # noqa: SLF001 - the one worker's pid
        os.kill(pid, signal.SIGINT)
        for _ in range(100):
            time.sleep(0.05)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
        else:
            pytest.fail("the second process did not leave on SIGINT")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    time.sleep(0.2)
    assert "Traceback" not in capfd.readouterr().err
