"""Touchpoints of the taxonomy with their complaint counts, shares and top pain points; one with its subs."""

from __future__ import annotations

import sqlite_utils

from api.errors import not_found
from api.queries.common import Filters, run_public, run_taxonomy
from miner.store.reads import count_by, pain_point_rows, total_complaints
from miner.touchpoints import Taxonomy
from miner.touchpoints.taxonomy import Touchpoint


def _top_points(db: sqlite_utils.Database, run_id: int, filters: Filters, n: int) -> dict[str, list[dict]]:
    counts = count_by(db, run_id, "a.pain_point_id", filters, " AND a.pain_point_id IS NOT NULL")
    rows = pain_point_rows(db, run_id)
    by_tp: dict[str, list[dict]] = {}
    for row in rows:
        if counts.get(row["id"]):
            by_tp.setdefault(row["touchpoint"], []).append(
                {"id": row["id"], "label": row["label"], "complaints": counts[row["id"]]}
            )
    return {tp: sorted(points, key=lambda p: (-p["complaints"], p["id"]))[:n] for tp, points in by_tp.items()}


def _entry(tp: Touchpoint, n: int, total: int, points: list[dict]) -> dict:
    return {
        "id": tp.id,
        "name": tp.name,
        "stage": tp.stage,
        "description": tp.description,
        "complaints": n,
        "share": round(n / total, 4) if total else 0.0,
        "pain_points": points,
    }


def touchpoints(
    db: sqlite_utils.Database, run: dict | None, taxonomy: Taxonomy, filters: Filters, n_points: int = 3
) -> dict:
    """Every top-level touchpoint, most complained about first; zeros (and no run) before the first run."""
    if run is None:
        entries = [_entry(tp, 0, 0, []) for tp in taxonomy.touchpoints]
        return {"run": None, "total_complaints": 0, "touchpoints": entries}
    taxonomy = run_taxonomy(run)
    counts = count_by(db, run["id"], "a.touchpoint", filters)
    total = total_complaints(db, run["id"], filters)
    points = _top_points(db, run["id"], filters, n_points)
    entries = [_entry(tp, counts.get(tp.id, 0), total, points.get(tp.id, [])) for tp in taxonomy.touchpoints]
    entries.sort(key=lambda e: (-e["complaints"], e["id"]))
    return {"run": run_public(run), "total_complaints": total, "touchpoints": entries}


def touchpoint(
    db: sqlite_utils.Database, run: dict | None, taxonomy: Taxonomy, touchpoint_id: str, filters: Filters
) -> dict:
    """One top-level touchpoint with its sub-touchpoints (counts include their own subs) and pain points."""
    if run is not None:
        taxonomy = run_taxonomy(run)
    top = next((t for t in taxonomy.touchpoints if t.id == touchpoint_id), None)
    if top is None:
        raise not_found(f"touchpoint '{touchpoint_id}'")
    if run is None:
        return {"run": None, **_entry(top, 0, 0, []), "subtouchpoints": [_sub(c, {}, 0) for c in top.children]}
    total = total_complaints(db, run["id"], filters)
    counts = count_by(db, run["id"], "a.touchpoint", filters, " AND a.touchpoint = ?", [top.id])
    subs = count_by(db, run["id"], "a.subtouchpoint", filters, " AND a.touchpoint = ?", [top.id])
    points = _top_points(db, run["id"], filters, 10).get(top.id, [])
    n = counts.get(top.id, 0)
    entry = _entry(top, n, total, points)
    return {"run": run_public(run), **entry, "subtouchpoints": [_sub(c, subs, n) for c in top.children]}


def _sub(tp: Touchpoint, counts: dict[str, int], parent_total: int) -> dict:
    n = sum(counts.get(t.id, 0) for t in tp.walk())
    return {
        "id": tp.id,
        "name": tp.name,
        "complaints": n,
        "share": round(n / parent_total, 4) if parent_total else 0.0,
        "subtouchpoints": [_sub(c, counts, parent_total) for c in tp.children],
    }
