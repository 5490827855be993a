"""Touchpoints of the taxonomy with their complaint counts, shares and top pain points; one with its subs."""

from __future__ import annotations

import sqlite_utils

from api.errors import ApiError, not_found
from api.queries.common import Filters, run_public, run_taxonomy
from miner.report.render import UNMAPPED_NAME
from miner.store.index import run_index
from miner.store.reads import items_inside
from miner.store.top import top_pain_points
from miner.store.unread import read_counts
from miner.touchpoints import Taxonomy
from miner.touchpoints.taxonomy import NONE, Touchpoint

# The complaints that fit no touchpoint, as one more entry beside the taxonomy's (the CLI JSON's `unmapped`);
# constructed unvalidated, since a taxonomy may not name a touchpoint 'none'.
UNMAPPED = Touchpoint.model_construct(
    id=NONE,
    name=UNMAPPED_NAME,
    stage=None,
    description="Complaints that fit no touchpoint of the taxonomy; `touchpoints taxonomy suggest` proposes "
    "touchpoints for them.",
    examples=[],
    children=[],
)


def _top_points(
    db: sqlite_utils.Database, run: dict, filters: Filters, n: int, touchpoint: str | None = None
) -> dict[str, list[dict]]:
    """Each touchpoint's top `n` pain points inside the filters (the shared query of miner.store.top); those of
    every mapped touchpoint, or of `touchpoint` alone ('none': the unmapped complaints')."""
    by_tp: dict[str, list[dict]] = {}
    for p in top_pain_points(db, run, filters, touchpoint=touchpoint, limit=None, quotes=0)["pain_points"]:
        points = by_tp.setdefault(p["touchpoint"], [])
        if len(points) < n:
            points.append({"id": p["id"], "label": p["label"], "complaints": p["complaints"]})
    return by_tp


def _entry(tp: Touchpoint, n: int, total: int, points: list[dict], documents: int = 0) -> dict:
    return {
        "id": tp.id,
        "name": tp.name,
        "stage": tp.stage,
        "description": tp.description,
        "complaints": n,
        "documents": documents,
        "share": round(n / total, 4) if total else 0.0,
        "pain_points": points,
    }


def touchpoints(
    db: sqlite_utils.Database,
    run: dict | None,
    taxonomy: Taxonomy,
    filters: Filters,
    n_points: int = 3,
    stage: str | None = None,
) -> dict:
    """Every top-level touchpoint (of `stage` only, when given), most complained about first, and the unmapped
    complaints apart (all touchpoints' and their counts add up to the total); zeros (and no run) before the first
    run."""
    if run is None:
        entries = [_entry(tp, 0, 0, []) for tp in taxonomy.touchpoints if stage in (None, tp.stage)]
        return {"run": None, "total_complaints": 0, "touchpoints": entries, "unmapped": _entry(UNMAPPED, 0, 0, [])}
    taxonomy = run_taxonomy(run)
    index = run_index(db, run, filters.kept)  # the run's complaints in memory (SQL over them: 3-4 s on 1M segments)
    counts, docs = index.touchpoint_counts(filters), index.touchpoint_items(filters).documents()
    total = index.counts(filters)[1]
    points = _top_points(db, run, filters, n_points)
    entries = [
        _entry(tp, counts.get(tp.id, 0), total, points.get(tp.id, []), docs.get(tp.id, 0))
        for tp in taxonomy.touchpoints
        if stage in (None, tp.stage)
    ]
    entries.sort(key=lambda e: (-e["complaints"], e["id"]))
    unmapped_points = _top_points(db, run, filters, n_points, NONE).get(NONE, [])
    unmapped = _entry(UNMAPPED, counts.get(NONE, 0), total, unmapped_points, docs.get(NONE, 0))
    return {"run": run_public(run), "total_complaints": total, **_items(db, run, filters), "touchpoints": entries,
            "unmapped": unmapped}  # fmt: skip


def _items(db: sqlite_utils.Database, run: dict, filters: Filters) -> dict:
    """The items the run analysed inside the filters, and of them those read and not (another language...): the
    base of a touchpoint's rate of items, and what it leaves out. Both from the run's tables in memory."""
    items = items_inside(db, run, filters)
    return {"total_items": items, **read_counts(db, run, filters, items)}


def touchpoint(
    db: sqlite_utils.Database, run: dict | None, taxonomy: Taxonomy, touchpoint_id: str, filters: Filters
) -> dict:
    """One top-level touchpoint with its sub-touchpoints (counts include their own subs) and pain points; 'none'
    is the unmapped complaints, with no sub-touchpoint."""
    if run is not None:
        taxonomy = run_taxonomy(run)
    top = UNMAPPED if touchpoint_id == NONE else next((t for t in taxonomy.touchpoints if t.id == touchpoint_id), None)
    if top is None and run is not None:  # "not found in this workspace" misled: an older run's taxonomy had it
        known = ", ".join(t.id for t in taxonomy.touchpoints)
        raise ApiError(404, "not_found", f"touchpoint '{touchpoint_id}' is not in the taxonomy of run {run['id']} "
                       f"({run['taxonomy_name']} {run['taxonomy_version']}), the run read: use one of {known}, or "
                       "none; or read a run of another taxonomy with run= (GET /v1/runs lists them)")  # fmt: skip
    if top is None:
        raise not_found(f"touchpoint '{touchpoint_id}'")
    if run is None:
        return {"run": None, **_entry(top, 0, 0, []), "subtouchpoints": [_sub(c, {}, 0) for c in top.children]}
    index = run_index(db, run, filters.kept)  # as `touchpoints`
    inside = index.touchpoint_items(filters)
    total, n = index.counts(filters)[1], index.touchpoint_counts(filters).get(top.id, 0)
    subs = inside.subtouchpoints(top.id)
    points = _top_points(db, run, filters, 10, NONE if top is UNMAPPED else None).get(top.id, [])
    documents = inside.documents().get(top.id, 0)
    entry = _entry(top, n, total, points, documents)
    return {"run": run_public(run), **entry, **_items(db, run, filters),
            "subtouchpoints": [_sub(c, subs, n) for c in top.children]}  # fmt: skip


def _sub(tp: Touchpoint, counts: dict[str | None, int], parent_total: int) -> dict:
    n = sum(counts.get(t.id, 0) for t in tp.walk())
    return {
        "id": tp.id,
        "name": tp.name,
        "complaints": n,
        "share": round(n / parent_total, 4) if parent_total else 0.0,
        "subtouchpoints": [_sub(c, counts, parent_total) for c in tp.children],
    }
