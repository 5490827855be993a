"""The main question: the top pain points inside a date window, source and kind, with trend and quotes."""

from __future__ import annotations

import json

import sqlite_utils

from api.queries.common import JOIN, Filters, check_touchpoint, count_by, run_public, run_taxonomy, total_complaints
from miner.touchpoints.taxonomy import NONE


def _quote_rows(db: sqlite_utils.Database, segment_ids: list[int]) -> dict[int, dict]:
    if not segment_ids:
        return {}
    marks = ",".join("?" * len(segment_ids))
    sql = f"""SELECT s.id, s.text, d.id AS document_id, d.source, d.kind, d.date, d.rating_raw AS rating,
                     d.rating_scale FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks})"""
    return {r["id"]: r for r in db.query(sql, segment_ids)}


def quotes(db: sqlite_utils.Database, run_id: int, point: dict, filters: Filters, n: int = 3) -> list[dict]:
    """The pain point's representative quotes that fall inside the filters, topped up by its best matches."""
    reps = json.loads(point["representatives"] or "[]")
    fsql, fparams = filters.sql()
    if reps and fsql:
        marks = ",".join("?" * len(reps))
        sql = f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks}){fsql}"
        inside = {r[0] for r in db.execute(sql, [*reps, *fparams])}
        reps = [r for r in reps if r in inside]
    ids = reps[:n]
    if len(ids) < n:
        sql = f"""SELECT s.id {JOIN} WHERE a.run_id = ? AND a.pain_point_id = ?{fsql}
                  ORDER BY a.score DESC, s.id LIMIT ?"""
        for (sid,) in db.execute(sql, [run_id, point["id"], *fparams, n * 3]):
            if sid not in ids and len(ids) < n:
                ids.append(sid)
    rows = _quote_rows(db, ids)
    keys = ("text", "document_id", "source", "kind", "date", "rating", "rating_scale")
    return [{k: rows[i][k] for k in keys} for i in ids if i in rows]


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
    """Pain points ordered by complaints inside the filters, each with its share, trend and quotes."""
    taxonomy = run_taxonomy(run)
    check_touchpoint(taxonomy, touchpoint)
    has_point = " AND a.pain_point_id IS NOT NULL"
    counts = count_by(db, run["id"], "a.pain_point_id", filters, has_point)
    previous = filters.previous(db)
    before = count_by(db, run["id"], "a.pain_point_id", previous, has_point) if previous else None
    total = total_complaints(db, run["id"], filters)
    points = {r["id"]: r for r in db.query("SELECT * FROM pain_points WHERE run_id = ?", [run["id"]])}
    names = {tp.id: tp.name for top in taxonomy.touchpoints for tp in top.walk()}
    chosen = []
    for pid, n in counts.items():
        point = points.get(pid)
        if point is None or not _matches(point["touchpoint"], touchpoint):
            continue
        if stage and taxonomy.stage_of(point["touchpoint"]) != stage:
            continue
        chosen.append((n, point))
    chosen.sort(key=lambda item: (-item[0], item[1]["id"]))
    out = []
    for n, point in chosen[:limit]:
        out.append(
            {
                "id": point["id"],
                "label": point["label"],
                "touchpoint": point["touchpoint"],
                "touchpoint_name": names.get(point["touchpoint"], point["touchpoint"]),
                "stage": taxonomy.stage_of(point["touchpoint"]),
                "complaints": n,
                "share": round(n / total, 4) if total else 0.0,
                "trend": _trend(n, before.get(point["id"], 0) if before is not None else None),
                "keywords": json.loads(point["keywords"] or "[]"),
                "quotes": quotes(db, run["id"], point, filters, n_quotes) if n_quotes else [],
            }
        )
    period = {"since": filters.since, "until": filters.until}
    if previous:
        period |= {"previous_since": previous.since, "previous_until": previous.until}
    return {"run": run_public(run), "period": period, "total_complaints": total, "pain_points": out}


def _matches(point_touchpoint: str, wanted: str | None) -> bool:
    if wanted is None:
        return point_touchpoint != NONE
    return point_touchpoint == wanted or point_touchpoint.startswith(wanted + "/")
