"""Verbatims behind one pain point, the matching clause marked in the document's text."""

from __future__ import annotations

import html

import sqlite_utils

from api.errors import not_found
from api.queries.common import run_public
from miner.store.reads import examples_page, pain_point


def _marked(text: str, start: int, end: int) -> str:
    """The text, HTML-escaped, with the matching span in <mark>."""
    if start < 0 or end > len(text) or start >= end:
        return html.escape(text)
    return f"{html.escape(text[:start])}<mark>{html.escape(text[start:end])}</mark>{html.escape(text[end:])}"


def examples(db: sqlite_utils.Database, run: dict | None, point_id: str, limit: int, offset: int) -> dict:
    point = pain_point(db, run["id"], point_id) if run is not None else None
    if run is None or point is None:
        raise not_found(f"pain point '{point_id}'")
    total, rows = examples_page(db, run["id"], point_id, limit, offset)
    items = []
    for r in rows:
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
        "pain_point": point,
        "total": total,
        "limit": limit,
        "offset": offset,
        "examples": items,
    }
