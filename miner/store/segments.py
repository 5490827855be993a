"""Read side of segments for the pipeline and the evaluation: what a run classifies, and what it stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Reads inside see one state of the database (a read transaction: in WAL mode, what other processes commit
    meanwhile is not seen); inside a caller's transaction, that one."""
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        db.conn.execute("COMMIT")


def stored_documents(db: sqlite_utils.Database) -> int:
    """Documents stored, items without a segment included (a run's `documents`: read it in the `snapshot` its
    segments were read in, so a document another process stores while the run classifies is not counted)."""
    return db.table("documents").count


def last_import(db: sqlite_utils.Database) -> int:
    """The newest import stored (0 for none): a run's `last_import`, read in the `snapshot` its segments were read
    in, so that its documents are those of imports up to it (miner/store/filters.py `run_items`)."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM imports").fetchone()[0])


def load_segments(db: sqlite_utils.Database) -> list[dict]:
    """Every stored segment with its item's rating, an item's segments consecutive (as `ItemRuns` reads them).

    Items come in the order of their ids (a hash of the file's name and the row's id, or of its content), not in
    the order they were stored: a run's results are a function of what the files hold, not of their row order (the
    same rows shuffled read another complaint threshold and 9 more complaints, and pain points swapped ids)."""
    sql = """SELECT s.id, s.document_id, s.text, d.rating FROM segments s JOIN documents d ON d.id = s.document_id
             ORDER BY s.document_id, s.id"""
    return list(db.query(sql))


def item_clauses(db: sqlite_utils.Database, run_id: int) -> Iterator[dict]:
    """Per stored clause of the run, in item then clause order: its item's `source_id`, `segment_id`, `text`,
    `complaint` (0/1), `complaint_score`, its stored `top` touchpoint and `top_score` (the top touchpoint of a
    complaint, or of an item's lead clause when the item has no complaint; `none` on every other clause) and its
    touchpoint assignments as (touchpoint, score, rank) tuples, best (rank 0) first; a clause that is no complaint
    has none."""
    sql = """SELECT d.source_id AS item, d.id AS document_id, s.id AS segment_id, s.text, r.complaint,
                    r.complaint_score, r.touchpoint AS top, r.touchpoint_score AS top_score,
                    a.touchpoint, a.score, a.rank
             FROM segments s JOIN documents d ON d.id = s.document_id
             JOIN segment_results r ON r.segment_id = s.id AND r.run_id = :run
             LEFT JOIN assignments a ON a.segment_id = s.id AND a.run_id = :run
             ORDER BY s.id, a.rank"""
    current: dict | None = None
    for row in db.query(sql, {"run": run_id}):
        if current is None or current["segment_id"] != row["segment_id"]:
            if current is not None:
                yield current
            keys = ("item", "document_id", "segment_id", "text", "complaint", "complaint_score", "top", "top_score")
            current = {k: row[k] for k in keys}
            current["assignments"] = []
        if row["touchpoint"] is not None:
            current["assignments"].append((row["touchpoint"], row["score"], row["rank"]))
    if current is not None:
        yield current


def lowest_complaint_score(db: sqlite_utils.Database, run_id: int) -> float | None:
    """The lowest complaint score among the clauses run `run_id` stored as complaints (None: it stored none): the
    complaint threshold it read from its corpus, to the stored precision, which a run extending it keeps."""
    sql = "SELECT MIN(complaint_score) AS low FROM segment_results WHERE run_id = ? AND complaint = 1"
    low = next(iter(db.query(sql, [run_id])))["low"]
    return None if low is None else float(low)
