"""Survey respondents who wrote nothing: their scores, stored beside the documents (`silent_scores`) and read as
respondents of their own by the NPS and rating figures (miner/report/respondents.py)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlite_utils

from miner.ingest.records import Score
from miner.store.db import in_chunks
from miner.store.filters import Filters, run_items


def store_scores(db: sqlite_utils.Database, import_id: int, scores: list[Score]) -> int:
    """Store the scores an import read, in its transaction; a score stored before (the same file mined again) keeps
    its import and takes the score as the file gives it now; one an erasure tombstoned stays out. Returns the new."""
    if not scores:
        return 0
    from miner.store.erasure import erased_ids

    ids = [s.id for s in scores]
    gone = erased_ids(db, ids)
    known = {i for chunk, marks in in_chunks(ids)
             for (i,) in db.execute(f"SELECT id FROM silent_scores WHERE id IN ({marks})", chunk)}  # fmt: skip
    rows = [{"id": s.id, "import_id": import_id, "source": s.source, "kind": "survey", "response_id": s.response_id
             or None, "date": s.date, "rating": s.rating, "rating_raw": s.rating_raw, "rating_scale": s.rating_scale}
            for s in scores if s.id not in gone]  # fmt: skip
    for row in rows:
        db.execute(
            """INSERT INTO silent_scores (id, import_id, source, kind, response_id, date, rating, rating_raw,
                   rating_scale) VALUES (:id, :import_id, :source, :kind, :response_id, :date, :rating, :rating_raw,
                   :rating_scale)
               ON CONFLICT(id) DO UPDATE SET rating = excluded.rating, rating_raw = excluded.rating_raw,
                   rating_scale = excluded.rating_scale, date = excluded.date""",
            row,
        )
    return sum(row["id"] not in known for row in rows)


def load_silent(db: sqlite_utils.Database, filters: Filters, run: dict | None) -> dict[str, dict]:
    """The scores `run` read inside `filters`, by id, shaped as `load_documents`' rows (`silent` set): what the
    respondents are grouped from beside the documents. None inside a filter on kept columns (`Market=DE`): a score
    keeps no column of its row, so which market it is of is not known (counted in all of them, it would be wrong in
    all but one)."""
    if filters.kept:
        return {}
    where, params = filters.where()
    rsql, rparams = run_items(run)
    return {
        row["id"]: row | {"source_id": None, "silent": True}
        for row in db.query(
            f"""SELECT d.id, d.source, d.kind, d.date, d.rating, d.rating_raw, d.rating_scale, d.import_id,
                       d.response_id FROM silent_scores d WHERE {where}{rsql} ORDER BY d.date, d.id""",
            [*params, *rparams],
        )
    }


def forget_scores(
    db: sqlite_utils.Database, *, import_paths: Iterable[str] = (), response_id: str | None = None
) -> dict[str, int | None]:
    """Delete the scores of the imports of `import_paths` (a forgotten dataset), or of one response id (a forgotten
    customer: the caller tombstones the ids returned, so a re-import leaves them out); the caller holds the
    transaction. Returns the ids deleted, each with its import (the runs that counted it are stamped)."""
    found: dict[str, int | None] = {}
    for chunk, marks in in_chunks(sorted(set(import_paths))):
        found |= dict(db.execute(f"""SELECT s.id, s.import_id FROM silent_scores s JOIN imports i ON i.id = s.import_id
                                     WHERE i.path IN ({marks})""", chunk).fetchall())  # fmt: skip
    if response_id is not None:
        sql = "SELECT id, import_id FROM silent_scores WHERE response_id = ?"
        found |= dict(db.execute(sql, [response_id]).fetchall())
    for chunk, marks in in_chunks(sorted(found)):
        db.execute(f"DELETE FROM silent_scores WHERE id IN ({marks})", chunk)
    return dict(sorted(found.items()))
