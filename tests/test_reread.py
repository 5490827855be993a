"""A file mined again with other columns (the `--date-col` the first run's note asked for) stored every row of it a
second time: without a source id an item's id is its text, date and rating, so a date read now made each id new."""

from __future__ import annotations

import pytest

from miner.errors import InputError
from miner.ingest import ColumnMap
from miner.pipeline.imports import import_files
from miner.segment.rules import RuleSegmenter
from miner.store import open_db

ROWS = [("03/02/2026", 1, "Cancelling needs a signed letter by post"), ("03/04/2026", 2, "The showers were cold"),
        ("03/09/2026", 1, "Lockers are broken"), ("03/12/2026", 3, "Too crowded after six"),
        ("03/15/2026", 1, "Charged twice for March"), ("03/18/2026", 2, "App logs me out every day")]  # fmt: skip


def _file(path, rows):
    path.write_text("Visit,Star Rating,Comments\n" + "".join(f"{d},{r},{t}\n" for d, r, t in rows), "utf-8")
    return path


def _count(db) -> int:
    return db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]


def test_a_file_read_again_with_a_date_column_is_refused_and_nothing_is_stored(tmp_path):
    db = open_db(tmp_path / "t.db")
    path = _file(tmp_path / "gym.csv", ROWS)
    import_files(db, [path], RuleSegmenter(), None)  # "Visit" names no date: no date read
    assert _count(db) == 6 and db.execute("SELECT COUNT(date) FROM documents").fetchone()[0] == 0
    with pytest.raises(InputError, match=r"gym.csv: 6 of its 6 rows repeat items .* forget --dataset gym.csv"):
        import_files(db, [path], RuleSegmenter(), None, columns=ColumnMap(date="Visit"))
    assert _count(db) == 6  # the import rolled back: no item twice
    import_files(db, [path], RuleSegmenter(), None)  # read as before: nothing new, nothing refused
    assert _count(db) == 6


def test_a_grown_export_repeating_a_few_words_on_new_days_is_imported(tmp_path):
    db = open_db(tmp_path / "t.db")
    import_files(db, [_file(tmp_path / "reviews.csv", ROWS[:4])], RuleSegmenter(), None)
    grown = [*ROWS, ("03/20/2026", 1, "Lockers are broken"), ("03/21/2026", 2, "The showers were cold")]
    import_files(db, [_file(tmp_path / "reviews.csv", grown)], RuleSegmenter(), None)  # two customers say it again
    assert _count(db) == 8


def test_a_nightly_file_of_one_name_whose_answers_repeat_earlier_words_on_new_days_is_imported(tmp_path):
    """Short survey answers repeat ("Great service") night after night under one file name: other customers, not
    a file read again, and no refusal."""
    db = open_db(tmp_path / "t.db")
    words = ["Great service", "Fast", "Too expensive", "Great service", "Late again", "Fast"]
    night1 = [(f"03/0{d}/2026", 5, t) for d, t in enumerate(words, start=1)]
    import_files(db, [_file(tmp_path / "nps.csv", night1)], RuleSegmenter(), None, columns=ColumnMap(date="Visit"))
    night2 = [(f"03/1{d}/2026", r, t) for d, (_, r, t) in enumerate(night1)]  # the same words on other days
    import_files(db, [_file(tmp_path / "nps.csv", night2)], RuleSegmenter(), None, columns=ColumnMap(date="Visit"))
    assert _count(db) == 12


TICKET = "Hi,\n\nMy parcel is a week late and DPD keep saying it is delayed.\n\nKind regards,\nTom Hayes\n07700 900461"


def _tickets(path, rows):
    head = "ticket_id,created_at,subject,body,csat\n"
    path.write_text(head + "".join(f'{t},2026-03-09 12:00,Late parcel,"{b}",{c}\n' for t, b, c in rows), "utf-8")
    return path


def _ratings(db) -> dict[str, tuple]:
    sql = "SELECT source_id, rating, rating_raw, rating_scale FROM documents"
    return {sid: tuple(rest) for sid, *rest in db.execute(sql)}


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
def test_a_csat_score_sent_after_the_ticket_was_stored_is_added_to_it(tmp_path, redact):
    """Helpdesks send CSAT once a ticket is solved: the next night's export held the same ticket and body with
    csat=1, and `mine` said "1 row, 0 new" and kept the stored rating empty."""
    from miner.pipeline.imports import database_redactor

    db = open_db(tmp_path / "t.db")
    redactor = database_redactor(db) if redact else None
    night1 = [("T-503", TICKET, ""), ("T-504", "The checkout page keeps failing at the payment step.", "")]
    import_files(db, [_tickets(tmp_path / "tickets_2026-03-10.csv", night1)], RuleSegmenter(), redactor)
    assert ("Tom Hayes" in db.execute("SELECT text FROM documents").fetchone()[0]) is not redact
    night3 = [("T-503", TICKET, "1"), ("T-504", "The checkout page now fails at the address step.", "2")]
    (imp,) = import_files(db, [_tickets(tmp_path / "tickets_2026-03-12.csv", night3)], RuleSegmenter(), redactor)
    assert imp.rated == 1 and "1 rating added to an item stored without one" in imp.summary()
    ratings = _ratings(db)
    assert ratings["T-503"] == (0.0, 1.0, "csat5")  # as an import reads it: 1 of 5, the worst
    sql = "SELECT rating_raw FROM documents WHERE source_id = 'T-504' ORDER BY import_id"
    assert [r[0] for r in db.execute(sql)] == [None, 2.0]  # in other words: another version, with its own rating
    # the same export read again: nothing more to add
    (again,) = import_files(db, [_tickets(tmp_path / "tickets_2026-03-12.csv", night3)], RuleSegmenter(), redactor)
    assert again.rated == 0 and "rating" not in again.summary()


def test_a_stored_rating_is_never_changed_and_a_row_without_an_id_fills_none(tmp_path):
    db = open_db(tmp_path / "t.db")
    import_files(db, [_tickets(tmp_path / "a.csv", [("T-1", TICKET, "5")])], RuleSegmenter(), None)
    (imp,) = import_files(db, [_tickets(tmp_path / "b.csv", [("T-1", TICKET, "1")])], RuleSegmenter(), None)
    assert imp.rated == 0 and _ratings(db)["T-1"] == (1.0, 5.0, "csat5")
    # without an id, an item's id holds its rating: a rating read now is a file re-read (refused above), not added
    import_files(db, [_file(tmp_path / "gym.csv", ROWS[:2])], RuleSegmenter(), None)
    (rows,) = import_files(db, [_file(tmp_path / "gym2.csv", [(d, 4, t) for d, _, t in ROWS[:2]])], RuleSegmenter(),
                           None)  # fmt: skip
    assert rows.rated == 0
