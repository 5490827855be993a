"""The main question: the top pain points inside a date window, source and kind, with trend and quotes."""

from __future__ import annotations

import json

import sqlite_utils

from api.queries.common import Filters, check_touchpoint, run_public, run_taxonomy
from api.queries.run_index import RunIndex, run_index
from miner.touchpoints.taxonomy import NONE


def _quote_rows(db: sqlite_utils.Database, segment_ids: list[int]) -> dict[int, dict]:
    if not segment_ids:
        return {}
    marks = ",".join("?" * len(segment_ids))
    sql = f"""SELECT s.id, s.text, d.id AS document_id, d.source, d.kind, d.date, d.rating_raw AS rating,
                     d.rating_scale FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks})"""
    return {r["id"]: r for r in db.query(sql, segment_ids)}


def _trend(now_n: int, before: int | None) -> dict | None:
    if before is None:
        return None
    direction = "new" if before == 0 and now_n else "up" if now_n > before else "down" if now_n < before else "flat"
    change = round((now_n - before) / before, 4) if before else None
    return {"previous_complaints": before, "change": now_n - before, "change_pct": change, "direction": direction}


def pain_points(
    db: sqlite_utils.Database,
    run: dict,
    filters: Filters,
    *,
    touchpoint: str | None = None,
    stage: str | None = None,
    limit: int = 10,
    n_quotes: int = 3,
) -> dict:
    """Pain points ordered by complaints inside the filters, each with its share, trend and quotes.

    Counts and quotes come from the run's in-memory index (api.queries.run_index): the numbers `count_by` and
    `total_complaints` give, without a pass over the run's rows."""
    taxonomy = run_taxonomy(run)
    check_touchpoint(taxonomy, touchpoint)
    index = run_index(db, run)
    counts, total = index.counts(filters)
    previous = filters.previous(db)
    before = index.counts(previous)[0] if previous else None
    names = {tp.id: tp.name for top in taxonomy.touchpoints for tp in top.walk()}
    stages = {t.id: t.stage for t in reversed(taxonomy.touchpoints)}  # taxonomy.stage_of, as one dict
    chosen = []
    for pid, n in counts.items():
        code = index.point_code.get(pid)
        point = index.points[code] if code is not None else None
        if point is None or not _matches(point["touchpoint"], touchpoint):
            continue
        if stage and stages.get(point["touchpoint"].split("/")[0]) != stage:
            continue
        chosen.append((n, point))
    chosen.sort(key=lambda item: (-item[0], item[1]["id"]))
    chosen = chosen[:limit]
    picked = _quotes(db, index, [point for _, point in chosen], filters, n_quotes) if n_quotes else {}
    out = []
    for n, point in chosen:
        out.append(
            {
                "id": point["id"],
                "label": point["label"],
                "touchpoint": point["touchpoint"],
                "touchpoint_name": names.get(point["touchpoint"], point["touchpoint"]),
                "stage": stages.get(point["touchpoint"].split("/")[0]),
                "complaints": n,
                "share": round(n / total, 4) if total else 0.0,
                "trend": _trend(n, before.get(point["id"], 0) if before is not None else None),
                "keywords": json.loads(point["keywords"] or "[]"),
                "quotes": picked.get(point["id"], []),
            }
        )
    period = {"since": filters.since, "until": filters.until}
    if previous:
        period |= {"previous_since": previous.since, "previous_until": previous.until}
    return {"run": run_public(run), "period": period, "total_complaints": total, "pain_points": out}


def _quotes(db: sqlite_utils.Database, index: RunIndex, points: list[dict], filters: Filters, n: int) -> dict:
    """Up to `n` quotes per pain point inside the filters: its representatives first, topped up by its best
    matches (`ORDER BY a.score DESC, s.id`). The index answers which representatives are inside the filters
    (SQL only for one that is not among the pain point's complaints) and keeps the quote rows it has read."""
    fsql, fparams = filters.sql()
    chosen: dict[str, list[int]] = {}
    for point in points:
        reps = json.loads(point["representatives"] or "[]")
        if reps and fsql:
            inside, unknown = index.segments_inside(point["id"], reps, filters)
            if unknown:
                marks = ",".join("?" * len(unknown))
                sql = f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks})"
                inside.update(r[0] for r in db.execute(sql + fsql, [*unknown, *fparams]))
            reps = [r for r in reps if r in inside]
        ids = reps[:n]
        if len(ids) < n:
            for sid in index.top_segments(point["id"], filters, n * 3):
                if sid not in ids and len(ids) < n:
                    ids.append(sid)
        chosen[point["id"]] = ids
    cache = index.quote_rows  # shared by the server's threads: read it once per id, then fill it
    rows = {i: row for i in {i for ids in chosen.values() for i in ids} if (row := cache.get(i)) is not None}
    missing = sorted({i for ids in chosen.values() for i in ids} - set(rows))
    for start in range(0, len(missing), 500):
        fetched = _quote_rows(db, missing[start : start + 500])
        rows |= fetched
        if len(cache) > 50_000:
            cache.clear()
        cache.update(fetched)
    keys = ("text", "document_id", "source", "kind", "date", "rating", "rating_scale")
    return {pid: [{k: rows[i][k] for k in keys} for i in ids if i in rows] for pid, ids in chosen.items()}


def _matches(point_touchpoint: str, wanted: str | None) -> bool:
    if wanted is None:
        return point_touchpoint != NONE
    return point_touchpoint == wanted or point_touchpoint.startswith(wanted + "/")
