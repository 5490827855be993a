"""Read queries over one run's results: counts inside a `Filters`, quote rows, examples, a database's totals."""

from __future__ import annotations

import sqlite_utils

from miner.store.filters import Filters, run_items

# A run's complaint assignments with their segment and document: what every filtered count reads.
JOIN = "FROM assignments a JOIN segments s ON s.id = a.segment_id JOIN documents d ON d.id = s.document_id"
_COLUMNS = {"a.touchpoint", "a.subtouchpoint", "a.pain_point_id"}


def count_by(db: sqlite_utils.Database, run_id: int, column: str, filters: Filters, where: str = "",
             params: list | None = None) -> dict[str, int]:  # fmt: skip
    """Complaint assignments inside the filters, grouped by `column` (one of a.touchpoint, a.subtouchpoint,
    a.pain_point_id); `where` adds ` AND ...` conditions with `params`."""
    if column not in _COLUMNS:
        raise ValueError(f"count_by groups by one of {sorted(_COLUMNS)}, not {column!r}")
    fsql, fparams = filters.sql()
    sql = f"SELECT {column} AS k, COUNT(*) AS n {JOIN} WHERE a.run_id = ?{where}{fsql} GROUP BY {column}"
    return {r["k"]: r["n"] for r in db.query(sql, [run_id, *(params or []), *fparams])}


def total_complaints(db: sqlite_utils.Database, run_id: int, filters: Filters) -> int:
    fsql, fparams = filters.sql()
    return db.execute(f"SELECT COUNT(*) {JOIN} WHERE a.run_id = ?{fsql}", [run_id, *fparams]).fetchone()[0]


def touchpoint_documents(db: sqlite_utils.Database, run_id: int, filters: Filters) -> dict[str, int]:
    """Distinct documents with a complaint, per touchpoint, inside the filters."""
    fsql, fparams = filters.sql()
    sql = f"SELECT a.touchpoint AS k, COUNT(DISTINCT s.document_id) AS n {JOIN} WHERE a.run_id = ?{fsql} GROUP BY 1"
    return {r["k"]: r["n"] for r in db.query(sql, [run_id, *fparams])}


def pain_point_rows(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """A run's pain points (without their centroids), by id."""
    sql = """SELECT run_id, id, touchpoint, label, keywords, complaints, representatives FROM pain_points
             WHERE run_id = ? ORDER BY id"""
    return list(db.query(sql, [run_id]))


def pain_point(db: sqlite_utils.Database, run_id: int, point_id: str) -> dict | None:
    rows = list(
        db.query("SELECT id, label, touchpoint FROM pain_points WHERE run_id = ? AND id = ?", [run_id, point_id])
    )
    return rows[0] if rows else None


def quote_rows(db: sqlite_utils.Database, segment_ids: list[int]) -> dict[int, dict]:
    """Segments with their document's id, title, text, source, kind, date and rating, by segment id."""
    out: dict[int, dict] = {}
    for start in range(0, len(segment_ids), 500):
        chunk = segment_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"""SELECT s.id, s.text, s.start, s."end", d.id AS document_id, d.text AS document_text, d.title,
                         d.source, d.kind, d.date, d.rating_raw AS rating, d.rating_scale,
                         json_extract(d.meta, '$.question') AS question
                  FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks})"""
        out.update({r["id"]: r for r in db.query(sql, chunk)})
    return out


def segments_inside(db: sqlite_utils.Database, segment_ids: list[int], filters: Filters) -> set[int]:
    """Which of the segments belong to documents inside the filters."""
    fsql, fparams = filters.sql()
    marks = ",".join("?" * len(segment_ids))
    sql = f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks}){fsql}"
    return {r[0] for r in db.execute(sql, [*segment_ids, *fparams])}


def examples_page(
    db: sqlite_utils.Database, run_id: int, point_id: str, limit: int, offset: int, filters: Filters | None = None
) -> tuple[int, list]:
    """The complaints behind a pain point inside the filters, best match first: (how many in all, one page of
    rows), one row per complaint clause."""
    fsql, fparams = (filters or Filters()).sql()
    where = f"WHERE a.run_id = ? AND a.pain_point_id = ?{fsql}"
    total = db.execute(f"SELECT COUNT(*) {JOIN} {where}", [run_id, point_id, *fparams]).fetchone()[0]
    sql = f"""SELECT s.id AS segment_id, s.text AS segment, s.start, s."end", a.score, d.id AS document_id,
                     d.title, d.text, d.source, d.kind, d.date, d.rating_raw AS rating, d.rating_scale,
                     json_extract(d.meta, '$.question') AS question
              {JOIN} {where} ORDER BY a.score DESC, s.id LIMIT ? OFFSET ?"""
    return total, list(db.query(sql, [run_id, point_id, *fparams, limit, offset]))


def unmapped_texts(db: sqlite_utils.Database, run_id: int, unmapped: str) -> list[str]:
    """The texts of a run's complaints assigned to no touchpoint (`unmapped` is the taxonomy's id for none)."""
    sql = """SELECT s.text FROM assignments a JOIN segments s ON s.id = a.segment_id
             WHERE a.run_id = ? AND a.touchpoint = ? ORDER BY s.id"""
    return [r[0] for r in db.execute(sql, [run_id, unmapped])]


def weakest_texts(db: sqlite_utils.Database, run_id: int, touchpoint: str, share: float = 0.5) -> list[str]:
    """The texts of the `share` of a run's complaints first assigned to `touchpoint` that it scored lowest."""
    sql = """SELECT s.text FROM assignments a JOIN segments s ON s.id = a.segment_id
             WHERE a.run_id = ? AND a.touchpoint = ? AND a.rank = 0 ORDER BY a.score, s.id"""
    rows = [r[0] for r in db.execute(sql, [run_id, touchpoint])]
    return rows[: int(len(rows) * share)]


def weakest_complaints(db: sqlite_utils.Database, run_id: int, unmapped: str, share: float) -> list[tuple[str, str]]:
    """(text, touchpoint) of the `share` of a run's mapped complaints with the lowest first-touchpoint scores, over
    every touchpoint (`unmapped` is the taxonomy's id for none, left out)."""
    sql = """SELECT s.text, a.touchpoint FROM assignments a JOIN segments s ON s.id = a.segment_id
             WHERE a.run_id = ? AND a.rank = 0 AND a.touchpoint != ? ORDER BY a.score, s.id"""
    rows = [(r[0], r[1]) for r in db.execute(sql, [run_id, unmapped])]
    return rows[: int(len(rows) * share)]


def has_documents(db: sqlite_utils.Database) -> bool:
    return bool(db.execute("SELECT 1 FROM documents LIMIT 1").fetchall())


def document_totals(db: sqlite_utils.Database) -> dict:
    """What a database holds: documents (by source and kind), segments, the first and last stored dates."""
    one = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    first, last = one("SELECT MIN(date), MAX(date) FROM documents")
    return {
        "documents": one("SELECT COUNT(*) FROM documents")[0],
        "segments": one("SELECT COUNT(*) FROM segments")[0],
        "by_source": {r[0]: r[1] for r in db.execute("SELECT source, COUNT(*) FROM documents GROUP BY 1 ORDER BY 1")},
        "by_kind": {r[0]: r[1] for r in db.execute("SELECT kind, COUNT(*) FROM documents GROUP BY kind")},
        "first_date": first,
        "last_date": last,
    }


def mapped_complaints(db: sqlite_utils.Database, run_id: int) -> dict[int, str]:
    """{segment id: its top touchpoint} for the run's complaints (`none` where it filed one under none)."""
    sql = "SELECT segment_id, touchpoint FROM assignments WHERE run_id = ? AND rank = 0"
    return {r[0]: r[1] for r in db.execute(sql, [run_id])}


def mapped_items_segments(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """Every segment of the items holding one of the run's complaints, in id order."""
    sql = (
        "SELECT s.id, s.document_id, s.text FROM segments s WHERE s.document_id IN (SELECT s2.document_id FROM"
        " assignments a JOIN segments s2 ON s2.id = a.segment_id WHERE a.run_id = ? AND a.rank = 0) ORDER BY s.id"
    )
    return list(db.query(sql, [run_id]))


def items_inside(db: sqlite_utils.Database, run: dict | None, filters: Filters) -> int:
    """Feedback items `run` analysed (`run_items`) inside the filters (undated ones too where no date bounds them);
    from the run's table in memory where it has one (miner/store/item_table.py), the same count."""
    if run is not None:
        from miner.store.read_table import counted_items

        if (table := counted_items(db, run, filters.kept)) is not None:
            return table.count(filters)
    fsql, fparams = filters.sql()
    rsql, rparams = run_items(run)
    sql = f"SELECT COUNT(*) FROM documents d WHERE 1 = 1{fsql}{rsql}"
    return int(db.execute(sql, [*fparams, *rparams]).fetchone()[0])


def daily_items(db: sqlite_utils.Database, run: dict | None, filters: Filters) -> dict[str, int]:
    """Dated documents `run` analysed per day inside the filters: the denominators of a rate per period, as the
    report's; from the run's table in memory where it has one, as `items_inside`."""
    if run is not None:
        from miner.store.read_table import counted_items

        if (table := counted_items(db, run, filters.kept)) is not None:
            return table.by_day(filters)
    fsql, fparams = filters.sql()
    rsql, rparams = run_items(run)
    sql = f"""SELECT substr(d.date, 1, 10) AS day, COUNT(*) AS n FROM documents d
              WHERE d.date IS NOT NULL{fsql}{rsql} GROUP BY 1"""
    return {r["day"]: r["n"] for r in db.query(sql, [*fparams, *rparams])}
