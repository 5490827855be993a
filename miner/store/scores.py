"""Survey respondents who wrote nothing: their scores, stored beside the documents (`silent_scores`) and read as
respondents of their own by the NPS and rating figures (miner/report/respondents.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import sqlite_utils

from miner.ingest.records import Score
from miner.store.db import in_chunks
from miner.store.filters import Filters, run_items
from miner.store.item_table import RunCache


def store_scores(db: sqlite_utils.Database, import_id: int, scores: list[Score]) -> int:
    """Store the scores an import read, in its transaction; a score stored before (the same file mined again) keeps
    its import and takes the score and kept columns as the file gives them now (one stored before they were kept
    gets them); one an erasure tombstoned stays out. Returns the new."""
    if not scores:
        return 0
    from miner.store.erasure import erased_ids

    ids = [s.id for s in scores]
    gone = erased_ids(db, ids)
    known = {i for chunk, marks in in_chunks(ids)
             for (i,) in db.execute(f"SELECT id FROM silent_scores WHERE id IN ({marks})", chunk)}  # fmt: skip
    rows = [{"id": s.id, "import_id": import_id, "source": s.source, "kind": "survey", "response_id": s.response_id
             or None, "date": s.date, "rating": s.rating, "rating_raw": s.rating_raw, "rating_scale": s.rating_scale,
             "meta": json.dumps(s.meta, ensure_ascii=False, default=str) if s.meta else None}  # as a document's
            for s in scores if s.id not in gone]  # fmt: skip
    for row in rows:
        db.execute(
            """INSERT INTO silent_scores (id, import_id, source, kind, response_id, date, rating, rating_raw,
                   rating_scale, meta) VALUES (:id, :import_id, :source, :kind, :response_id, :date, :rating,
                   :rating_raw, :rating_scale, :meta)
               ON CONFLICT(id) DO UPDATE SET rating = excluded.rating, rating_raw = excluded.rating_raw,
                   rating_scale = excluded.rating_scale, date = excluded.date, meta = excluded.meta""",
            row,
        )
    return sum(row["id"] not in known for row in rows)


def load_silent(db: sqlite_utils.Database, filters: Filters, run: dict | None) -> dict[str, dict]:
    """The scores `run` read inside `filters`, by id, shaped as `load_documents`' rows (`silent` set): what the
    respondents are grouped from beside the documents. A filter on kept columns (`Market=DE`) reads the columns
    their rows kept as a document's (a score stored before they were kept has none: outside every market)."""
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


def kept_scores(db: sqlite_utils.Database, run: dict, kept: tuple) -> np.ndarray | None:
    """Which of the scores `run` read have the kept values (`Filters.kept`), in the order `load_silent` gives them
    unfiltered: a market's scores of the run's respondent table, after its items (miner/store/report.py
    `kept_rows`). Read once per run and values, as those are; None for a database not on a file."""

    def read() -> np.ndarray:
        where, params = Filters(kept=kept).where()
        rsql, rparams = run_items(run)
        found = db.execute(f"SELECT {where} FROM silent_scores d WHERE 1 = 1{rsql} ORDER BY d.date, d.id",
                           [*params, *rparams])  # fmt: skip
        return np.fromiter((bool(inside) for (inside,) in found), bool)

    return _kept.get(db, run, read, kept)


_kept: RunCache[np.ndarray] = RunCache()


def forget_scores(
    db: sqlite_utils.Database, *, import_paths: Iterable[str] = (), ids: Iterable[str] = ()
) -> dict[str, int | None]:
    """Delete the scores of the imports of `import_paths` (a forgotten dataset), and the scores of `ids` (a
    forgotten customer's, `erasure_lookup.scores_of_customer`: the caller tombstones the ids returned, so a
    re-import leaves them out); the caller holds the transaction. Returns the ids deleted, each with its import (the
    runs that counted it are stamped)."""
    found: dict[str, int | None] = {}
    for chunk, marks in in_chunks(sorted(set(import_paths))):
        found |= dict(db.execute(f"""SELECT s.id, s.import_id FROM silent_scores s JOIN imports i ON i.id = s.import_id
                                     WHERE i.path IN ({marks})""", chunk).fetchall())  # fmt: skip
    for chunk, marks in in_chunks(sorted(set(ids))):
        found |= dict(db.execute(f"SELECT id, import_id FROM silent_scores WHERE id IN ({marks})", chunk).fetchall())
    for chunk, marks in in_chunks(sorted(found)):
        db.execute(f"DELETE FROM silent_scores WHERE id IN ({marks})", chunk)
    return dict(sorted(found.items()))
