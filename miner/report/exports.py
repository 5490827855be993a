"""Exports for BI tools: pain points and assignments as xlsx (both sheets), parquet or csv (one table)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import sqlite_utils

from miner.errors import MinerError
from miner.report.render import UNMAPPED_NAME
from miner.store.filters import Filters
from miner.store.kept import kept_columns, kept_names
from miner.store.report import load_run_data
from miner.store.runs import resolve_run
from miner.touchpoints.taxonomy import NONE

FORMATS = ("xlsx", "parquet", "csv")
TABLES = ("pain_points", "assignments")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Each table's columns, in export_rows' order: the header an export writes even when no row matched.
COLUMNS = {
    "pain_points": (
        "run_id", "id", "touchpoint", "touchpoint_name", "stage", "label", "keywords", "complaints", "share",
        "share_of_total", "taxonomy_name", "taxonomy_version",
    ),  # fmt: skip
    "assignments": ("run_id", "segment_id", "document_id", "source", "source_id", "kind", "date", "day", "rating",
                    "rating_raw", "rating_scale", "touchpoint", "touchpoint_name", "stage", "subtouchpoint", "rank",
                    "score", "pain_point_id", "pain_point", "text", "taxonomy_name", "taxonomy_version"),
}  # fmt: skip


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (=, +, -, @ at the start) with a quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_rows(
    db: sqlite_utils.Database, filters: Filters | None = None, run_id: int | None = None
) -> dict[str, list[dict]]:
    """{"pain_points": [...], "assignments": [...]} for one run within `filters`. The complaints that fit no
    touchpoint are rows of both, as `top --touchpoint none` lists them: touchpoint `none`, named as `top` and the API
    name it, with no stage (a BI sum of the pain points' complaints then misses only the unclustered ones)."""
    data = load_run_data(db, filters, run_id)
    # each row names its run's taxonomy, as it names the run: exports of runs before and after a refit with a new
    # taxonomy were told apart by run_id alone (last, so that the columns before keep their places)
    run = {"run_id": data.run["id"]}
    taxonomy = {k: data.run[k] for k in ("taxonomy_name", "taxonomy_version")}
    names = {tp.id: (tp.name, tp.stage) for tp in data.taxonomy.touchpoints} | {NONE: (UNMAPPED_NAME, None)}
    counts: dict[str, int] = {}
    per_touchpoint: dict[str, int] = {}  # complaint mentions, the shares' denominators as in `top`
    assignments = []
    names_kept = kept_names(db, data.run, COLUMNS["assignments"])
    kept = kept_columns(db, list(dict.fromkeys(a["document_id"] for a in data.assignments)), names_kept)
    for a in data.assignments:
        per_touchpoint[a["touchpoint"]] = per_touchpoint.get(a["touchpoint"], 0) + 1
        doc = data.documents[a["document_id"]]
        name, stage = names.get(a["touchpoint"], (a["touchpoint"], None))
        pp = data.pain_points.get(a["pain_point_id"] or "", {})
        if a["pain_point_id"]:
            counts[a["pain_point_id"]] = counts.get(a["pain_point_id"], 0) + 1
        assignments.append(
            {
                **run,
                "segment_id": a["segment_id"],
                "document_id": a["document_id"],
                "source": doc["source"],
                "source_id": doc["source_id"],  # the export's own id, as text ("000123"): what joins back to it
                "kind": doc["kind"],
                "date": doc["date"],
                "day": doc["date"][:10] if doc["date"] else None,  # the day the report and the filters count it on
                "rating": doc["rating"],
                "rating_raw": doc["rating_raw"],
                "rating_scale": doc["rating_scale"],
                "touchpoint": a["touchpoint"],
                "touchpoint_name": name,
                "stage": stage,
                "subtouchpoint": a["subtouchpoint"],
                "rank": a["rank"],
                "score": a["score"],
                "pain_point_id": a["pain_point_id"],
                "pain_point": pp.get("label"),
                "text": a["text"],
                **taxonomy,
                **kept[a["document_id"]],  # the item's other columns (Brand, Market...), after the fixed ones
            }
        )
    pain_points = [
        {
            **run,
            "id": pp_id,
            "touchpoint": pp["touchpoint"],
            "touchpoint_name": names.get(pp["touchpoint"], (pp["touchpoint"], None))[0],
            "stage": names.get(pp["touchpoint"], (None, None))[1],
            "label": pp["label"],
            "keywords": ", ".join(pp["keywords"]),
            "complaints": counts.get(pp_id, 0),
            "share": round(counts.get(pp_id, 0) / max(per_touchpoint.get(pp["touchpoint"], 0), 1), 4),
            "share_of_total": round(counts.get(pp_id, 0) / max(len(data.assignments), 1), 4),
            **taxonomy,
        }
        for pp_id, pp in sorted(data.pain_points.items(), key=lambda kv: (-counts.get(kv[0], 0), kv[0]))
        if counts.get(pp_id, 0)
    ]
    return {"pain_points": pain_points, "assignments": assignments}


def headers(db: sqlite_utils.Database, run_id: int | None = None) -> dict[str, list[str]]:
    """Each table's header, rows or not: assignments' ends with the columns the run's items kept (kept.py)."""
    kept = kept_names(db, resolve_run(db, run_id), COLUMNS["assignments"])
    return {"pain_points": list(COLUMNS["pain_points"]), "assignments": [*COLUMNS["assignments"], *kept.values()]}


def _first(rows: list[dict], table: str) -> list[str]:
    """A header without `headers`: the first row's, or the fixed columns."""
    return list(rows[0]) if rows else list(COLUMNS[table])


def _write_csv(rows: list[dict], out: Path, header: list[str] | None = None) -> None:
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or _first(rows, "pain_points"))
        for row in rows:
            writer.writerow([neutralise(v) for v in row.values()])


def _write_xlsx(tables: dict[str, list[dict]], out: Path, header: dict[str, list[str]] | None = None) -> None:
    try:
        from openpyxl import Workbook
    except ImportError:
        raise MinerError("xlsx export needs openpyxl: pip install openpyxl") from None
    book = Workbook()
    blank = book.active  # a new workbook's one empty sheet
    if blank is not None:
        book.remove(blank)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(header[name] if header else _first(rows, name))
        sheet.freeze_panes = "A2"
        for row in rows:
            sheet.append([_xml_text(v) for v in row.values()])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                    # text that opens like a formula: a text cell with Excel's own quote prefix, as Excel stores a
                    # typed '=...: shown as written (an added apostrophe showed in Excel and Power BI), never run,
                    # and still text when edited
                    cell.data_type = "s"
                    cell.quotePrefix = True
    book.save(out)


def _xml_text(value: object) -> object:
    """Text without the control characters an XLSX cell (XML 1.0) cannot hold: openpyxl refuses the whole file."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _schema(table: str, header: list[str] | None = None) -> Any:
    """A table's parquet types, the same whether rows matched or not (an empty export typed every column null, and
    a warehouse table loading it failed or drifted); the columns of `header` beyond them, the items' kept ones, as
    text."""
    import pyarrow as pa

    text, integer, real = pa.string(), pa.int64(), pa.float64()
    types = {"run_id": integer, "segment_id": integer, "complaints": integer, "rank": integer, "share": real,
             "share_of_total": real, "rating": real, "rating_raw": real, "score": real}  # fmt: skip
    return pa.schema([(c, types.get(c, text)) for c in header or COLUMNS[table]])


def _write_parquet(rows: list[dict], out: Path, table: str, header: list[str]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MinerError("parquet export needs pyarrow: pip install pyarrow") from None
    # Typed columns, read by BI tools rather than spreadsheets: text is kept verbatim.
    extra = header[len(COLUMNS[table]) :]  # kept columns: text, as a CSV's
    schema = _schema(table, header)
    rows = [{**row, **{c: None if row[c] is None else str(row[c]) for c in extra}} for row in rows]
    data = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    pq.write_table(data, out)


def export(
    db: sqlite_utils.Database,
    out: Path | str,
    fmt: str,
    *,
    table: str = "pain_points",
    filters: Filters | None = None,
    run_id: int | None = None,
) -> Path:
    """Write pain points or assignments of a run; xlsx holds both tables as sheets."""
    return export_counted(db, out, fmt, table=table, filters=filters, run_id=run_id)[0]


def export_counted(
    db: sqlite_utils.Database,
    out: Path | str,
    fmt: str,
    *,
    table: str = "pain_points",
    filters: Filters | None = None,
    run_id: int | None = None,
) -> tuple[Path, int]:
    """`export`, and how many rows it wrote (both sheets for xlsx): every table gets its header, rows or not."""
    if fmt not in FORMATS:
        raise MinerError(f"unknown export format '{fmt}': use one of {', '.join(FORMATS)}")
    if table not in TABLES:
        raise MinerError(f"unknown table '{table}': use one of {', '.join(TABLES)}")
    tables = export_rows(db, filters, run_id)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = headers(db, run_id)
    if fmt == "xlsx":
        _write_xlsx(tables, out, header)
        return out, sum(len(rows) for rows in tables.values())
    if fmt == "parquet":
        _write_parquet(tables[table], out, table, header[table])
    else:
        _write_csv(tables[table], out, header[table])
    return out, len(tables[table])
