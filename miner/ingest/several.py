"""A plain table whose feedback is in several columns, each named with `--text-col` (pros and cons, a comment
per question): one item per row and column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from miner.errors import InputError
from miner.ingest.columns import ColumnMap
from miner.ingest.columns import detect as detect_columns
from miner.ingest.table import Table

RESPONDENT = "respondent"  # the row id several --text-col answers share
TEXTS = "_text"  # the text column of a table read from several --text-col columns (`several_texts`)


def several_texts(path: Path, table: Table, given: ColumnMap) -> Table:
    """A plain table whose text is in several columns (`--text-col a --text-col b`): one row per row and column, as
    a survey's answers are, the column named in `question` and the row's id suffixed with it (`17:b`). Only the
    last column given was mined before."""
    texts = given.named_texts()
    for name in texts:
        if name not in table.columns:
            raise InputError(str(path), f"there is no column '{name}' (given with --text-col)",
                             hint=f"columns are: {', '.join(table.columns)}")  # fmt: skip
    ident = given.id or detect_columns(table.columns, []).id

    def rows() -> Iterator[tuple[int, dict | InputError]]:
        for line, row in table.rows:
            if isinstance(row, InputError):
                yield line, row
                continue
            rest = {k: v for k, v in row.items() if k not in texts}
            rid = rest.get(ident) if ident else None
            rid = int(rid) if isinstance(rid, float) and rid.is_integer() else rid
            answers = [(name, str(row.get(name) or "").strip()) for name in texts]
            if not any(text for _, text in answers):
                yield line, InputError(str(path), "the text is empty", line=line, field=", ".join(texts),
                                       hint="fill it in, or pass --on-error skip to leave such rows out")  # fmt: skip
            for name, text in answers:
                if text:
                    out = rest | {TEXTS: text, "question": name}
                    if ident and str(rid or "").strip():
                        out[ident] = f"{str(rid).strip()}:{name}"
                        out[RESPONDENT] = str(rid).strip()  # the row's answers rate once (report's rating impact)
                    yield line, out

    columns = [c for c in table.columns if c not in texts] + [TEXTS, "question"] + ([RESPONDENT] if ident else [])
    extra = table.extra | {"texts": texts, "header_fields": ("question",)}
    return Table(columns, rows(), table.shape, table.kind, table.unit, extra, table.columns_named)  # type: ignore[arg-type]
