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
