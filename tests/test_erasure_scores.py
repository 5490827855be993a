"""Forgetting a survey respondent who only scored (miner/store/scores.py `silent_scores`) by a value of the columns
their row kept, as a commenter's item is found by its meta (miner/store/erasure_lookup.py): real SQLite files, the
fake embedder (plumbing, not quality)."""

from __future__ import annotations

import csv

from conftest import COMPLAINTS
from typer.testing import CliRunner

from miner.cli import app

# (response id, NPS answer, wrote a comment, the customer's e-mail in an embedded `Customer email` column)
RESPONDENTS = [
    ("R_1", 2, True, "ann.lee@example.com"),
    ("R_2", 9, False, "ann.lee@example.com"),  # the same customer answered twice: once with a comment, once not
    ("R_3", 10, False, "bob.ray@example.com"),
    ("R_4", 4, True, "bob.ray@example.com"),
    ("R_5", 7, False, "cy.dee@example.com"),
]


def _survey(path) -> None:
    """A Qualtrics export whose embedded data holds each respondent's e-mail (kept with each answer and score)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["RecordedDate", "ResponseId", "Q1", "Q2_TEXT", "Customer email"])
        w.writerow(["Recorded Date", "Response ID", "How likely are you to recommend us to a friend?",
                    "What could we do better?", "Customer email"])  # fmt: skip
        w.writerow([f'{{"ImportId":"{i}"}}' for i in ("recordedDate", "_recordId", "QID1", "QID2_TEXT", "email")])
        for i, (rid, score, wrote, email) in enumerate(RESPONDENTS):
            comment = COMPLAINTS[i % len(COMPLAINTS)] if wrote else ""
            w.writerow([f"2026-03-{1 + i:02d} 10:00:00", rid, score, comment, email])


def _mine(db, path, mini_taxonomy, fake_embedder, segmenter, **kw) -> None:
    from miner.pipeline import MineOptions, mine

    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, **kw))


def _scored(db) -> set[str]:
    return {r for (r,) in db.execute("SELECT response_id FROM silent_scores")}


def test_a_respondent_who_only_scored_is_forgotten_by_an_email_of_their_kept_columns(
    db, tmp_path, mini_taxonomy, fake_embedder, segmenter
):
    from miner.store.erasure import forget_customer

    _survey(tmp_path / "q.csv")
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter)
    assert _scored(db) == {"R_2", "R_3", "R_5"}
    stored = db.execute("SELECT meta FROM silent_scores WHERE response_id = 'R_2'").fetchone()[0]
    assert "ann.lee" not in stored  # redacted: a keyed token in place of the e-mail
    dry = CliRunner().invoke(app, ["forget", "--db", str(tmp_path / "t.db"), "--customer", "ann.lee@example.com",
                                   "--dry-run"])  # fmt: skip
    assert dry.exit_code == 0 and "1 document, " in dry.output and "1 survey score" in dry.output, dry.output
    erased = forget_customer(db, "Ann.Lee@example.com")
    assert (erased.documents, erased.scores) == (1, 1)
    assert _scored(db) == {"R_3", "R_5"}
    _mine(db, tmp_path / "q.csv", mini_taxonomy, fake_embedder, segmenter, incremental=True)
    assert _scored(db) == {"R_3", "R_5"}  # tombstoned: the same export mined again leaves the score out
    # a response id still finds its score, any case, and no other respondent's
    assert forget_customer(db, "r_5").scores == 1 and _scored(db) == {"R_3"}
