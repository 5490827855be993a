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
