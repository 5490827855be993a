"""The Table every reader returns: column names and rows, streamed where the format allows it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Table:
    """Rows of one file, each with the line (or spreadsheet row, or record number: see `unit`) it starts on."""

    columns: list[str]
    rows: Iterable[tuple[int, dict]]  # a row may be an InputError (e.g. wrong field count) to raise or skip
    shape: str | None = None  # the export shape recognised, e.g. "qualtrics", "zendesk"
    kind: str | None = None  # the kind the shape implies
    unit: str = "line"  # what a row's number counts: "record" for a JSON array, which has no lines
    extra: dict = field(default_factory=dict)
    columns_named: bool = True  # False for plain text, whose columns are the reader's, not the file's
