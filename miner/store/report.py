"""Reading one run's results for the report and the exports, inside a `Filters`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import sqlite_utils

from miner.segment.scripts import other_script, wordless
from miner.store.filters import DOCUMENT_VALUE, Filters, kept_path, run_items
from miner.store.item_table import RunCache
from miner.store.runs import resolve_run, run_taxonomy
from miner.store.scores import load_silent
from miner.store.unread import unread_texts
from miner.touchpoints.taxonomy import Taxonomy


@dataclass
class RunData:
    """One run's rows within a filter: plain dicts, small enough for memory at report scale."""

    run: dict
    taxonomy: Taxonomy
    documents: dict[str, dict]
    segments: int
    complaints: list[dict]
    assignments: list[dict]
    pain_points: dict[str, dict]
    unread: int = 0  # items with no segment, other languages aside: no English text the analysis could read
    unread_other_script: int = 0  # of those, items in another script than Latin
    unread_languages: Counter[str] = field(default_factory=Counter)  # items in another language, by its name
    unread_wordless: int = 0  # of those, items with no letter nor digit ("-", "?"): no language to blame
    # scores of survey respondents who wrote nothing, shaped as `documents` (miner/store/scores.py): respondents the
    # NPS and rating figures count, and no item
    scores: dict[str, dict] = field(default_factory=dict)


def load_run_data(db: sqlite_utils.Database, filters: Filters | None = None, run_id: int | None = None) -> RunData:
    """The documents, complaint segments, assignments and pain points of a run, within `filters`: its documents are
    those it analysed (`run_items`), not those imported since."""
    filters = filters or Filters()
    run = resolve_run(db, run_id)
    where, params = filters.where()
    rsql, rparams = run_items(run)
    documents = load_documents(db, filters, run)
    (segments,) = db.execute(
        f"""SELECT COUNT(*) FROM segment_results r JOIN segments s ON s.id = r.segment_id
            JOIN documents d ON d.id = s.document_id WHERE r.run_id = ? AND {where}""",
        [run["id"], *params],
    ).fetchone()
    complaints = list(
        db.query(
            f"""SELECT r.segment_id, s.document_id, r.touchpoint, r.complaint_score
                FROM segment_results r JOIN segments s ON s.id = r.segment_id
                JOIN documents d ON d.id = s.document_id
                WHERE r.run_id = ? AND r.complaint = 1 AND {where}""",
            [run["id"], *params],
        )
    )
    assignments = list(
        db.query(
            f"""SELECT a.segment_id, s.document_id, a.touchpoint, a.subtouchpoint, a.score, a.rank,
                       a.pain_point_id, s.text
                FROM assignments a JOIN segments s ON s.id = a.segment_id
                JOIN documents d ON d.id = s.document_id
                WHERE a.run_id = ? AND {where} ORDER BY a.segment_id, a.rank""",
            [run["id"], *params],
        )
    )
    pain_points = {
        row["id"]: {
            **row,
            "keywords": json.loads(row["keywords"] or "[]"),
            "representatives": json.loads(row["representatives"] or "[]"),
        }
        for row in db.query(
            "SELECT id, touchpoint, label, keywords, complaints, representatives FROM pain_points WHERE run_id = ?",
            [run["id"]],
        )
    }
    taxonomy = run_taxonomy(run)
    unread, tongues = unread_texts(db, run, filters)
    foreign = sum(other_script(text or "") for text in unread)
    return RunData(run, taxonomy, documents, segments, complaints, assignments, pain_points, len(unread), foreign,
                   tongues, sum(wordless(text or "") for text in unread), load_silent(db, filters, run))  # fmt: skip


def load_documents(db: sqlite_utils.Database, filters: Filters, run: dict) -> dict[str, dict]:
    """The documents `run` analysed inside `filters`, by id, with what miner/report/respondents.py groups them by
    (their source, date, rating, import and response id): the report's, and `GET /v1/trends`' ratings per period."""
    where, params = filters.where()
    rsql, rparams = run_items(run)
    return {
        row["id"]: row
        for row in db.query(
            f"""SELECT d.id, d.source, d.source_id, d.kind, d.date, d.rating, d.rating_raw, d.rating_scale, d.import_id,
                       COALESCE(json_extract(d.meta, '$.response_id'), json_extract(d.meta, '$.respondent'))
                           AS response_id
                FROM documents d WHERE {where}{rsql} ORDER BY d.date, d.id""",
            [*params, *rparams],
        )
    }


def kept_rows(db: sqlite_utils.Database, run: dict, kept: tuple) -> np.ndarray | None:
    """Which of the documents `run` analysed have the kept values (`Filters.kept`), in the order `load_documents`
    gives them unfiltered (date, then id): a market's rows of the run's respondent table. A column's values are read
    once per run (0.4 s for 337k items); None for a database not on a file."""
    mask = None
    for column, wanted in kept:
        if (found := _ordered_values(db, run, column)) is None:
            return None
        codes, table = found
        has = np.isin(codes, [table[v] for v in wanted if v in table])
        mask = has if mask is None else mask & has
    return mask


def _ordered_values(db: sqlite_utils.Database, run: dict, column: str) -> tuple[np.ndarray, dict] | None:
    """Each document's value code of the column (`load_documents`' order), and the codes by value."""

    def read() -> tuple[np.ndarray, dict]:
        rsql, params = run_items(run)
        sql = f"SELECT {DOCUMENT_VALUE} FROM documents d WHERE 1 = 1{rsql} ORDER BY d.date, d.id"
        found = db.execute(sql, [kept_path(column), *params]).fetchall()
        table: dict[str | None, int] = {}
        return np.fromiter((table.setdefault(v, len(table)) for (v,) in found), np.int32, len(found)), table

    return _values.get(db, run, read, (column,))


_values: RunCache[tuple[np.ndarray, dict]] = RunCache()


def load_quotes(db: sqlite_utils.Database, segment_ids: list[int]) -> dict[int, dict]:
    """Segments with their document's text, source, date and rating, by segment id."""
    if not segment_ids:
        return {}
    out: dict[int, dict] = {}
    for start in range(0, len(segment_ids), 500):
        chunk = segment_ids[start : start + 500]
        rows = db.query(
            f"""SELECT s.id, s.start, s."end", s.text AS segment, d.id AS document_id, d.text, d.source, d.kind,
                       d.date, d.rating_raw, d.rating_scale, json_extract(d.meta, '$.question') AS question
                FROM segments s JOIN documents d ON d.id = s.document_id
                WHERE s.id IN ({",".join("?" * len(chunk))})""",
            chunk,
        )
        out.update({row["id"]: row for row in rows})
    return out


def pain_points_before(db: sqlite_utils.Database, filters: Filters, run_id: int | None = None) -> dict[str, str]:
    """The first day of each pain point of the run with an item dated before `filters.since`, within its sources,
    kinds and kept values: a report of a window calls a pain point new only where the run never saw it before the
    window."""
    if filters.since is None or filters.since == date.min:  # nothing is dated before year 1
        return {}
    run = resolve_run(db, run_id)
    earlier = Filters(None, filters.since - timedelta(days=1), filters.source, filters.kind, filters.kept)
    where, params = earlier.where()
    rsql, rparams = run_items(run)
    rows = db.execute(
        f"""SELECT a.pain_point_id, MIN(d.date) FROM assignments a JOIN segments s ON s.id = a.segment_id
            JOIN documents d ON d.id = s.document_id
            WHERE a.run_id = ? AND a.pain_point_id IS NOT NULL AND d.date IS NOT NULL AND {where}{rsql}
            GROUP BY a.pain_point_id""",
        [run["id"], *params, *rparams],
    )
    return {pp: first for pp, first in rows}
