"""Quotes as evidence: the matching segment highlighted inside its item's text, with source, date and rating."""

from __future__ import annotations

from miner.ingest.ratings import SCALES

CONTEXT = 140  # characters of the item's text shown either side of the highlighted span

_SCALE_NAMES = {"stars5": "★", "csat5": "CSAT", "csat7": "CSAT", "nps": "NPS"}


def format_rating(raw: float | None, scale: str | None) -> str:
    """'★ 2/5', 'CSAT 6/7', 'NPS 3/10', or '' when the item has no rating."""
    if raw is None:
        return ""
    value = f"{raw:g}"
    if scale in SCALES:
        return f"{_SCALE_NAMES[scale]} {value}/{SCALES[scale][1]:g}"
    return value


def _trim_left(text: str) -> str:
    if len(text) <= CONTEXT:
        return text
    cut = text[-CONTEXT:]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < 30 else cut)


def shorten(text: str, width: int = CONTEXT) -> str:
    """`text` cut to `width` characters at a word boundary (within the last 30), with "…" where it was cut."""
    if len(text) <= width:
        return text
    cut = text[:width]
    space = cut.rfind(" ")
    return (cut[:space] if space > width - 30 else cut).rstrip() + "…"


def highlight(row: dict) -> dict:
    """Split the item's text into before / span / after around the segment (segments.start/end)."""
    text, start, end = row["text"] or "", row["start"], row["end"]
    if start is None or end is None or start < 0 or end > len(text) or start >= end:
        return {"before": "", "span": row["segment"], "after": ""}
    return {"before": _trim_left(text[:start]), "span": text[start:end], "after": shorten(text[end:])}


def quote(row: dict) -> dict:
    return {
        "segment_id": row["id"],
        "document_id": row["document_id"],
        "source": row["source"],
        "kind": row["kind"],
        "date": (row["date"] or "")[:10],
        "rating": format_rating(row["rating_raw"], row["rating_scale"]),
        "question": row.get("question"),  # the survey question it answers: "Hire more staff" reads as a complaint alone
        **highlight(row),
    }
