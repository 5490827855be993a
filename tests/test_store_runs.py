"""miner.store.runs: the one rule for which run a read reads (completed runs only; the given one, else the latest,
else the latest of a taxonomy version)."""

from __future__ import annotations

import pytest

from miner.errors import MinerError
from miner.store.runs import fail_run, find_run, finish_run, resolve_run, start_run


def _run(db, version: str, complete: bool = True) -> int:
    run = start_run(db, taxonomy="{}", taxonomy_version=version)
    if complete:
        finish_run(db, run, segment_rows=[], assignment_rows=[], pain_point_rows=[], counts={})
    return run


def test_no_run_yet(db):
    assert find_run(db) is None and find_run(db, taxonomy_version="v1") is None
    with pytest.raises(MinerError, match="no completed run yet: mine some feedback first"):
        resolve_run(db)


def test_latest_complete_run_is_read_and_others_never(db):
    first = _run(db, "v1")
    second = _run(db, "v2")
    failed = _run(db, "v2", complete=False)
    fail_run(db, failed, "boom")
    running = _run(db, "v3", complete=False)
    assert find_run(db)["id"] == second == resolve_run(db)["id"]
    assert find_run(db, first)["id"] == first
    assert find_run(db, failed) is None and find_run(db, running) is None and find_run(db, 999) is None
    with pytest.raises(MinerError, match=f"run {running} is not a completed run"):
        resolve_run(db, running)


def test_latest_run_of_a_taxonomy_version(db):
    a = _run(db, "v1")
    b = _run(db, "v2")
    c = _run(db, "v1")
    assert find_run(db, taxonomy_version="v1")["id"] == c
    assert find_run(db, taxonomy_version="v2")["id"] == b != a
    assert find_run(db, taxonomy_version="v9") is None


def test_a_first_run_that_did_not_finish_says_to_mine_again(db):
    # after a crash in the first run's analysis: "mine some feedback first", though the feedback was stored
    crashed = _run(db, "v1", complete=False)
    fail_run(db, crashed, "Interrupted: SIGKILL")
    with pytest.raises(MinerError, match=f"run {crashed} did not finish \\(failed\\); run the same `touchpoints mine`"):
        resolve_run(db)


def test_a_run_whose_pid_another_process_took_is_abandoned(db):
    """A nightly job in a container is pid 1 every night: the crashed night's run, owned by 'host:1', looked alive
    to every later night (its pid was alive: the new job's own), stayed 'running' and kept its base from pruning."""
    import os
    import socket

    from miner.store.runs import _gone, _owner, _started, abandon_dead_runs, live_runs

    if _started(os.getpid()) is None:
        pytest.skip("no /proc here: a process's start time cannot be read")
    me = socket.gethostname()
    assert not _gone(_owner(), None)  # this process
    assert _gone(f"{me}:{os.getpid()}@1", None)  # this pid, an earlier process
    assert not _gone(f"{me}:{os.getpid()}", None)  # written before start times were: the pid alone decides
    crashed = _run(db, "v1", complete=False)
    db.execute("UPDATE runs SET owner = ? WHERE id = ?", [f"{me}:{os.getpid()}@1", crashed])
    assert live_runs(db) == [] and abandon_dead_runs(db) == [crashed]  # as a night with nothing new does
    again = _run(db, "v1", complete=False)
    db.execute("UPDATE runs SET owner = ? WHERE id = ?", [f"{me}:{os.getpid()}@1", again])
    mine = _run(db, "v1", complete=False)  # starting a run abandons it too
    assert live_runs(db) == [mine] and db["runs"].get(again)["status"] == "abandoned"
