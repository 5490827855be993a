"""`--profile`: settings bundles by name, explicit options winning over them, in the CLI and the library."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from miner.errors import MinerError
from miner.pipeline.profiles import PROFILES, Profile, get_profile

ROWS = [
    "the app crashed at checkout, call me on 07700 900123",
    "the driver left the food at the wrong door and it was cold",
    "refund took three weeks to arrive",
]


def test_the_batch_profile_is_the_fast_tier_with_regex_clauses():
    batch = get_profile("batch")
    assert (batch.embedding_model, batch.segmenter) == ("fast", "rules")
    assert get_profile("default").segmenter == "spacy"


def test_explicit_options_win_and_unset_ones_keep_the_profile():
    batch = get_profile("batch")
    chosen = batch.with_overrides(embedding_model=None, segmenter="spacy", redact=False)
    assert (chosen.embedding_model, chosen.segmenter, chosen.redact) == ("fast", "spacy", False)
    assert batch.with_overrides() == batch


def test_an_unknown_profile_names_the_known_ones():
    with pytest.raises(MinerError, match="--profile nightly: use default or batch"):
        get_profile("nightly")


@pytest.fixture
def quick(monkeypatch):
    """A profile on the fake embedder (no model to load) without redaction, registered for the test."""
    monkeypatch.setitem(PROFILES, "quick", Profile("quick", "fake", "rules", False, "tests only"))


def _mine(tmp_path, data_dir, *options: str) -> tuple[str, tuple]:
    from miner.cli import app

    feed = tmp_path / "feed.csv"
    feed.write_text("text\n" + "\n".join(f'"{r}"' for r in ROWS) + "\n", encoding="utf-8")
    db = tmp_path / f"run{len(list(tmp_path.iterdir()))}.db"
    args = ["mine", str(feed), "--db", str(db), "--taxonomy", str(data_dir / "mini_taxonomy.yaml"), *options]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    texts = " ".join(t for (t,) in conn.execute("SELECT text FROM documents"))
    return texts, conn.execute("SELECT embedding_model, segmenter FROM runs").fetchone()


def test_mine_takes_the_profiles_settings_and_an_explicit_redact_wins(quick, tmp_path, data_dir):
    texts, run = _mine(tmp_path, data_dir, "--profile", "quick")
    assert "07700 900123" in texts and run == ("fake:hashing", "rules")  # the profile does not redact
    texts, run = _mine(tmp_path, data_dir, "--profile", "quick", "--redact")
    assert "07700 900123" not in texts and "<PHONE>" in texts and run == ("fake:hashing", "rules")


def test_an_unknown_profile_is_refused_before_a_database_is_made(tmp_path):
    from miner.cli import app

    result = CliRunner().invoke(app, ["mine", str(tmp_path), "--db", str(tmp_path / "x.db"), "--profile", "turbo"])
    assert result.exit_code == 2 and "--profile turbo: use default or batch" in result.output
    assert not (tmp_path / "x.db").exists()
