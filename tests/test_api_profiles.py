"""The API's runs take `profile` as `touchpoints mine --profile` does: its own models, the server's for default."""

from __future__ import annotations

import pytest

from api.jobs import JobRunner
from api.settings import Settings
from miner.pipeline.profiles import PROFILES, Profile
from miner.segment.rules import RuleSegmenter


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setitem(PROFILES, "quick", Profile("quick", "fake", "rules", False, "tests only"))
    runner = JobRunner(Settings(db=tmp_path / "main.db", embedding_model="fake", workers=1))
    yield runner
    runner.shutdown()


def test_each_profile_loads_its_own_models_once(runner):
    embedder, segmenter = runner._models_loaded(PROFILES["quick"])
    assert isinstance(segmenter, RuleSegmenter) and embedder.name.startswith("fake")
    assert runner._models_loaded(PROFILES["quick"])[0] is embedder  # loaded once, kept for the next run
    default_embedder, _ = runner._models_loaded(PROFILES["default"])
    assert default_embedder is runner.embedder()  # the server's configured encoder, shared with the read routes


def test_a_queued_run_keeps_the_profile_asked_for(runner):
    from api import db as control_db

    runner.queue.close()  # nothing is run: only what was queued is read back
    job_id = runner.submit("alice", None, None, "quick")
    assert control_db.job_row(runner._control, job_id)["profile"] == "quick"


def test_the_latest_completed_run_says_which_profile_a_remapping_reads_with(runner):
    """A taxonomy PUT re-maps the stored segments with the profile the data was mined with (its vectors are
    cached for that encoder); it started a default-profile run that read everything again."""
    from api import db as control_db

    runner.queue.close()
    assert control_db.latest_profile(runner._control, "alice") is None
    first = runner.submit("alice", None, None, "quick")
    runner._control.execute("UPDATE jobs SET status = 'complete' WHERE id = ?", [first])
    assert control_db.latest_profile(runner._control, "alice") == "quick"
    second = runner.submit("alice", None, None, "default")  # one run at a time: the first is complete
    assert control_db.latest_profile(runner._control, "alice") == "quick"  # a queued run says nothing yet
    runner._control.execute("UPDATE jobs SET status = 'complete' WHERE id = ?", [second])
    assert control_db.latest_profile(runner._control, "alice") == "default"
    assert control_db.latest_profile(runner._control, "bob") is None
