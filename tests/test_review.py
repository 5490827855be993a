"""`taxonomy review`: the complaints a run was least sure of, spread over the touchpoints, as corrections to check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from miner.embed import EmbeddingCache
from miner.errors import MinerError
from miner.pipeline import MineOptions, mine
from miner.touchpoints.review import as_yaml, least_sure
from miner.touchpoints.taxonomy import Correction

BUNDLED = Path(__file__).resolve().parents[1] / "taxonomies" / "default.yaml"


@pytest.fixture
def mined(db, data_dir, mini_taxonomy, fake_embedder, segmenter):
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    mine(db, [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"], options)
    return db, EmbeddingCache(fake_embedder, db)


def test_least_sure_complaints_first_one_touchpoint_at_a_time(mined, mini_taxonomy):
    from miner.segment.segmenter import quote_key

    db, cache = mined
    picks = least_sure(db, cache, mini_taxonomy, limit=100)
    stored = {r["segment_id"]: r["touchpoint"] for r in db.query("SELECT * FROM assignments WHERE rank = 0")}
    said = {r["id"]: r["text"] for r in db.query("SELECT id, text FROM segments")}
    distinct = {quote_key(said[s]) for s in stored}  # a quote several items say is listed once
    assert len(picks) == len(distinct) > 3 and len({quote_key(p["text"]) for p in picks}) == len(picks)
    assert all(p["touchpoint"] == stored[p["segment_id"]] and p["runner_up"] not in (p["touchpoint"], "none")
               for p in picks)  # fmt: skip
    first_round = len({p["touchpoint"] for p in picks})
    assert len({p["touchpoint"] for p in picks[:first_round]}) == first_round  # every touchpoint's least sure first
    for tp in {p["touchpoint"] for p in picks} - {"none"}:
        margins = [p["margin"] for p in picks if p["touchpoint"] == tp]
        assert margins == sorted(margins)
    # the complaints filed under none too (nothing else lists an abstention), last in each round
    assert picks[first_round - 1]["touchpoint"] == "none" and sum(p["touchpoint"] == "none" for p in picks) == 3
    assert least_sure(db, cache, mini_taxonomy, limit=2) == picks[:2]
    siblings = {r["segment_id"]: r["n"] for r in db.query(
        "SELECT s.id AS segment_id, (SELECT COUNT(*) FROM segments t WHERE t.document_id = s.document_id) AS n"
        " FROM segments s")}  # fmt: skip
    sql = "SELECT s.id AS segment_id, d.title, d.text FROM segments s JOIN documents d ON d.id = s.document_id"
    texts = {r["segment_id"]: (r["title"] + ". " if r["title"] else "") + r["text"] for r in db.query(sql)}
    for p in picks:  # a clause comes with its whole feedback item as stored (a review's title first: "Useless
        # site" was shown in a text without it), to be labelled in context
        assert (p["context"] is None) == (siblings[p["segment_id"]] == 1)
        assert p["context"] is None or (p["text"] in p["context"] and p["context"] == texts[p["segment_id"]])
    assert any(p["context"] for p in picks)


def test_the_block_parses_as_corrections_the_taxonomy_accepts(mined, mini_taxonomy):
    db, cache = mined
    picks = least_sure(db, cache, mini_taxonomy, limit=5)
    text = as_yaml(picks)
    assert text.count("  # in: ") == sum(1 for p in picks if p["context"])
    block = yaml.safe_load(text)["corrections"]
    filed = [p for p in picks if p["touchpoint"] != "none"]
    assert len(filed) < len(picks)  # one at least filed under none, which a correction cannot name:
    assert [c["text"] for c in block] == [p["text"] for p in filed]
    corrected = mini_taxonomy.model_validate({**mini_taxonomy.model_dump(), "corrections": block})
    assert [c.touchpoint for c in corrected.corrections] == [p["touchpoint"] for p in filed]
    uncommented = yaml.safe_load(text.replace("  # - text:", "  - text:").replace("  #   touch", "    touch"))
    nearest = [p["runner_up"] for p in picks if p["touchpoint"] == "none"]  # commented out, its nearest filled in
    assert [c["touchpoint"] for c in uncommented["corrections"]] == [
        p["touchpoint"] if p["touchpoint"] != "none" else p["runner_up"] for p in picks
    ] and nearest


def test_a_run_of_another_taxonomy_is_refused_by_name(mined, mini_taxonomy):
    db, cache = mined
    other = mini_taxonomy.model_copy(update={"corrections": [Correction(text="two charges", touchpoint="billing")]})
    with pytest.raises(MinerError, match=r"run 1 was mined with fake:hashing and taxonomy .* pass the --embedding"):
        least_sure(db, cache, other)


def test_texts_already_filed_as_corrections_are_not_listed_again(db, data_dir, mini_taxonomy, fake_embedder, segmenter):
    cache = EmbeddingCache(fake_embedder, db)
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    mine(db, [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"], options)
    first = least_sure(db, cache, mini_taxonomy, limit=100)
    filed = first[0]
    corrected = mini_taxonomy.model_copy(
        update={"corrections": [Correction(text=filed["text"], touchpoint=filed["touchpoint"])]}
    )
    files = [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"]
    _, run_id = mine(db, files, MineOptions(taxonomy=corrected, embedder=fake_embedder, segmenter=segmenter))
    assert run_id == 2  # the same feedback, mined again with the corrected taxonomy
    (still,) = db.execute(
        "SELECT touchpoint FROM assignments WHERE run_id = 2 AND rank = 0 AND segment_id = ?", [filed["segment_id"]]
    ).fetchone()
    assert still != "none"  # mapped in the new run too: only the filing keeps it off the list
    again = least_sure(db, cache, corrected, limit=100)
    assert again and filed["text"] not in {p["text"] for p in again}


def test_texts_put_in_none_examples_are_filed_none_and_not_listed_again(
    db, data_dir, mini_taxonomy, fake_embedder, segmenter
):
    """The review's error for a correction under none says to put such text in none_examples: a tester did, and
    the clause stayed filed under a touchpoint and came back in every round. Now it is filed under none (quoted.py)
    and left off the list, as a corrected quote is."""
    cache = EmbeddingCache(fake_embedder, db)
    files = [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"]
    mine(db, files, MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    filler = least_sure(db, cache, mini_taxonomy, limit=100)[0]
    assert filler["touchpoint"] != "none"
    taxonomy = mini_taxonomy.model_copy(update={"none_examples": [*mini_taxonomy.none_examples, filler["text"]]})
    _, run_id = mine(db, files, MineOptions(taxonomy=taxonomy, embedder=fake_embedder, segmenter=segmenter))
    (now,) = db.execute(
        "SELECT touchpoint FROM assignments WHERE run_id = ? AND rank = 0 AND segment_id = ?",
        [run_id, filler["segment_id"]],
    ).fetchone()
    assert now == "none"
    assert filler["text"] not in {p["text"] for p in least_sure(db, cache, taxonomy, limit=100)}


def test_the_command_prints_a_block_to_paste_and_names_a_missing_database(mined, data_dir, tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    db, _ = mined
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    args = ["taxonomy", "review", "--db", path, "--limit", "3", "--embedding-model", "fake"]
    result = CliRunner().invoke(app, [*args, "--taxonomy", str(data_dir / "mini_taxonomy.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# 3 complaints to check: each of 3 touchpoints' least sure in turn")
    assert len(yaml.safe_load(result.output)["corrections"]) == 3
    stored = CliRunner().invoke(app, args)  # no --taxonomy: the one the run stored, not the bundled one
    assert stored.exit_code == 0 and len(yaml.safe_load(stored.output)["corrections"]) == 3, stored.output
    other = CliRunner().invoke(app, [*args, "--taxonomy", str(BUNDLED)])  # not the one the run used
    assert other.exit_code != 0 and "pass the --embedding-model and --taxonomy that run used" in other.output
    missing = CliRunner().invoke(app, ["taxonomy", "review", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code != 0 and "no such database" in missing.output
    from miner.store import open_db

    open_db(tmp_path / "empty.db")
    empty = CliRunner().invoke(app, ["taxonomy", "review", "--db", str(tmp_path / "empty.db")])
    assert empty.exit_code != 0 and "no complete run to review" in empty.output


def test_an_unknown_output_format_is_refused_rather_than_printed_as_yaml(tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    for command in ("review", "suggest"):
        result = CliRunner().invoke(app, ["taxonomy", command, "--db", str(tmp_path / "x.db"), "--format", "xml"])
        assert result.exit_code == 2 and "Invalid value for '--format'" in result.output and "'xml'" in result.output


def test_the_command_reads_a_run_with_the_encoder_it_was_mined_with(data_dir, tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app
    from miner.store import open_db
    from miner.store.runs import find_run, run_encoder

    db, taxonomy = str(tmp_path / "r.db"), ["--taxonomy", str(data_dir / "mini_taxonomy.yaml")]
    mined = CliRunner().invoke(app, ["mine", str(data_dir / "reviews_small.csv"), "--db", db, "--embedding-model",
                                     "fake", "--segmenter", "rules", "--no-redact", *taxonomy])  # fmt: skip
    assert mined.exit_code == 0, mined.output
    assert run_encoder(find_run(open_db(db)) or {}) == "fake"
    result = CliRunner().invoke(app, ["taxonomy", "review", "--db", db, "--limit", "2", *taxonomy])
    assert result.exit_code == 0, result.output  # no --embedding-model: the run's own, not the default encoder
    assert len(yaml.safe_load(result.output)["corrections"]) == 2


def test_a_corrected_quote_is_not_listed_again_in_another_case_or_punctuation(
    db, data_dir, mini_taxonomy, fake_embedder, segmenter
):
    """A correction 'i called ... never got through' still saw 'I called ... never got through.' listed first."""
    from miner.touchpoints.taxonomy import Correction

    loose = Correction(text="  the CONTAINER was leaking in the bag.", touchpoint="packaging")
    taxonomy = mini_taxonomy.model_copy(update={"corrections": [loose]})
    options = MineOptions(taxonomy=taxonomy, embedder=fake_embedder, segmenter=segmenter)
    mine(db, [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"], options)
    stored = [r["text"] for r in db.query("SELECT text FROM segments")]
    assert "The container was leaking in the bag" in stored
    listed = [p["text"] for p in least_sure(db, EmbeddingCache(fake_embedder, db), taxonomy, limit=100)]
    assert listed and "The container was leaking in the bag" not in listed


def test_the_context_line_shows_the_clause_being_labelled():
    """The "# in:" line was the item's first 110 characters: a clause late in a long item ("it just spins forever.")
    was not in it."""
    from miner.touchpoints.review import as_yaml

    context = ("Where do I start. Every time I ask about my claim I get told it is with the underwriters. I expected "
               "better from a company this size. The app login page?  it just spins forever. Anyway.")  # fmt: skip
    pick = {"text": "it just spins forever.", "touchpoint": "product", "runner_up": "claims", "margin": 0.296}
    (line,) = [x for x in as_yaml([{**pick, "context": context}]).splitlines() if x.startswith("  # in: ")]
    assert "it just spins forever." in line and line.startswith("  # in: …") and len(line) <= len("  # in: ") + 112
    first = {**pick, "text": "Where do I start.", "context": context}
    (line,) = [x for x in as_yaml([first]).splitlines() if x.startswith("  # in: ")]
    assert line.startswith("  # in: Where do I start. Every time") and line.endswith("…")
