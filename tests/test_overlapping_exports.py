"""Nightly exports that overlap, or the same export under another name: an item another file already stored (the
same source id and text) is not stored again; two exports that only number their rows alike keep both items."""

from __future__ import annotations

from miner.pipeline.imports import import_files
from miner.segment.rules import RuleSegmenter
from miner.store import open_db

HEADER = "review_id,date,rating,review\n"


def _rows(ids: range, text: str = "The courier left order {i} at the wrong door") -> str:
    return "".join(f"{i},2026-03-0{1 + i % 9},1,{text.format(i=i)}\n" for i in ids)


def test_an_item_stored_from_another_file_is_not_stored_again(tmp_path):
    (tmp_path / "2026-12-02.csv").write_text(HEADER + _rows(range(0, 10)), encoding="utf-8")
    (tmp_path / "2026-12-03.csv").write_text(HEADER + _rows(range(5, 15)), encoding="utf-8")  # 5-9 again
    (tmp_path / "survey.csv").write_text(HEADER + _rows(range(0, 4), "Question {i}: the app froze"), encoding="utf-8")
    db = open_db(tmp_path / "t.db")
    results = import_files(db, [tmp_path / "2026-12-02.csv"], RuleSegmenter(), None)
    results += import_files(db, [tmp_path / "2026-12-03.csv", tmp_path / "survey.csv"], RuleSegmenter(), None)
    assert [(r.rows, r.added) for r in results] == [(10, 10), (10, 5), (4, 4)]
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT text) FROM documents").fetchone() == (19, 19)
    again = import_files(db, [tmp_path / "2026-12-03.csv"], RuleSegmenter(), None)  # the same file: nothing new
    assert again[0].added == 0 and db["documents"].count == 19


def test_an_api_dump_writing_the_same_day_as_an_instant_is_the_same_item(tmp_path):
    """A CSV's `2026-03-07` and a JSON dump's `2026-03-07T00:00:00Z` for the same row were two items."""
    import json

    (tmp_path / "2026-03-03.csv").write_text(HEADER + "N6,2026-03-07,1,The parcel never came\n", encoding="utf-8")
    row = {"review_id": "N6", "date": "2026-03-07T00:00:00Z", "rating": 1, "review": "The parcel never came"}
    (tmp_path / "2026-03-04.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    db = open_db(tmp_path / "t.db")
    results = import_files(db, [tmp_path / "2026-03-03.csv", tmp_path / "2026-03-04.jsonl"], RuleSegmenter(), None)
    assert [r.added for r in results] == [1, 0] and db["documents"].count == 1


SURVEY = "date,nps,comment\n"
ANSWERS = [("2026-03-01", 2, "Too expensive"), ("2026-03-02", 3, "Too expensive"), ("2026-03-03", 9, "Fast"),
           ("2026-03-04", 2, "Too expensive"), ("2026-03-04", 2, "Too expensive")]  # fmt: skip


def _survey(path, answers):
    path.write_text(SURVEY + "".join(f"{d},{n},{t}\n" for d, n, t in answers), encoding="utf-8")
    return path


def test_answers_in_the_same_words_are_items_of_their_own(tmp_path):
    # no id column: four customers who wrote "Too expensive" are four items (one item before 2026-12-06)
    db = open_db(tmp_path / "t.db")
    [first] = import_files(db, [_survey(tmp_path / "march.csv", ANSWERS)], RuleSegmenter(), None)
    assert (first.rows, first.added) == (5, 5)
    [again] = import_files(db, [tmp_path / "march.csv"], RuleSegmenter(), None)  # the same file: nothing new
    # tomorrow's delta export: one more answer in the same words, on a new day
    [delta] = import_files(db, [_survey(tmp_path / "delta.csv", [("2026-03-05", 1, "Too expensive")])],
                           RuleSegmenter(), None)  # fmt: skip
    # an overlapping export in another order: only its new row is stored
    overlap = [("2026-03-06", 0, "Too expensive"), *reversed(ANSWERS)]
    [late] = import_files(db, [_survey(tmp_path / "overlap.csv", overlap)], RuleSegmenter(), None)
    assert (again.added, delta.added, late.added) == (0, 1, 1)
    assert db.execute("SELECT COUNT(*) FROM documents WHERE text = 'Too expensive'").fetchone()[0] == 6


def test_a_database_written_before_keeps_its_item_of_those_words(tmp_path, monkeypatch):
    from miner.ingest.records import Record

    db = open_db(tmp_path / "t.db")
    path = _survey(tmp_path / "march.csv", ANSWERS)
    with monkeypatch.context() as m:  # the ids of before: a hash of the text alone
        m.setattr(Record, "document_id", property(lambda r: r.legacy_id or f"id:{r.source_id}"))
        [old] = import_files(db, [path], RuleSegmenter(), None)
    assert old.added == 2  # "Too expensive" once (dated 2026-03-01), "Fast"
    [now] = import_files(db, [path], RuleSegmenter(), None)
    assert now.added == 3  # the three answers the old ids merged into the first, and nothing twice
    assert db.execute("SELECT COUNT(*) FROM documents WHERE text = 'Too expensive'").fetchone()[0] == 4
    from miner.store.erasure import forget

    fast = Record(source="x", line=1, text="Fast").legacy_id  # stored under its old id
    forget(db, [fast or ""], kind="customer", tombstone=True)
    [after] = import_files(db, [path], RuleSegmenter(), None)
    assert after.added == 0  # an item erased under its old id stays erased


def test_two_stores_numbering_alike_keep_the_same_words_on_other_days(tmp_path):
    (tmp_path / "store_a.csv").write_text(HEADER + "1,2026-03-01,1,Delivery was late.\n", encoding="utf-8")
    (tmp_path / "store_b.csv").write_text(HEADER + "1,2026-03-09,1,Delivery was late.\n", encoding="utf-8")
    db = open_db(tmp_path / "t.db")
    results = import_files(db, [tmp_path / "store_a.csv", tmp_path / "store_b.csv"], RuleSegmenter(), None)
    assert [r.added for r in results] == [1, 1]  # the same id and words, another day: another item


def test_an_overlapping_row_with_a_name_is_found_stored_before_redaction(tmp_path):
    """Tonight's export repeats yesterday's rows; those with a name or an email were redacted again (NER, the slow
    step), only to be found stored: the stored text with its placeholders as wildcards matches the row as read."""
    from functools import partial

    from miner.segment.pii import Redactor, redact_records
    from miner.store.pii_key import pii_key

    db = open_db(tmp_path / "t.db")
    read: list[int] = []
    redact = partial(redact_records, redactor=Redactor(names=None), key=pii_key(db))

    def counting(records):
        read.append(len(records))
        return redact(records)

    rows = "1,2026-03-01,1,Write to me at jane@example.com about the refund\n2,2026-03-02,1,The box was crushed\n"
    (tmp_path / "a.csv").write_text(HEADER + rows, encoding="utf-8")
    (tmp_path / "b.csv").write_text(HEADER + rows + "3,2026-03-03,1,Late again\n", encoding="utf-8")
    import_files(db, [tmp_path / "a.csv"], RuleSegmenter(), counting)
    [night] = import_files(db, [tmp_path / "b.csv"], RuleSegmenter(), counting)
    assert night.added == 1 and read == [2, 1]  # only the new row is redacted


def test_rows_stored_before_import_made_text_plain_are_not_stored_again(tmp_path, monkeypatch):
    """Without a source id an item's id hashes its text: once HTML and invisible marks were taken out on import, a
    database written before held every such row under another id, and mining its file again added each twice."""
    import miner.ingest.rows as rows

    path = tmp_path / "reviews.csv"
    path.write_text("date,rating,review\n2026-03-01,1,<p>Late &amp; cold</p>\n2026-03-02,2,Plain one\n", "utf-8")
    db = open_db(tmp_path / "t.db")
    with monkeypatch.context() as m:
        m.setattr(rows, "plain_text", lambda text: text)  # as import read text before
        import_files(db, [path], RuleSegmenter(), None)
    again = import_files(db, [path], RuleSegmenter(), None)
    assert again[0].added == 0 and db["documents"].count == 2


def test_an_edited_review_in_another_days_export_is_kept_and_said(tmp_path):
    """Under the same file name an edited row is 'an id already stored with other text'; in a nightly export named by
    its day it was a second item beside the first version, with no word."""
    (tmp_path / "2026-03-01.csv").write_text(HEADER + _rows(range(0, 4)), encoding="utf-8")
    edited = _rows(range(0, 2)) + _rows(range(2, 4), "The courier left order {i} at the neighbour's - fine now")
    (tmp_path / "2026-03-02.csv").write_text(HEADER + edited, encoding="utf-8")
    db = open_db(tmp_path / "t.db")
    import_files(db, [tmp_path / "2026-03-01.csv"], RuleSegmenter(), None)
    [night] = import_files(db, [tmp_path / "2026-03-02.csv"], RuleSegmenter(), None)
    assert (night.added, night.edited) == (2, 2)
    assert "2 new items share an id with another file's in other words: both kept" in night.summary()


def test_a_surveys_line_counts_its_respondents_and_answers_and_says_what_was_stored_before(tmp_path):
    """`mine` said "281 rows, 281 new" of a 210-row Qualtrics export (its answers), and "31 rows, 15 new" of the
    next overlapping weekly export without a word of the other 16."""
    from test_respondents import qualtrics

    week1 = [("R_1", 2, "The engineer never came", "Nobody called back"), ("R_2", 9, "", ""),
             ("R_3", 3, "On hold for an hour", "")]  # fmt: skip
    qualtrics(tmp_path / "week1.csv", week1)
    qualtrics(tmp_path / "week2.csv", [*week1, ("R_4", 1, "Billed twice", "Refund me")])
    db = open_db(tmp_path / "t.db")
    said = [import_files(db, [tmp_path / name], RuleSegmenter(), None)[0] for name in ("week1.csv", "week2.csv")]
    said.append(import_files(db, [tmp_path / "week2.csv"], RuleSegmenter(), None)[0])  # the same export again
    assert [r.summary().replace(f"{tmp_path}/", "") for r in said] == [
        "week1.csv: 3 respondents, 3 answers, 3 new",  # R_2 only scored
        "week2.csv: 4 respondents, 5 answers, 2 new (3 stored before)",
        "week2.csv: 4 respondents, 5 answers, 0 new (5 stored before)",
    ]
    assert (said[1].counts()["respondents"], said[1].counts()["rows"]) == (4, 5)
