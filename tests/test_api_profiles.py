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
