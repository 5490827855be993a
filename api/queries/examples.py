"""Verbatims behind one pain point, the matching clause marked in the document's text."""

from __future__ import annotations

import html

import sqlite_utils

from api.errors import not_found
from api.queries.common import JOIN, run_public


def _marked(text: str, start: int, end: int) -> str:
    """The text, HTML-escaped, with the matching span in <mark>."""
    if start < 0 or end > len(text) or start >= end:
        return html.escape(text)
    return f"{html.escape(text[:start])}<mark>{html.escape(text[start:end])}</mark>{html.escape(text[end:])}"


def examples(db: sqlite_utils.Database, run: dict | None, point_id: str, limit: int, offset: int) -> dict:
    point = None
    if run is not None:
        point = db.execute(
            "SELECT id, label, touchpoint FROM pain_points WHERE run_id = ? AND id = ?", [run["id"], point_id]
        ).fetchone()
    if run is None or point is None:
        raise not_found(f"pain point '{point_id}'")
    where = "WHERE a.run_id = ? AND a.pain_point_id = ?"
    total = db.execute(f"SELECT COUNT(*) {JOIN} {where}", [run["id"], point_id]).fetchone()[0]
    sql = f"""SELECT s.id AS segment_id, s.text AS segment, s.start, s."end", a.score, d.id AS document_id,
                     d.text, d.source, d.kind, d.date, d.rating_raw AS rating, d.rating_scale
              {JOIN} {where} ORDER BY a.score DESC, s.id LIMIT ? OFFSET ?"""
    items = []
    for r in db.query(sql, [run["id"], point_id, limit, offset]):
        found = 0 <= r["start"] < r["end"] <= len(r["text"])
        items.append(
            {
                "segment_id": r["segment_id"],
                "document_id": r["document_id"],
                "text": r["text"],
                "match": {"start": r["start"], "end": r["end"], "text": r["segment"]} if found else None,
                "marked": _marked(r["text"], r["start"], r["end"]),
                "score": r["score"],
                "source": r["source"],
                "kind": r["kind"],
                "date": r["date"],
                "rating": r["rating"],
                "rating_scale": r["rating_scale"],
            }
        )
    return {
        "run": run_public(run),
        "pain_point": {"id": point[0], "label": point[1], "touchpoint": point[2]},
        "total": total,
        "limit": limit,
        "offset": offset,
        "examples": items,
    }
