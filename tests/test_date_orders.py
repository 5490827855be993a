"""A date column's day-first order, remembered across a database's imports: a nightly export that holds only days
1 to 12 cannot show its order, and was read month-first the night after one that showed day-first."""

from __future__ import annotations

from miner.pipeline.imports import import_files
from miner.progress import Progress
from miner.segment.rules import RuleSegmenter
from miner.store import open_db

HEADER = "review_id,date,rating,review\n"


def _night(path, rows):
    path.write_text(
        HEADER + "".join(f"{i},{d},1,The courier was late again ({i})\n" for i, d in rows), encoding="utf-8"
    )
    return path


def test_a_file_that_cannot_show_its_order_takes_the_one_earlier_files_showed(tmp_path):
    db = open_db(tmp_path / "t.db")
    notes: list[str] = []
    progress = Progress()
    progress.note = notes.append  # type: ignore[method-assign]
    import_files(db, [_night(tmp_path / "n1.csv", [(1, "28/02/2026"), (2, "27/02/2026")])], RuleSegmenter(), None)
    import_files(db, [_night(tmp_path / "n2.csv", [(3, "03/04/2026"), (4, "05/04/2026")])], RuleSegmenter(), None,
                 progress=progress)  # fmt: skip
    dates = {r["source_id"]: r["date"][:10] for r in db.query("SELECT source_id, date FROM documents")}
    assert dates["3"] == "2026-04-03" and dates["4"] == "2026-04-05"  # 3 April: day-first, as night 1 showed
    assert any("read day-first (03/04/2026 is 3 April), as earlier files of this database showed" in n for n in notes)
    # a file that shows the other order reads it so, and is what the next ambiguous one takes
    import_files(db, [_night(tmp_path / "n3.csv", [(5, "04/30/2026")])], RuleSegmenter(), None)
    import_files(db, [_night(tmp_path / "n4.csv", [(6, "05/06/2026")])], RuleSegmenter(), None)
    assert {r["source_id"]: r["date"][:10] for r in db.query("SELECT source_id, date FROM documents")}[
        "6"
    ] == "2026-05-06"


def test_a_database_with_no_such_column_reads_an_ambiguous_file_month_first(tmp_path):
    db = open_db(tmp_path / "t.db")
    import_files(db, [_night(tmp_path / "n2.csv", [(3, "03/04/2026")])], RuleSegmenter(), None)
    assert db.execute("SELECT date FROM documents").fetchone()[0][:10] == "2026-03-04"
