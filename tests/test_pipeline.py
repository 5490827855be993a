"""The pipeline on the fake embedder: plumbing, idempotence and all-or-nothing imports."""

import csv
import hashlib

import pytest

from miner.embed.fake import HashingEmbedder
from miner.errors import InputError
from miner.pipeline import MineOptions, mine
from miner.report import top_pain_points


@pytest.fixture
def options(mini_taxonomy, fake_embedder, segmenter):
    return MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)


def _snapshot(db) -> dict:
    return {t: db[t].count for t in db.table_names()}


def test_mine_stores_documents_segments_and_a_run(db, data_dir, options):
    imports, run_id = mine(db, [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"], options)
    assert [i.added for i in imports] == [5, 2]
    assert db["documents"].count == 7
    run = db["runs"].get(run_id)
    assert run["status"] == "complete" and run["taxonomy_version"] == "test-1"
    assert run["embedding_model"] == "fake:hashing" and run["taxonomy_fingerprint"]
    # Agent turns are context, never mined.
    speakers = {r["speaker"] for r in db.query("SELECT DISTINCT speaker FROM segments")}
    assert "agent" not in speakers
    assert run["segments"] == db["segments"].count == db["segment_results"].count


def test_reimport_adds_nothing_and_embeds_nothing_new(db, data_dir, options):
    mine(db, [data_dir / "reviews_small.csv"], options)
    before = db["embeddings"].count
    imports, _ = mine(db, [data_dir / "reviews_small.csv"], options)
    assert imports[0].added == 0
    assert db["documents"].count == 5
    assert db["embeddings"].count == before


def test_same_inputs_give_identical_counts(db, data_dir, options):
    _, first = mine(db, [data_dir / "reviews_small.csv"], options)
    _, second = mine(db, [data_dir / "reviews_small.csv"], options)
    a = top_pain_points(db, run_id=first)
    b = top_pain_points(db, run_id=second)
    assert pain_point_counts(a) == pain_point_counts(b)


def test_top_states_the_shares_whole_inside_its_filters(db, data_dir, options, capsys):
    """88 complaints at 44% of a run of 163: the denominator (complaint mentions inside the filters) and the items
    were given nowhere, and a filtered table kept the whole run's totals in its title."""
    from miner.report.render import print_table, to_csv
    from miner.store.filters import Filters

    mine(db, [data_dir / "reviews_small.csv"], options)
    every = top_pain_points(db)
    assert every["mentions"] == sum(t["complaints"] for t in every["touchpoints"]) + every["unmapped"]["complaints"]
    assert every["items"] == 5
    db.table("documents").insert({"id": "later", "source": "x.csv", "kind": "review", "text": "stored, not analysed"})
    assert top_pain_points(db)["items"] == 5  # the run's items: one stored since is in none of its shares
    for tp in every["touchpoints"]:
        assert tp["share"] == round(tp["complaints"] / every["mentions"], 4)
    day = top_pain_points(db, filters=Filters(since="2026-01-03", until="2026-01-03"))
    assert day["items"] < every["items"] and day["mentions"] < every["mentions"]
    print_table(day)
    title = " ".join(capsys.readouterr().out.split())
    assert f"{day['mentions']} complaint mentions in {day['items']} item" in title
    # the filter's whole, named for what it holds (it was `share_of_mentions`, a count), and the pain points' shares
    rows = list(csv.DictReader(to_csv(day).splitlines()))
    assert rows and all((r["mentions"], r["items"]) == (str(day["mentions"]), str(day["items"])) for r in rows)
    points = {p["id"]: p for t in day["touchpoints"] for p in t["pain_points"]}
    for r in rows:
        if r["pain_point_id"]:
            pp = points[r["pain_point_id"]]
            assert (float(r["pain_point_share"]), float(r["pain_point_share_of_total"])) == (
                pp["share"], pp["share_of_total"])  # fmt: skip
            assert float(r["pain_point_share_of_total"]) == round(pp["complaints"] / day["mentions"], 4)


def test_a_touchpoint_without_pain_points_says_why_in_the_table(capsys):
    """After an incremental run, complaints of a touchpoint the refit found no pain point for showed an empty cell."""
    from miner.report.render import print_table

    run = {"id": 2, "complaints": 5, "segments": 9, "documents": 4}
    tp = {"id": "website", "name": "Website", "stage": "pre-purchase", "complaints": 5, "share": 1.0, "pain_points": []}
    print_table({"run": run, "touchpoints": [tp], "mentions": 5, "items": 4})
    assert "no pain point yet: the next full `touchpoints mine`" in " ".join(capsys.readouterr().out.split())


def test_bad_file_leaves_the_database_as_it_was(db, tmp_path, data_dir, options):
    mine(db, [data_dir / "reviews_small.csv"], options)
    before = _snapshot(db)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "late again"}\n{broken\n')
    good = tmp_path / "good.csv"
    good.write_text("id,text\nz1,the website hides the delivery charge\n")
    with pytest.raises(InputError, match="bad.jsonl, line 2"):
        mine(db, [good, bad], options)
    assert _snapshot(db) == before


def test_top_json_shape(db, data_dir, options):
    mine(db, [data_dir / "reviews_small.csv"], options)
    result = top_pain_points(db)
    assert set(result) >= {"run", "touchpoints", "unmapped"}
    counts = [t["complaints"] for t in result["touchpoints"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    for tp in result["touchpoints"]:
        assert {"id", "name", "stage", "complaints", "share", "pain_points"} <= set(tp)
        for pp in tp["pain_points"]:
            assert {"id", "label", "complaints", "examples"} <= set(pp)
            assert not pp["label"][0].isdigit() and "_" not in pp["label"]
            assert 1 <= len(pp["examples"]) <= 3


def test_pii_never_reaches_the_database(db, tmp_path, options):
    path = tmp_path / "pii.csv"
    path.write_text("id,text\n1,Call me on 07700 900123 or mail jane.doe@example.com - the box was crushed\n")
    mine(db, [path], options)
    dump = "\n".join(db.iterdump())
    assert "jane.doe@example.com" not in dump and "07700 900123" not in dump
    assert "<EMAIL>" in dump


def test_crashed_run_is_abandoned_and_not_reported(db, data_dir, options):
    import socket
    import subprocess
    import sys

    from miner.store.runs import start_run

    _, done = mine(db, [data_dir / "reviews_small.csv"], options)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = start_run(db, mapper="examples", owner=f"{socket.gethostname()}:{ended.stdout.strip()}")  # crashed
    live = start_run(db, mapper="examples")  # this process: still making it, as a second job would be
    assert top_pain_points(db)["run"]["id"] == done
    _, again = mine(db, [data_dir / "reviews_small.csv"], options)
    assert db["runs"].get(stale)["status"] == "abandoned"
    assert db["runs"].get(live)["status"] == "running"  # a live run is not marked abandoned by the next one
    assert top_pain_points(db)["run"]["id"] == again


def test_db_file_hash_unchanged_by_failed_import(tmp_path, data_dir, options):
    from miner.store import open_db

    path = tmp_path / "x.db"
    db = open_db(path)
    mine(db, [data_dir / "reviews_small.csv"], options)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        mine(db, [empty], options)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def pain_point_counts(result: dict) -> list:
    return [
        (t["id"], t["complaints"], [(p["label"], p["complaints"]) for p in t["pain_points"]])
        for t in result["touchpoints"]
    ]


def test_classify_scores_segments_in_memory_and_stores_nothing(db, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import Encoders, Pipeline

    pipeline = Pipeline(db, Encoders(fake_embedder), mini_taxonomy, segmenter)
    segments = [
        {"id": 1, "document_id": "a", "text": "The delivery was two days late and the box was crushed", "rating": 1},
        {"id": 2, "document_id": "a", "text": "nobody answered the phone", "rating": 1},
        {"id": 3, "document_id": "b", "text": "Lovely staff, thank you", "rating": 5},
    ]
    result, _ = pipeline.classify(segments)
    assert [r[0] for r in result.segment_rows] == [1, 2, 3]
    assert 1 <= result.complaints == len(result.complaint_pos) == sum(r[1] for r in result.segment_rows)
    assert {r["segment_id"] for r in result.assignment_rows} == {segments[p]["id"] for p in result.complaint_pos}
    assert db["segment_results"].count == 0 and db["runs"].count == 0


def test_the_engine_is_a_collaborator_of_the_one_pipeline(db, data_dir, options):
    from miner.pipeline import LocalEngine, build_pipeline

    class Recording(LocalEngine):
        calls: list[str] = []

        def import_paths(self, p, *args):  # noqa: ANN001, ANN002, ANN201
            self.calls.append("import")
            return super().import_paths(p, *args)

        def embed_ahead(self, p, progress):  # noqa: ANN001, ANN201
            self.calls.append("embed")

    options.engine = Recording()
    imports, run_id = mine(db, [data_dir / "reviews_small.csv"], options)
    assert Recording.calls == ["import", "embed"] and imports[0].added == 5
    assert db["runs"].get(run_id)["status"] == "complete"
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        build_pipeline(db, MineOptions(taxonomy=options.taxonomy, embedder=options.embedder, engine="spark"))


def test_a_fitted_detector_and_mapper_handed_in_are_the_ones_used(
    db, data_dir, mini_taxonomy, fake_embedder, segmenter
):
    from miner.embed import EmbeddingCache
    from miner.pipeline import Encoders, Pipeline
    from miner.pipeline.classify import fit_detector, fit_mapper

    cache = EmbeddingCache(fake_embedder, db)
    detector, mapper = fit_detector(cache, None, mini_taxonomy), fit_mapper(cache, mini_taxonomy, "centroid")
    pipeline = Pipeline(db, Encoders(fake_embedder), mini_taxonomy, segmenter, detector=detector, mapper=mapper)
    _, run_id = pipeline.mine([data_dir / "reviews_small.csv"])
    assert pipeline.fit().detector_ is detector and pipeline.mapper_ is mapper
    assert db["runs"].get(run_id)["mapper"] == "centroid"


class _NotStored(HashingEmbedder):
    """The fake encoder, its vectors never stored (as the fast tier's: `Embedder.cache_vectors`)."""

    cache_vectors = False


def _answers(db) -> dict:
    return {
        "segments": db.execute(
            "SELECT segment_id, complaint, complaint_score, touchpoint, touchpoint_score FROM segment_results "
            "ORDER BY segment_id"
        ).fetchall(),
        "assignments": db.execute(
            "SELECT segment_id, touchpoint, subtouchpoint, score, rank, pain_point_id FROM assignments "
            "ORDER BY segment_id, rank"
        ).fetchall(),
        "pain_points": db.execute("SELECT id, touchpoint, label, complaints FROM pain_points ORDER BY id").fetchall(),
    }


def test_an_encoder_not_stored_gives_the_same_run_and_stores_no_vector(tmp_path, data_dir, mini_taxonomy, segmenter):
    from miner.store import open_db

    files = [data_dir / "reviews_small.csv", data_dir / "chats_small.jsonl"]
    stored, not_stored = open_db(tmp_path / "stored.db"), open_db(tmp_path / "not_stored.db")
    mine(stored, files, MineOptions(taxonomy=mini_taxonomy, embedder=HashingEmbedder(dim=128), segmenter=segmenter))
    mine(not_stored, files, MineOptions(taxonomy=mini_taxonomy, embedder=_NotStored(dim=128), segmenter=segmenter))
    assert stored["embeddings"].count > 0
    assert not_stored["embeddings"].count == 0
    answers = _answers(not_stored)
    assert answers["assignments"] and answers["pain_points"]
    assert answers == _answers(stored)  # its vectors rounded to float16 as stored ones are


def test_mine_counts_the_items_it_could_not_read(db, tmp_path, options):
    """Arabic, Cyrillic and Japanese reviews counted among a run's items with no word of them analysed, unsaid."""
    from miner.segment.scripts import unread_notes
    from miner.store.documents import store_import

    path = tmp_path / "intl.csv"
    path.write_text(
        "review_id,title,review\n"
        "R1,Driver refused to come up,配達が遅すぎる。料理が冷めていた。\n"
        "R2,,Доставка опоздала на час.\n"
        "R3,,I was charged twice and the box arrived crushed.\n"
        "R4,,التوصيل متأخر جدا\n",
        encoding="utf-8",
    )
    [imp], _ = mine(db, [path], options)
    assert (imp.added, imp.other_script, imp.no_segments) == (4, 3, 2)
    assert unread_notes("intl.csv", imp.other_script, imp.no_segments) == [
        "intl.csv: 3 items have text in another script than Latin (Arabic, Cyrillic, Japanese...): that text is "
        "not analysed, the models read English only (an item's English clauses are)",
        "intl.csv: 2 items have no English words to analyse (another script, emoji, 'N/A' or '-' alone?); they still "
        "count in the run's items and its complaint rate",
    ]
    [one] = unread_notes("a.csv", 1, 0)
    assert one.startswith("a.csv: 1 item has text in another script")
    # The report says so too, from what the run stored: its reader may never have seen `mine`'s output.
    from miner.report.model import build_report

    quality = build_report(db)["quality"]
    assert quality["unread_items"] == 2
    assert "2 items held no English text to analyse (2 in another script than Latin)" in " ".join(quality["warnings"])
    assert unread_notes("a.csv", 0, 0) == []
    # The Ray engine stores through store_import: the same counts.
    from miner.ingest import Record
    from miner.pipeline import segment_records
    from miner.progress import Progress
    from miner.store import open_db

    records = [Record("x.csv", 2, "Доставка опоздала на час."), Record("x.csv", 3, "The box arrived crushed.")]
    segments = segment_records(options.segmenter, records, Progress())
    [stored] = store_import(open_db(tmp_path / "ray.db"), [(path, records, records, segments)])
    assert (stored.added, stored.other_script, stored.no_segments) == (2, 1, 1)


@pytest.mark.parametrize("redact", [False, True])
def test_a_stored_id_with_other_text_keeps_the_first_version_and_is_counted(db, tmp_path, options, redact):
    from tests.conftest import write_reviews

    options.redact_pii = redact
    path = tmp_path / "export.csv"
    write_reviews(path, 0, 6)
    mine(db, [path], options)
    first = {r["id"]: r["text"] for r in db.query("SELECT id, text FROM documents")}
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("was awful", "was awful, and still no answer")  # R0's ticket grew
    lines[2] = lines[2].replace("was awful", "was very bad")  # and R1's
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (again,), _ = mine(db, [path], options)
    assert again.rows == 6 and again.added == 0 and again.changed == 2
    assert again.summary().endswith("2 rows have an id already stored with other text: the first version is kept")
    assert {r["id"]: r["text"] for r in db.query("SELECT id, text FROM documents")} == first
    (same,), _ = mine(db, [path], options)  # mined again: still other text than the first version's
    assert same.changed == 2
    write_reviews(path, 0, 6)
    (unchanged,), _ = mine(db, [path], options)
    assert unchanged.changed == 0 and "other text" not in unchanged.summary()


def test_a_corpus_head_left_unfitted_is_said_by_mine_and_the_report_and_stays_said_after_an_incremental_run(
    db, tmp_path, options
):
    """The tester's run: `mine` printed "Fitting the corpus head", its params listed the head at weight 1.0, and the
    report said "Corpus head: not used" with no word of which was so (the head had been left unfitted: no
    touchpoint held 20% of the complaints)."""
    import json
    from dataclasses import replace

    from miner.progress import Progress
    from miner.report.html import render_html
    from miner.report.model import build_report
    from tests.conftest import write_reviews

    class Notes(Progress):
        said: list[str] = []

        def note(self, message: str) -> None:
            self.said.append(message)

    write_reviews(tmp_path / "night1.csv", 0, 12)  # too few complaints for a head to learn from
    _, first = mine(db, [tmp_path / "night1.csv"], options, progress=Notes())
    skipped = json.loads(db["runs"].get(first)["params"])["corpus_head"]["skipped"]
    assert skipped["reason"] == "too few" and skipped["labels"] < skipped["min_labels"] == 50
    assert any(n.startswith("Corpus head not fitted: ") and "under the 50 it needs" in n for n in Notes.said)
    report = build_report(db)
    why = report["quality"]["method"]["corpus_head_skipped"]
    assert report["quality"]["method"]["corpus_head"] is None and "under the 50 it needs" in why
    assert f"then left it unfitted: {why}" in render_html(report)
    write_reviews(tmp_path / "night2.csv", 12, 4)
    _, second = mine(db, [tmp_path / "night2.csv"], replace(options, incremental=True))
    assert second != first and json.loads(db["runs"].get(second)["params"])["corpus_head"]["skipped"] == skipped
    assert build_report(db)["quality"]["method"]["corpus_head_skipped"] == why
