"""Turning a table's rows into records: text, title, rating, date, id and speaker turns."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from miner.errors import InputError
from miner.ingest import ratings
from miner.ingest.columns import ColumnMap, detect, guess_kind
from miner.ingest.readers import MAX_FIELD, Table
from miner.ingest.records import KINDS, Record
from miner.ingest.transcripts import has_markup, parse_transcript


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value: str) -> str:
    """ISO 8601 from the usual export formats; raises ValueError otherwise."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        from dateutil import parser

        return parser.parse(value, dayfirst=False).isoformat()


def parse_rating(value: str) -> float:
    match = re.search(r"-?\d+(?:[.,]\d+)?", value)
    if not match:
        raise ValueError(value)
    return float(match.group(0).replace(",", "."))


def _resolve_columns(path: Path, table: Table, given: ColumnMap) -> ColumnMap:
    cols = detect(table.columns, [r for _, r in table.rows]).merged(given)
    for role in ("text", "title", "rating", "date", "id"):
        name = getattr(given, role)
        if name is not None and name not in table.columns:
            raise InputError(
                str(path),
                f"there is no column '{name}' (given with --{role}-col)",
                hint=f"columns are: {', '.join(table.columns)}",
            )
    if cols.text is None:
        raise InputError(
            str(path),
            "no text column found",
            hint=f"columns are: {', '.join(table.columns) or 'none'}; name one with --text-col",
        )
    if cols.kind is not None and cols.kind not in KINDS:
        raise InputError(str(path), f"unknown kind '{cols.kind}'", hint=f"use one of {', '.join(KINDS)}")
    return cols


def records_from_table(path: Path, table: Table, given: ColumnMap, *, on_error: str = "fail") -> list[Record]:
    """Validated records; a bad row raises (on_error='fail') or is left out and counted ('skip')."""
    if not table.rows:
        raise InputError(str(path), "the file has no rows", hint="export the data again or remove the file")
    cols = _resolve_columns(path, table, given)
    kind = cols.kind or guess_kind(table.columns)
    raw_ratings = []
    for _, row in table.rows:
        try:
            raw_ratings.append(parse_rating(_str(row.get(cols.rating)))) if cols.rating and _str(
                row.get(cols.rating)
            ) else None
        except ValueError:
            pass
    scale = ratings.infer_scale(cols.rating, raw_ratings) if cols.rating else None
    markup_cols = [
        c for c in table.columns if c != cols.text and any(has_markup(_str(r.get(c))) for _, r in table.rows[:20])
    ]
    records, skipped = [], []
    for line, row in table.rows:
        try:
            records.append(_record(path, line, row, cols, kind, scale, markup_cols))
        except InputError as err:
            if on_error != "skip":
                raise
            skipped.append(err)
    if not records:
        raise InputError(str(path), f"no usable rows ({len(skipped)} rejected; first: {skipped[0]})")
    if skipped:
        records[0].meta.setdefault("_rejected", [str(e) for e in skipped])
    return records


def _record(
    path: Path, line: int, row: dict, cols: ColumnMap, kind: str, scale: str | None, markup_cols: list[str]
) -> Record:
    text = _str(row.get(cols.text))
    for extra in markup_cols:
        text = f"{text} {_str(row.get(extra))}".strip()
    if not text:
        raise InputError(
            str(path),
            "the text is empty",
            line=line,
            field=cols.text,
            hint="fill it in, or pass --on-error skip to leave such rows out",
        )
    if len(text) > MAX_FIELD:
        raise InputError(
            str(path),
            f"the text is {len(text):,} characters, over the limit of {MAX_FIELD:,}",
            line=line,
            field=cols.text,
            hint="split it, or pass --on-error skip",
        )
    rec = Record(source=path.name, line=line, text=text, kind=kind)
    if cols.title and _str(row.get(cols.title)):
        rec.title = _str(row.get(cols.title))
    if cols.id and _str(row.get(cols.id)):
        rec.source_id = re.sub(r"^(\d+)\.0$", r"\1", _str(row.get(cols.id)))
    if cols.rating and _str(row.get(cols.rating)) and scale:
        try:
            rec.rating_raw = parse_rating(_str(row.get(cols.rating)))
        except ValueError:
            raise InputError(
                str(path),
                f"the rating '{_str(row.get(cols.rating))}' is not a number",
                line=line,
                field=cols.rating,
                hint="fix it, or pass --on-error skip",
            ) from None
        rec.rating_scale, rec.rating = scale, ratings.normalise(rec.rating_raw, scale)
    if cols.date and _str(row.get(cols.date)):
        try:
            rec.date = parse_date(_str(row.get(cols.date)))
        except (ValueError, OverflowError):
            raise InputError(
                str(path),
                f"the date '{_str(row.get(cols.date))}' does not parse",
                line=line,
                field=cols.date,
                hint="use a format like 2026-03-31, or pass --date-col",
            ) from None
    turns = parse_transcript(text)
    if turns is not None:
        rec.kind, rec.turns = "transcript", turns
    used = {cols.text, cols.title, cols.id, cols.rating, cols.date, *markup_cols}
    rec.meta = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    return rec
