"""Nightly runs: new documents join the existing pain points without a refit, ids stay stable, and a refit
says what changed (fake embedder: plumbing only)."""

import json
import re

import pytest

from miner.pipeline import MineOptions, mine
from miner.progress import Progress
from miner.store.painpoints import changes_of
from tests.conftest import COMPLAINTS
from tests.conftest import write_reviews as _write


@pytest.fixture
def options(mini_taxonomy, fake_embedder, segmenter):
    return MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)


class Notes(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, message: str) -> None:
        self.lines.append(message)


def _pain(db, run_id) -> dict[str, int]:
    return {r["id"]: r["complaints"] for r in db.query("SELECT * FROM pain_points WHERE run_id = ?", [run_id])}


def test_incremental_run_assigns_new_complaints_to_existing_pain_points(db, tmp_path, options):
    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    before = _pain(db, first)
    assert before
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    run = db["runs"].get(second)
    assert run["mode"] == "incremental" and run["base_run_id"] == first
    after = _pain(db, second)
    assert set(after) == set(before)  # no refit: same pain points, same ids
    new = db["segments"].count - db["runs"].get(first)["segments"]
    results = db["segment_results"].count_where("run_id = ?", [second])
    assert new > 0 and run["segments"] == db["segments"].count == results
    grown = sum(after.values()) - sum(before.values())
    assigned = db.execute(
        "SELECT count(*) FROM assignments WHERE run_id = ? AND pain_point_id IS NOT NULL", [second]
    ).fetchone()[0]
    assert grown > 0 and assigned == sum(after.values())


def test_refit_keeps_ids_of_unchanged_pain_points_and_reports_changes(db, tmp_path, options):
    _write(tmp_path / "day1.csv", 0, 36)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    _, second = mine(db, [tmp_path / "day1.csv"], options)  # same data, a full refit
    changes = changes_of(db, second)
    assert changes and {c["change"] for c in changes} == {"kept"}
    assert _pain(db, first) == _pain(db, second)


def test_incremental_without_a_previous_run_is_a_full_run(db, tmp_path, options):
    _write(tmp_path / "day1.csv", 0, 12)
    options.incremental = True
    _, run_id = mine(db, [tmp_path / "day1.csv"], options)
    assert db["runs"].get(run_id)["mode"] == "full"
    assert changes_of(db, run_id) == []


def test_a_new_complaint_encoder_means_a_refit_not_an_incremental_run(db, tmp_path, options, monkeypatch):
    from miner.embed.fake import HashingEmbedder

    class OtherComplaintEncoder(HashingEmbedder):
        name = "fake:complaints-v2"

    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    monkeypatch.setattr("miner.pipeline.factory.complaint_embedder_for", lambda embedder: OtherComplaintEncoder(dim=32))
    options.incremental = True
    notes = Notes()
    _, second = mine(db, [tmp_path / "day2.csv"], options, notes)
    run = db["runs"].get(second)
    assert run["mode"] == "full", run
    assert '"complaint_model": "fake:complaints-v2"' in run["params"]
    # the note names what changed, from what to what ('used another model, complaint detector, pain-point space or
    # taxonomy' named four candidates)
    refit = [n for n in notes.lines if n.startswith("Incremental:")]
    assert refit == [
        f"Incremental: the complaint model changed from none to fake:complaints-v2 since run {first}: "
        "refitting everything."
    ]


def test_an_edited_taxonomy_is_named_as_what_changed(db, tmp_path, options):
    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    options.taxonomy = options.taxonomy.model_copy(update={"description": "edited"})
    options.incremental = True
    notes = Notes()
    mine(db, [tmp_path / "day2.csv"], options, notes)
    tax = options.taxonomy
    assert f"Incremental: taxonomy {tax.name} {tax.version} was edited since run {first}: refitting everything." in (
        notes.lines
    )


def test_a_changed_seed_vote_means_a_refit_not_an_incremental_run(db, tmp_path, options, monkeypatch):
    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    mine(db, [tmp_path / "day1.csv"], options)
    import miner.pipeline.classify

    built = []
    real = miner.pipeline.classify.ComplaintDetector
    monkeypatch.setattr(
        "miner.pipeline.classify.ComplaintDetector", lambda *a, **kw: built.append(kw) or real(*a, **kw)
    )
    monkeypatch.setattr("miner.pipeline.classify.NEIGHBOUR_WEIGHT", 0.25)
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    run = db["runs"].get(second)
    assert run["mode"] == "full", run
    recorded = '"complaint_neighbours": {"calibration": "mixture", "k": 5, "outright": true, "weight": 0.25}'
    assert recorded in run["params"]
    assert [(kw["neighbours"], kw["neighbour_weight"]) for kw in built] == [
        (5, 0.25)
    ]  # the run records the detector it used


def test_a_nightly_run_maps_with_the_corpus_head_of_the_run_it_extends(db, tmp_path, options, monkeypatch):
    from miner.touchpoints.corpus import CorpusHead
    from miner.touchpoints.mapper import Mapper

    fitted = []

    def small_head(self):  # the fake corpus is small: let a handful of sure complaints teach the head
        fitted.append(CorpusHead(len(self.ids), margin=0.0, min_labels=5))
        return fitted[-1]

    monkeypatch.setattr(Mapper, "corpus_head", small_head)
    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    head = db.execute("SELECT * FROM corpus_heads WHERE run_id = ?", [first]).fetchone()
    assert head is not None and fitted[-1].fitted
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    assert len(fitted) == 1  # no new head: the nightly run reuses its base's
    again = db.execute("SELECT * FROM corpus_heads WHERE run_id = ?", [second]).fetchone()
    assert again[1:] == head[1:]


class _PlainEncoder:
    """A separate clustering encoder, as the tuned MiniLM has (its plain base model); hashing, so fast."""

    def __new__(cls, name: str = "fake:plain"):
        from miner.embed.fake import HashingEmbedder

        embedder = HashingEmbedder(dim=48)
        embedder.name = name
        return embedder


def test_a_new_pain_point_space_means_a_refit_with_fresh_ids(db, tmp_path, options, monkeypatch):
    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    assert '"pain_point_space": null' in db["runs"].get(first)["params"]  # the fake encoder clusters its own vectors
    monkeypatch.setattr("miner.pipeline.factory.cluster_embedder_for", lambda embedder: _PlainEncoder())
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    run = db["runs"].get(second)
    assert run["mode"] == "full", run
    assert json.loads(run["params"])["pain_point_space"] == {"model": "fake:plain", "context": 0.35}
    # centroids of two spaces are not compared (as after a change of encoder): every old pain point is removed,
    # and no new one takes an old id, so an id never names two different pain points
    changes = changes_of(db, second)
    assert {c["change"] for c in changes} == {"added", "removed"}
    removed = {c["old_id"] for c in changes if c["change"] == "removed"}
    assert removed == set(_pain(db, first)) and not removed & set(_pain(db, second))
    centroid = db.execute("SELECT centroid FROM pain_points WHERE run_id = ? LIMIT 1", [second]).fetchone()[0]
    assert len(centroid) == 48 * 2  # float16 in the clustering space, not the mapper's 64 dimensions


def test_a_nightly_run_joins_pain_points_in_the_space_they_were_clustered_in(db, tmp_path, options, monkeypatch):
    monkeypatch.setattr("miner.pipeline.factory.cluster_embedder_for", lambda embedder: _PlainEncoder())
    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    assert db["runs"].get(second)["mode"] == "incremental"
    before, after = _pain(db, first), _pain(db, second)
    assert set(after) == set(before) and sum(after.values()) > sum(before.values())


def test_a_fragment_clusters_with_what_its_feedback_item_is_about(monkeypatch):
    import numpy as np

    from miner.embed import EmbeddingCache
    from miner.pipeline.analyze import cluster_space
    from miner.pipeline.classify import Classified
    from miner.progress import Progress
    from miner.store.db import open_db

    texts = [
        ("a", "I was on hold on the phone for an hour"),
        ("a", "it was more than 50"),
        ("b", "the pizza was cold and soggy"),
        ("b", "it was more than 50"),
    ]
    segments = [{"id": i, "document_id": doc, "text": text} for i, (doc, text) in enumerate(texts)]
    result = Classified([], [], {}, [0, 1, 2, 3], np.zeros((4, 64), np.float16), 4)
    space = cluster_space(segments, result, EmbeddingCache(_PlainEncoder(), open_db(memory=True)), Progress())
    assert space.shape == (4, 48)
    sims = space.astype(np.float32) @ space.astype(np.float32).T
    assert sims[1, 3] < 0.99  # the same words, read in two items
    assert sims[1, 0] > sims[1, 2] and sims[3, 2] > sims[3, 0]  # each leans to its own item's other clause


def test_a_nightly_run_detects_with_the_complaint_threshold_of_the_run_it_extends(db, tmp_path, options, monkeypatch):
    import miner.pipeline.core
    from miner.store.segments import lowest_complaint_score

    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    real = miner.pipeline.core.classify
    given = []
    monkeypatch.setattr(
        "miner.pipeline.core.classify", lambda *a, **kw: given.append(kw["complaint_threshold"]) or real(*a, **kw)
    )
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    lowest = lowest_complaint_score(db, first)
    assert lowest is not None
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    assert given == [None, min(0.5, lowest)]  # the full run reads its own corpus; the nightly one keeps it
    new = "segment_id IN (SELECT id FROM segments WHERE id NOT IN (SELECT segment_id FROM segment_results "
    new += "WHERE run_id = ?))"
    flagged = db.execute(
        f"SELECT count(*) FROM segment_results WHERE run_id = ? AND complaint = 1 AND complaint_score < ? AND {new}",
        [second, min(0.5, lowest), first],
    ).fetchone()[0]
    assert flagged == 0


class _CountingEncoder:
    """The hashing embedder, counting the texts it is asked to embed (a pass over a text is one count)."""

    def __new__(cls):
        from miner.embed.fake import HashingEmbedder

        class Counting(HashingEmbedder):
            read = 0

            def embed_batch(self, texts):
                type(self).read += len(texts)
                return super().embed_batch(texts)

        return Counting(dim=64)


def test_pain_points_on_the_mapping_encoder_read_no_text_again(tmp_path, options, monkeypatch):
    from miner.store import open_db

    _write(tmp_path / "day1.csv", 0, 36)
    read, spaces = [], []
    for one_pass in (None, False, True):  # None: a first run, which embeds the seeds into the shared fit cache
        encoder = _CountingEncoder()
        options.embedder = encoder
        clustering = encoder if one_pass else None
        monkeypatch.setattr("miner.pipeline.factory.cluster_embedder_for", lambda embedder, c=clustering: c)
        db = open_db(tmp_path / f"{one_pass}.db")
        _, run_id = mine(db, [tmp_path / "day1.csv"], options)
        read.append(type(encoder).read)
        spaces.append(json.loads(db["runs"].get(run_id)["params"])["pain_point_space"])
        assert _pain(db, run_id)
    assert read[1] == read[2] > 0  # the blend reuses what the mapper read: no second pass over any text
    assert spaces[1:] == [None, {"model": "fake:hashing", "context": 0.35}]


def test_the_mapping_space_blends_each_complaint_with_its_item():
    import numpy as np

    from miner.pipeline.analyze import blended
    from miner.pipeline.classify import Classified

    own = np.array([[1, 0], [0, 1], [1, 0]], np.float16)
    result = Classified([], [], {}, [0, 1, 2], own, 3)
    result.contexts = np.array([[0, 2], [2, 0]], np.float16)
    result.context_of = np.array([0, 0, 1])
    space = blended(result, context=0.5).astype(np.float32)
    assert np.allclose(space[0], np.array([1, 1]) / np.sqrt(2), atol=1e-3)  # half its own, half its item's
    assert np.allclose(space[1], [0, 1], atol=1e-3) and np.allclose(space[2], [1, 0], atol=1e-3)


def test_a_base_run_whose_corrections_did_not_teach_the_detector_means_a_refit(db, tmp_path, options):
    """Corrections teach the complaint detector: a run records how much they weigh, so a nightly run does not add
    to a base whose detector read the same corrections another way (a run from before that change records no
    weight). Without corrections a run records what runs recorded before."""
    from miner.touchpoints.taxonomy import Correction

    _write(tmp_path / "day1.csv", 0, 36)
    _write(tmp_path / "day2.csv", 100, 12)
    _write(tmp_path / "day3.csv", 200, 12)
    plain = db["runs"].get(mine(db, [tmp_path / "day1.csv"], options)[1])
    assert "correction_weight" not in json.loads(plain["params"])["complaint_neighbours"]
    filed = [Correction(text=COMPLAINTS[0], touchpoint=options.taxonomy.touchpoints[0].id)]
    options.taxonomy = options.taxonomy.model_copy(update={"corrections": filed})
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    params = json.loads(db["runs"].get(first)["params"])
    assert params["complaint_neighbours"]["correction_weight"] == 1.0
    options.incremental = True
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    assert db["runs"].get(second)["mode"] == "incremental"  # the same detector: it extends
    del params["complaint_neighbours"]["correction_weight"]  # as a run before the change recorded it
    db["runs"].update(second, {"params": json.dumps(params)})
    _, third = mine(db, [tmp_path / "day3.csv"], options)
    assert db["runs"].get(third)["mode"] == "full"


@pytest.mark.parametrize("incremental", [False, True])
def test_a_run_counts_the_documents_it_analysed_not_those_stored_meanwhile(db, tmp_path, options, monkeypatch,
                                                                           incremental):  # fmt: skip
    import sqlite3

    from miner.pipeline.core import Pipeline

    _write(tmp_path / "day1.csv", 0, 12)
    _write(tmp_path / "day2.csv", 100, 6)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    classify = Pipeline.classify

    def classify_while_another_process_stores(self, *args, **kwargs):  # noqa: ANN001, ANN202
        other = sqlite3.connect(tmp_path / "t.db")
        with other:
            sql = "INSERT INTO documents (id, source, kind, text) VALUES ('late:1', 'late.csv', 'review', 'late')"
            other.execute(sql)
        other.close()
        return classify(self, *args, **kwargs)

    options.incremental = incremental
    monkeypatch.setattr(Pipeline, "classify", classify_while_another_process_stores)
    _, second = mine(db, [tmp_path / "day2.csv"], options)
    run = db["runs"].get(second)
    assert run["mode"] == ("incremental" if incremental else "full")
    # an incremental run's documents are a total, carried forward as its segments are: the report's "of N items"
    assert run["documents"] == 18 == db["documents"].count - 1
    assert db["runs"].get(first)["documents"] == 12


def test_incremental_with_nothing_new_makes_no_run(db, tmp_path, options):
    _write(tmp_path / "day1.csv", 0, 12)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    rows = db["segment_results"].count
    options.incremental = True
    imports, again = mine(db, [tmp_path / "day1.csv"], options)  # the same export mined again: nothing new
    assert imports[0].added == 0 and again == first
    assert [r["id"] for r in db.query("SELECT id FROM runs")] == [first]
    assert db["segment_results"].count == rows  # no copy of every result row for nothing
    _write(tmp_path / "day2.csv", 100, 3)
    _, second = mine(db, [tmp_path / "day2.csv"], options)  # something new: a run as before
    assert second != first and db["runs"].get(second)["mode"] == "incremental"


def test_cli_incremental_on_a_header_only_or_re_mined_export_warns_and_exits_0(tmp_path, data_dir):
    from typer.testing import CliRunner

    from miner.cli import app
    from miner.store import open_db

    _write(tmp_path / "day1.csv", 0, 12)
    _write(tmp_path / "empty.csv", 0, 0)  # the header alone
    db = str(tmp_path / "n.db")
    args = ["--db", db, "--embedding-model", "fake", "--segmenter", "rules", "--no-redact",
            "--taxonomy", str(data_dir / "mini_taxonomy.yaml")]  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(app, ["mine", str(tmp_path / "day1.csv"), *args]).exit_code == 0
    full = runner.invoke(app, ["mine", str(tmp_path / "empty.csv"), *args])
    assert full.exit_code == 2 and "the file has no rows" in full.output  # without --incremental: as before
    (tmp_path / "quiet.jsonl").write_bytes(b"")  # a quiet night's JSONL export: no header, 0 bytes (was exit 2)
    for path in ("empty.csv", "day1.csv", "quiet.jsonl"):
        result = runner.invoke(app, ["mine", str(tmp_path / path), *args, "--incremental"])
        said = " ".join(result.output.split())  # as rich wrapped it
        assert result.exit_code == 0, said
        assert "Nothing new since run 1: no run made." in said
        assert ("empty.csv: no rows" in said) == (path == "empty.csv")
        assert ("quiet.jsonl: empty (0 bytes): nothing to import" in said) == (path == "quiet.jsonl")
    assert [r["id"] for r in open_db(db).query("SELECT id FROM runs")] == [1]


def test_an_empty_night_is_listed_in_json_out_and_an_empty_first_night_makes_no_run(tmp_path, data_dir):
    """An empty file left `imports` as [], the same as no file at all; on a new database the empty first night made
    a "full" run 1 of 0 documents where a later quiet night makes none."""
    from typer.testing import CliRunner

    from miner.cli import app
    from miner.store import open_db

    (tmp_path / "quiet.jsonl").write_bytes(b"")
    _write(tmp_path / "header.csv", 0, 0)
    db, out = str(tmp_path / "n.db"), tmp_path / "top.json"
    args = ["--db", db, "--embedding-model", "fake", "--segmenter", "rules", "--no-redact", "--incremental",
            "--taxonomy", str(data_dir / "mini_taxonomy.yaml"), "--json-out", str(out)]  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(app, ["mine", str(tmp_path / "quiet.jsonl"), str(tmp_path / "header.csv"), *args])
    said = " ".join(result.output.split())
    assert result.exit_code == 0 and "Nothing stored yet to mine: no run made." in said, said
    assert open_db(db)["runs"].count == 0
    written = json.loads(out.read_text())
    assert written["run"] is None and written["touchpoints"] == []
    assert [(i["file"], i["state"], i["rows"]) for i in written["imports"]] == [
        (str(tmp_path / "quiet.jsonl"), "empty", 0),
        (str(tmp_path / "header.csv"), "no rows", 0),
    ]
    _write(tmp_path / "day1.csv", 0, 12)
    result = runner.invoke(app, ["mine", str(tmp_path / "day1.csv"), *args])  # the first night with rows: a full run
    assert result.exit_code == 0 and open_db(db)["runs"].get(1)["mode"] == "full", result.output
    result = runner.invoke(app, ["mine", str(tmp_path / "quiet.jsonl"), str(tmp_path / "day1.csv"), *args])
    assert "Nothing new since run 1: no run made." in " ".join(result.output.split())
    written = json.loads(out.read_text())
    assert written["run"]["id"] == 1
    assert [(i["state"], i["rows"]) for i in written["imports"]] == [("imported", 12), ("empty", 0)]


def _during_classify(monkeypatch, act) -> None:  # noqa: ANN001
    """Run `act()` once, when the next run classifies: another process acting on the database meanwhile."""
    from miner.pipeline.core import Pipeline

    classify, done = Pipeline.classify, []

    def classify_while_another_process_acts(self, *args, **kwargs):  # noqa: ANN001, ANN202
        if not done:
            done.append(True)  # first: `act` may classify too (another mine)
            act()
        return classify(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "classify", classify_while_another_process_acts)


def test_a_refit_finished_while_a_nightly_run_worked_is_not_hidden_by_it(db, tmp_path, options, monkeypatch):
    from miner.errors import MinerError
    from miner.store import open_db
    from miner.store.runs import latest_run

    _write(tmp_path / "day1.csv", 0, 12)
    _write(tmp_path / "day2.csv", 100, 6)
    _write(tmp_path / "week.csv", 200, 6)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    refit = MineOptions(**{**vars(options), "incremental": False})
    _during_classify(monkeypatch, lambda: mine(open_db(tmp_path / "t.db"), [tmp_path / "week.csv"], refit)[1])
    options.incremental = True
    with pytest.raises(MinerError, match=r"extended run 1, but run \d+ finished while it ran: mine again"):
        mine(db, [tmp_path / "day2.csv"], options)
    refitted = latest_run(db)
    assert refitted["mode"] == "full" and refitted["id"] > first  # the refit stays the latest, as it should
    monkeypatch.undo()
    # the items it imported are not lost: the refit, which began after they were stored, covers them, so the next
    # nightly run finds nothing new
    assert refitted["documents"] == 24
    assert mine(db, [tmp_path / "day2.csv"], options)[1] == refitted["id"]


def test_prune_leaves_the_base_of_a_nightly_run_that_is_still_working(db, tmp_path, options, monkeypatch):
    # `runs prune --keep 1` after a refit finished, while a nightly run still works from the run before: that run
    # was pruned, and the nightly one completed with no pain points, exit 0
    from miner.errors import MinerError
    from miner.store import open_db
    from miner.store.runs import prune_runs

    _write(tmp_path / "day1.csv", 0, 12)
    _write(tmp_path / "day2.csv", 100, 6)
    _write(tmp_path / "week.csv", 200, 6)
    _, first = mine(db, [tmp_path / "day1.csv"], options)
    refit, pruned = MineOptions(**{**vars(options), "incremental": False}), []

    def refit_then_prune() -> None:
        other = open_db(tmp_path / "t.db")
        mine(other, [tmp_path / "week.csv"], refit)
        pruned.extend(prune_runs(other, keep=1).runs)

    _during_classify(monkeypatch, refit_then_prune)
    options.incremental = True
    with pytest.raises(MinerError, match="finished while it ran"):
        mine(db, [tmp_path / "day2.csv"], options)
    assert first not in pruned and db["runs"].get(first)["status"] == "complete"


def test_a_refit_says_the_taxonomy_was_edited_and_names_the_pain_points_that_changed(tmp_path, data_dir):
    # it printed only "removed website-01 -> (gone)" lines, and nothing of the taxonomy a full refit was run with
    import yaml
    from typer.testing import CliRunner

    from miner.cli import app

    _write(tmp_path / "day1.csv", 0, 36)
    taxonomy = yaml.safe_load((data_dir / "mini_taxonomy.yaml").read_text(encoding="utf-8"))
    taxonomy["touchpoints"] = [t for t in taxonomy["touchpoints"] if t["id"] != "website"]  # same name and version
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(taxonomy), encoding="utf-8")
    args = ["--db", str(tmp_path / "n.db"), "--embedding-model", "fake", "--segmenter", "rules", "--no-redact"]
    runner = CliRunner()
    mini = str(data_dir / "mini_taxonomy.yaml")
    assert runner.invoke(app, ["mine", str(tmp_path / "day1.csv"), *args, "--taxonomy", mini]).exit_code == 0
    again = runner.invoke(app, ["mine", str(tmp_path / "day1.csv"), *args, "--taxonomy", str(edited)])
    said = " ".join(again.output.split())  # as rich wrapped it
    assert again.exit_code == 0 and "Refit with taxonomy mini test-1, edited since run 1." in said, said
    assert re.search(r"removed website-01 \S.* \(\d+\) -> \(gone\)", said), said  # with its label and size


def test_a_night_with_nothing_new_abandons_a_run_a_crash_left_running(db, tmp_path, options):
    """A refit killed with -9, then nights that brought nothing new: 'running' for good, its base kept from pruning."""
    import socket

    from miner.store.runs import start_run

    _write(tmp_path / "day1.csv", 0, 10)
    (_, first) = mine(db, [tmp_path / "day1.csv"], options)
    crashed = start_run(db, mapper="examples")
    db.execute("UPDATE runs SET owner = ? WHERE id = ?", [f"{socket.gethostname()}:999999999", crashed])  # gone
    options.incremental = True
    progress = Progress()
    notes: list[str] = []
    progress.note = notes.append  # type: ignore[method-assign]
    (_, again) = mine(db, [tmp_path / "day1.csv"], options, progress=progress)
    assert again == first and db["runs"].get(crashed)["status"] == "abandoned"
    assert f"Run {crashed} was left running by a process that is gone: marked abandoned." in notes


def test_a_mine_without_taxonomy_keeps_the_one_the_database_used(tmp_path, data_dir):
    # a nightly `mine --incremental` without --taxonomy went back to the bundled taxonomy and refit everything,
    # exit 0, with one line: the taxonomy work of months was gone from the latest run
    from typer.testing import CliRunner

    from miner.cli import app
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy

    for day, start in (("day1", 0), ("day2", 100), ("day3", 200)):
        _write(tmp_path / f"{day}.csv", start, 12)
    db = str(tmp_path / "n.db")
    args = ["--db", db, "--embedding-model", "fake", "--segmenter", "rules", "--no-redact"]
    runner = CliRunner()
    first = runner.invoke(
        app, ["mine", str(tmp_path / "day1.csv"), *args, "--taxonomy", str(data_dir / "mini_taxonomy.yaml")]
    )
    assert first.exit_code == 0, first.output
    nightly = runner.invoke(app, ["mine", str(tmp_path / "day2.csv"), *args, "--incremental"])
    said = " ".join(nightly.output.split())  # as rich wrapped it
    assert nightly.exit_code == 0, said
    assert "Taxonomy: mini test-1, the one run 1 used (stored in the database)" in said
    assert "--taxonomy default for the bundled" in said and "refitting everything" not in said
    bundled = runner.invoke(app, ["mine", str(tmp_path / "day3.csv"), *args, "--incremental", "--taxonomy", "default"])
    assert bundled.exit_code == 0, bundled.output
    runs = [(r["mode"], r["taxonomy_name"]) for r in open_db(db).query("SELECT * FROM runs ORDER BY id")]
    assert runs == [("full", "mini"), ("incremental", "mini"), ("full", load_taxonomy().name)]


def test_nightly_runs_suggest_a_refit_once_most_items_joined_pain_points_fitted_without_them(db, tmp_path, options):
    # a year of nightly runs on one January full run: its 6 items' pain points stood for 308, with no word of a refit
    from miner.cli.notes import note_changes
    from miner.report.model import build_report
    from miner.store.painpoints import fitted_on

    for day, start in (("day1", 0), ("day2", 100), ("day3", 200)):
        _write(tmp_path / f"{day}.csv", start, 12)
    _, full = mine(db, [tmp_path / "day1.csv"], options)
    options.incremental = True
    _, half = mine(db, [tmp_path / "day2.csv"], options)  # 12 of 24 items clustered: half, no note
    _, third = mine(db, [tmp_path / "day3.csv"], options)  # 12 of 36
    assert fitted_on(db, third) == (full, 12) == fitted_on(db, full)
    said = {}
    for run_id in (full, half, third):
        notes = Notes()
        note_changes(db, run_id, notes)
        said[run_id] = [line for line in notes.lines if "--refit" in line]
    assert said[full] == said[half] == []
    assert said[third] == [
        f"The pain points are run {full}'s, clustered on 12 of the 36 items run {third} counts (33%): the other 24 "
        "only joined them (--incremental), so what came up since has no pain point of its own. Mine once with --refit "
        "(leave out --incremental) to re-cluster everything; pain points that did not change keep their ids."
    ]
    assert said[third][0] in build_report(db)["quality"]["warnings"]
    assert not [w for w in build_report(db, run_id=half)["quality"]["warnings"] if "--refit" in w]


def test_a_night_that_makes_a_run_says_it_marked_a_crashed_one_abandoned(db, tmp_path, options):
    """After a `kill -9`, the rerun marked the killed run abandoned without a word when it made a run of its own (a
    night with nothing new said it): the log showed run 3 gone and run 4 made, and nothing of why."""
    import socket

    from miner.store.runs import start_run

    _write(tmp_path / "day1.csv", 0, 10)
    _write(tmp_path / "day2.csv", 100, 4)
    mine(db, [tmp_path / "day1.csv"], options)
    crashed = start_run(db, mapper="examples")
    db.execute("UPDATE runs SET owner = ? WHERE id = ?", [f"{socket.gethostname()}:999999999", crashed])  # gone
    options.incremental = True
    progress = Progress()
    notes: list[str] = []
    progress.note = notes.append  # type: ignore[method-assign]
    (_, made) = mine(db, [tmp_path / "day2.csv"], options, progress=progress)
    assert made > crashed and db["runs"].get(crashed)["status"] == "abandoned"
    assert notes.count(f"Run {crashed} was left running by a process that is gone: marked abandoned.") == 1
