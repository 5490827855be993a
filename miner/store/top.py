"""The top pain points of a run inside a `Filters`: the one query behind `touchpoints top`, the report and
`GET /v1/pain-points`.

Counts and quote candidates come from the run's in-memory index (`miner.store.index`), which answers exactly what
the SQL of `miner.store.reads.count_by` answers (tests/test_api_perf_contract.py holds it to that)."""

from __future__ import annotations

import json

import sqlite_utils

from miner.ingest.ratings import SCALES, normalise
from miner.store.filters import Filters
from miner.store.index import RunIndex, run_index
from miner.store.reads import quote_rows, segments_inside
from miner.store.runs import run_taxonomy
from miner.touchpoints.taxonomy import NONE

QUOTE_KEYS = ("text", "document_id", "source", "kind", "date", "rating", "rating_scale", "question")


def pain_point_counts(db: sqlite_utils.Database, run: dict, filters: Filters) -> tuple[dict[str, int], int]:
    """{pain point id: complaints} inside the filters (ids with some), and all complaints inside them (those
    without a pain point, and unmapped ones, included)."""
    return run_index(db, run, filters.kept).counts(filters)


def pain_point_items(db: sqlite_utils.Database, run: dict, filters: Filters) -> dict[str, int]:
    """{pain point id: distinct items with a complaint in it} inside the filters, of every pain point (those with
    some), from the run's index (tests/test_api_perf_contract.py holds it equal to the SQL)."""
    return run_index(db, run, filters.kept).all_documents(filters)


def matches(point_touchpoint: str, wanted: str | None) -> bool:
    """A pain point's touchpoint against a touchpoint filter: None is every mapped one, 'none' the unmapped."""
    if wanted is None:
        return point_touchpoint != NONE
    return point_touchpoint == wanted or point_touchpoint.startswith(wanted + "/")


def top_pain_points(
    db: sqlite_utils.Database,
    run: dict,
    filters: Filters | None = None,
    *,
    touchpoint: str | None = None,
    stage: str | None = None,
    limit: int | None = 10,
    offset: int = 0,
    quotes: int = 3,
) -> dict:
    """{"total_complaints", "matched", "pain_points": [{"id", "label", "touchpoint", "touchpoint_name", "stage",
    "complaints", "share", "share_of_total", "keywords", "quote_ids", "quotes"}]}: the `matched` pain points with
    complaints inside the filters, most complaints first (then id), from the `offset`th; `limit` None keeps them
    all. `share` is of the pain point's touchpoint's complaints inside the filters (the glossary's, in
    docs/guide/report.md), `share_of_total` of all complaints inside them. Quotes: the representatives inside the
    filters, topped up by the best matches."""
    filters = filters or Filters()
    taxonomy = run_taxonomy(run)
    index = run_index(db, run, filters.kept)
    counts, total = index.counts(filters)
    by_touchpoint = index.touchpoint_counts(filters)
    names = {tp.id: tp.name for top in taxonomy.touchpoints for tp in top.walk()}
    stages = {t.id: t.stage for t in reversed(taxonomy.touchpoints)}  # taxonomy.stage_of, as one dict
    chosen = []
    for pid, n in counts.items():
        code = index.point_code.get(pid)
        point = index.points[code] if code is not None else None
        if point is None or not matches(point["touchpoint"], touchpoint):
            continue
        if stage and stages.get(point["touchpoint"].split("/")[0]) != stage:
            continue
        chosen.append((n, point))
    chosen.sort(key=lambda item: (-item[0], item[1]["id"]))
    matched = len(chosen)
    chosen = chosen[offset : offset + limit] if limit is not None else chosen[offset:]
    candidates = _quote_ids(db, index, [point for _, point in chosen], filters, quotes) if quotes else {}
    rows = _rows(db, index, candidates)
    picked = {pid: _one_per_item(ids, rows, quotes) for pid, ids in candidates.items()}
    out = []
    for n, point in chosen:
        of_touchpoint = by_touchpoint.get(point["touchpoint"].split("/")[0], 0)
        ids = [i for i in picked.get(point["id"], []) if i in rows]
        out.append(
            {
                "id": point["id"],
                "label": point["label"],
                "touchpoint": point["touchpoint"],
                "touchpoint_name": names.get(point["touchpoint"], point["touchpoint"]),
                "stage": stages.get(point["touchpoint"].split("/")[0]),
                "complaints": n,
                "share": round(n / of_touchpoint, 4) if of_touchpoint else 0.0,
                "share_of_total": round(n / total, 4) if total else 0.0,
                "keywords": json.loads(point["keywords"] or "[]"),
                "quote_ids": ids,
                "quotes": [{k: rows[i][k] for k in QUOTE_KEYS} for i in ids],
            }
        )
    return {"total_complaints": total, "matched": matched, "pain_points": out}


def praised(row: dict) -> bool:
    """Whether a quote's item was rated 4 or 5 of 5 (or as high on its scale): a clause the detector counted there
    is seldom the evidence to show ("Like that the receipt breaks down every fee clearly now.", 4 stars)."""
    scale, raw = row.get("rating_scale"), row.get("rating")
    return raw is not None and scale in SCALES and normalise(float(raw), scale) >= PRAISED


def _one_per_item(ids: list[int], rows: dict[int, dict], n: int) -> list[int]:
    """Up to `n` of `ids` (best first), one clause per feedback item: a quote is shown inside its item, so two
    clauses of one item read as the same quote twice. Clauses of highly rated items (`praised`) come after all
    others, so they are quoted only where the pain point has too few others."""
    out: list[int] = []
    items: set[str] = set()
    ranked = [i for i in ids if i in rows and not praised(rows[i])] + [i for i in ids if i in rows and praised(rows[i])]
    for i in ranked:
        if rows[i]["document_id"] not in items:
            out.append(i)
            items.add(rows[i]["document_id"])
            if len(out) == n:
                break
    return out


PRAISED = 0.75  # a rating normalised to 0..1 at or above which the item is praise: 4 or 5 stars, 6-7 of 7, 8-10 NPS


def _quote_ids(db: sqlite_utils.Database, index: RunIndex, points: list[dict], filters: Filters, n: int) -> dict:
    """Candidate quotes per pain point inside the filters, best first: its representatives (the analysis picked
    them one per item), then its best matches (`ORDER BY a.score DESC, s.id`), `3 * n` of them, from which
    `_one_per_item` takes `n`. The index answers which representatives are inside the filters (SQL only for one
    that is not among the pain point's complaints)."""
    has_filter = bool(filters.sql()[0])
    chosen: dict[str, list[int]] = {}
    for point in points:
        reps = json.loads(point["representatives"] or "[]")
        if reps and has_filter:
            inside, unknown = index.segments_inside(point["id"], reps, filters)
            if unknown:
                inside |= segments_inside(db, unknown, filters)
            reps = [r for r in reps if r in inside]
        ids = reps[:n]  # then its best matches, from which a praised item's clause can be replaced (`praised`)
        ids += [sid for sid in index.top_segments(point["id"], filters, n * 3) if sid not in ids]
        chosen[point["id"]] = ids
    return chosen


def _rows(db: sqlite_utils.Database, index: RunIndex, picked: dict[str, list[int]]) -> dict[int, dict]:
    """The quote rows, from the index's cache where it has read them (segments and documents never change)."""
    cache = index.quote_rows  # shared by the server's threads: read it once per id, then fill it
    wanted = {i for ids in picked.values() for i in ids}
    rows = {i: row for i in wanted if (row := cache.get(i)) is not None}
    missing = sorted(wanted - set(rows))
    if missing:
        fetched = quote_rows(db, missing)
        rows |= fetched
        if len(cache) > 50_000:
            cache.clear()
        cache.update(fetched)
    return rows
