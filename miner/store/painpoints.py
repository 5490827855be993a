"""Pain points across runs: the previous run's centroids, the refit's old-to-new map, and copying a run's
results forward for a nightly (incremental) run."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import sqlite_utils


def centroids_of(db: sqlite_utils.Database, run_id: int) -> dict[str, dict[str, np.ndarray]]:
    """{touchpoint: {pain point id: centroid}} of a run (pain points stored before centroids are left out)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    sql = "SELECT id, touchpoint, centroid FROM pain_points WHERE run_id = ? AND centroid IS NOT NULL"
    for pid, tp, blob in db.execute(sql, [run_id]).fetchall():
        out.setdefault(tp, {})[pid] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    return out


def record_changes(db: sqlite_utils.Database, run_id: int, changes: Iterable[dict]) -> None:
    db.table("pain_point_changes").insert_all(({"run_id": run_id, **c} for c in changes), batch_size=500)


def changes_of(db: sqlite_utils.Database, run_id: int) -> list[dict]:
    """What a refit did to the previous run's pain points: kept (same id), added, removed."""
    sql = "SELECT old_id, new_id, similarity, change FROM pain_point_changes WHERE run_id = ? ORDER BY rowid"
    return [dict(zip(("old_id", "new_id", "similarity", "change"), r, strict=True)) for r in db.execute(sql, [run_id])]


def labels_of(db: sqlite_utils.Database, run_id: int) -> dict[str, tuple[str, int]]:
    """A run's pain points: id -> (label, complaints); empty for a run whose results were pruned."""
    sql = "SELECT id, label, complaints FROM pain_points WHERE run_id = ?"
    return {r[0]: (r[1], r[2]) for r in db.execute(sql, [run_id])}


def unanalysed_segments(db: sqlite_utils.Database, base_run: int) -> list[dict]:
    """Segments stored since `base_run` was analysed (no result row in it), with their document's rating; items in
    the order of their ids, as `load_segments` reads them, whatever order the rows were stored in."""
    sql = """SELECT s.id, s.document_id, s.text, d.rating FROM segments s JOIN documents d ON d.id = s.document_id
             WHERE NOT EXISTS (SELECT 1 FROM segment_results r WHERE r.run_id = ? AND r.segment_id = s.id)
             ORDER BY s.document_id, s.id"""
    return list(db.query(sql, [base_run]))


def has_unanalysed(db: sqlite_utils.Database, base_run: int) -> bool:
    """Whether any segment was stored since `base_run` was analysed (`unanalysed_segments`, without reading them)."""
    sql = """SELECT 1 FROM segments s
             WHERE NOT EXISTS (SELECT 1 FROM segment_results r WHERE r.run_id = ? AND r.segment_id = s.id) LIMIT 1"""
    return db.execute(sql, [base_run]).fetchone() is not None


def carry_forward(db: sqlite_utils.Database, base_run: int, run_id: int) -> None:
    """Copy the base run's segment results, assignments and pain points into the new run (one SQL each)."""
    db.execute(
        """INSERT INTO segment_results (run_id, segment_id, complaint, complaint_score, touchpoint, touchpoint_score)
           SELECT ?, segment_id, complaint, complaint_score, touchpoint, touchpoint_score
           FROM segment_results WHERE run_id = ?""",
        [run_id, base_run],
    )
    db.execute(
        """INSERT INTO assignments (run_id, segment_id, touchpoint, subtouchpoint, score, rank, pain_point_id)
           SELECT ?, segment_id, touchpoint, subtouchpoint, score, rank, pain_point_id
           FROM assignments WHERE run_id = ?""",
        [run_id, base_run],
    )
    db.execute(
        """INSERT INTO pain_points (run_id, id, touchpoint, label, keywords, complaints, representatives, centroid)
           SELECT ?, id, touchpoint, label, keywords, complaints, representatives, centroid
           FROM pain_points WHERE run_id = ?""",
        [run_id, base_run],
    )


def add_counts(db: sqlite_utils.Database, run_id: int, added: dict[str, int]) -> None:
    for pid, n in added.items():
        db.execute("UPDATE pain_points SET complaints = complaints + ? WHERE run_id = ? AND id = ?", [n, run_id, pid])


# A refit is suggested once fewer than half of the items a nightly run counts were there when its pain points were
# clustered: most complaints then only joined pain points fitted without them, and what arrived since has none of its
# own. Half is the majority line, not a tuned figure.
REFIT_SHARE = 0.5


def fitted_on(db: sqlite_utils.Database, run_id: int) -> tuple[int, int | None] | None:
    """(run, items) of the run whose clustering made `run_id`'s pain points: itself for a full run, else the full run
    its chain of incremental runs starts from; None where a run of the chain has no row."""
    sql = """WITH RECURSIVE chain(id, mode, base, documents) AS (
                 SELECT id, mode, base_run_id, documents FROM runs WHERE id = ?
                 UNION ALL
                 SELECT r.id, r.mode, r.base_run_id, r.documents FROM runs r JOIN chain c ON r.id = c.base
                 WHERE c.mode = 'incremental')
             SELECT id, documents FROM chain WHERE COALESCE(mode, 'full') != 'incremental'"""
    row = db.execute(sql, [run_id]).fetchone()
    return (row[0], row[1]) if row else None


def refit_note(db: sqlite_utils.Database, run: dict) -> str | None:
    """A sentence suggesting a refit when the pain points of `run` (an incremental one) were clustered on fewer
    than `REFIT_SHARE` of the items it counts; None otherwise."""
    fitted = fitted_on(db, run["id"]) if run.get("mode") == "incremental" else None
    items = run.get("documents")
    if fitted is None or fitted[1] is None or not items or fitted[1] >= REFIT_SHARE * items:
        return None
    base, seen = fitted
    return (
        f"The pain points are run {base}'s, clustered on {seen:,} of the {items:,} items run {run['id']} counts "
        f"({seen / items:.0%}): the other {items - seen:,} only joined them (--incremental), so what came up since "
        "has no pain point of its own. Mine once with --refit (leave out --incremental) to re-cluster everything; "
        "pain points that did not change keep their ids."
    )
