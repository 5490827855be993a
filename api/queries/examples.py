"""Verbatims behind one pain point, the matching clause marked in the document's text."""

from __future__ import annotations

import html

import sqlite_utils

from api.errors import not_found
from api.queries.common import Filters, run_public, served_date
from miner.ingest.ratings import normalised as rating_normalised
from miner.store.reads import examples_page, pain_point


def _marked(text: str, start: int, end: int) -> str:
    """The text, HTML-escaped, with the matching span in <mark>."""
    if start < 0 or end > len(text) or start >= end:
        return html.escape(text)
    return f"{html.escape(text[:start])}<mark>{html.escape(text[start:end])}</mark>{html.escape(text[end:])}"


def _match(row: dict) -> dict | None:
    """Where the clause sits: in the text, or in the title (a review's title is segmented apart, with no span in
    the text); None when neither holds it as stored."""
    clause, text, title = row["segment"] or "", row["text"] or "", row["title"] or ""
    if 0 <= row["start"] < row["end"] <= len(text):
        return {"field": "text", "start": row["start"], "end": row["end"], "text": clause}
    at = title.find(clause) if clause else -1
    return {"field": "title", "start": at, "end": at + len(clause), "text": clause} if at >= 0 else None


def examples(
    db: sqlite_utils.Database, run: dict | None, point_id: str, filters: Filters, limit: int, offset: int
) -> dict:
    """One page of the pain point's complaint clauses inside the filters (one entry per clause), best match first."""
    point = pain_point(db, run["id"], point_id) if run is not None else None
    if run is None or point is None:
        raise not_found(f"pain point '{point_id}'")
    total, rows = examples_page(db, run["id"], point_id, limit, offset, filters)
    items = []
    for r in rows:
        match = _match(r)
        at = (match["start"], match["end"]) if match else (-1, -1)
        in_text, in_title = (at, (-1, -1)) if match and match["field"] == "text" else ((-1, -1), at)
        day, utc_offset = served_date(r["date"])
        items.append(
            {
                "segment_id": r["segment_id"],
                "document_id": r["document_id"],
                "title": r["title"],
                "text": r["text"],
                "match": match,
                "marked_title": _marked(r["title"], *in_title) if r["title"] else None,
                "marked": _marked(r["text"], *in_text),
                "score": r["score"],
                "source": r["source"],
                "kind": r["kind"],
                "date": day,
                "utc_offset": utc_offset,
                "rating": r["rating"],
                "rating_scale": r["rating_scale"],
                "rating_normalised": rating_normalised(r["rating"], r["rating_scale"]),
                "question": r["question"],
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
