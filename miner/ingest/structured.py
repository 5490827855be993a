"""A text column that holds data structures, not words: refused rather than mined as its printed form.

A JSON record whose list of messages is a shape the readers do not know (phrases two lists down, say) keeps that list
as its text column's value, and a CSV written from a dataframe can hold a list's Python repr (`[{'text': ...}]`).
Mined, the keys and the agent's words became pain points ("duration milliseconds"), with no word of warning.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from miner.errors import InputError
from miner.ingest.columns import ColumnMap

STRUCTURED_SHARE = 0.5  # of the sampled non-empty text cells that must be structures for the column to be refused


def _structure(value: object) -> bool:
    """A list or object, or its JSON or Python text (`[{"text": ...}]`, `{'a': 1}`)."""
    if isinstance(value, list | dict):
        return bool(value)
    text = str(value or "").strip()
    if len(text) < 2 or (text[0], text[-1]) not in (("[", "]"), ("{", "}")):
        return False
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue
        return isinstance(parsed, list | dict) and bool(parsed)
    return False


def check_text_not_structured(path: Path, cols: ColumnMap, sample: list[dict]) -> None:
    """Refuse a file whose text column holds JSON structures or Python reprs, naming the column."""
    if cols.text is None:
        return
    values = [v for r in sample if (v := r.get(cols.text)) not in (None, "", [], {})]
    if not values or sum(map(_structure, values)) < STRUCTURED_SHARE * len(values):
        return
    raise InputError(
        str(path),
        f"the text column '{cols.text}' holds lists or objects (JSON data), not text: mined, its keys and every "
        "speaker's words would be read as the customer's",
        field=cols.text,
        hint="export the conversations as one row per message with a speaker column, or as records with a "
        "'messages' list of speaker and text; or name the column of words with --text-col",
    )
