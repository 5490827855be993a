"""Top touchpoints and their pain points for one run, in the JSON shape the CLI and API share."""

from __future__ import annotations

import json

import sqlite_utils

from miner.errors import MinerError
from miner.store.runs import latest_run
from miner.touchpoints.taxonomy import NONE, Taxonomy


def _examples(db: sqlite_utils.Database, segment_ids: list[int], limit: int) -> list[dict]:
    if not segment_ids:
        return []
    marks = ",".join("?" * len(segment_ids))
    sql = f"""SELECT s.id, s.text, s.start, s."end", d.id AS document_id, d.source, d.kind, d.date,
                     d.rating_raw AS rating, d.rating_scale
              FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks})"""
    found = {row["id"]: row for row in db.query(sql, segment_ids)}
    out = []
    for sid in segment_ids[:limit]:
        row = found.get(sid)
        if row:
            out.append(
                {
                    "text": row["text"],
                    "document_id": row["document_id"],
                    "source": row["source"],
                    "kind": row["kind"],
                    "date": row["date"],
                    "rating": row["rating"],
                }
            )
    return out


def _pain_points(
    db: sqlite_utils.Database, run_id: int, touchpoint: str, total: int, limit: int, quotes: int
) -> list[dict]:
    rows = db.query(
        "SELECT id, label, complaints, keywords, representatives FROM pain_points"
        " WHERE run_id = ? AND touchpoint = ? ORDER BY complaints DESC, id LIMIT ?",
        [run_id, touchpoint, limit],
    )
    return [
        {
            "id": r["id"],
            "label": r["label"],
            "complaints": r["complaints"],
            "share": round(r["complaints"] / total, 4) if total else 0.0,
            "keywords": json.loads(r["keywords"] or "[]"),
            "examples": _examples(db, json.loads(r["representatives"] or "[]"), quotes),
        }
        for r in rows
    ]


def top_pain_points(
    db: sqlite_utils.Database,
    *,
    touchpoint: str | None = None,
    limit: int = 10,
    pain_points: int = 5,
    quotes: int = 3,
    run_id: int | None = None,
) -> dict:
    """{"run": ..., "touchpoints": [{"id", "name", "stage", "complaints", "share", "pain_points": [...]}]}."""
    run = latest_run(db) if run_id is None else db.table("runs").get(run_id)
    if run is None:
        raise MinerError("the database has no completed run yet: mine some feedback first (touchpoints mine FILE)")
    taxonomy = Taxonomy.model_validate_json(run["taxonomy"])
    counts = {
        r["touchpoint"]: (r["n"], r["docs"])
        for r in db.query(
            """SELECT a.touchpoint, COUNT(*) AS n, COUNT(DISTINCT s.document_id) AS docs
           FROM assignments a JOIN segments s ON s.id = a.segment_id WHERE a.run_id = ? GROUP BY a.touchpoint""",
            [run["id"]],
        )
    }
    total = sum(n for n, _ in counts.values())
    if touchpoint is not None and touchpoint != NONE and touchpoint not in {t.id for t in taxonomy.touchpoints}:
        known = ", ".join(t.id for t in taxonomy.touchpoints)
        raise MinerError(f"unknown touchpoint '{touchpoint}': use one of {known}, or none")
    entries = []
    for tp in taxonomy.touchpoints:
        n, docs = counts.get(tp.id, (0, 0))
        if (touchpoint and tp.id != touchpoint) or (not touchpoint and n == 0):
            continue
        entries.append(
            {
                "id": tp.id,
                "name": tp.name,
                "stage": tp.stage,
                "complaints": n,
                "documents": docs,
                "share": round(n / total, 4) if total else 0.0,
                "pain_points": _pain_points(db, run["id"], tp.id, n, pain_points, quotes),
            }
        )
    entries.sort(key=lambda e: (-e["complaints"], e["id"]))
    n_none, docs_none = counts.get(NONE, (0, 0))
    result = {
        "run": {
            k: run[k]
            for k in (
                "id",
                "finished_at",
                "embedding_model",
                "mapper",
                "taxonomy_name",
                "taxonomy_version",
                "taxonomy_fingerprint",
                "documents",
                "segments",
                "complaints",
            )
        },
        "touchpoints": entries[:limit],
    }
    if touchpoint in (None, NONE):
        result["unmapped"] = {
            "id": NONE,
            "complaints": n_none,
            "documents": docs_none,
            "share": round(n_none / total, 4) if total else 0.0,
            "pain_points": _pain_points(db, run["id"], NONE, n_none, pain_points, quotes),
        }
    return result
