"""Streaming readers for tabular files: CSV/TSV (any delimiter), XLSX (openpyxl) and Parquet (pyarrow)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Any

from miner.errors import InputError, describe
from miner.ingest.columns import ColumnMap
from miner.ingest.columns import detect as detect_columns
from miner.ingest.encoding import SAMPLE_BYTES, detect
from miner.ingest.readers import MAX_FIELD, ByteProgress, Table, register, tabular

DELIMITERS = ",\t;|"
MAX_XLSX_UNPACKED = 512 * 1024 * 1024  # bytes once unzipped; a larger "spreadsheet" is refused as a zip bomb
MAX_XLSX_RATIO = 200  # uncompressed / compressed size of one part
PARQUET_BATCH = 10_000
SHAPE_ROWS = 1_000  # lines whose fields' shapes tell what a row of the file looks like (`_swallowed`)


_EXCEL_SEP = re.compile(r"sep=(.)")


def choose_delimiter(first_line: str, suffix: str) -> str:
    """The delimiter that splits the header line most often, outside quotes (tab for .tsv when present)."""
    unquoted = "".join(part for i, part in enumerate(first_line.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    if suffix == ".tsv" and counts["\t"]:
        return "\t"
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _open(path: Path) -> tuple[io.TextIOWrapper, str]:
    raw = path.open("rb")
    head = raw.read(SAMPLE_BYTES)
    if not head.strip():
        raw.close()
        raise InputError(str(path), "the file is empty", hint="export the data again or remove the file")
    encoding = detect(path, head)
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding=encoding, newline=""), encoding


def _swallowed(values: list[str], width: int, delimiter: str, shapes: list[set[str]] | None = None) -> int:
    """How many whole rows a quoted field holds after its first line: a quote left open ran on into the next rows
    ("Broken quote, never closed\nA3,2026-03-03,1,Item arrived broken"), which vanished into one item's text with
    exit 0. A line of the field counts when it splits into as many fields as the header has (2 at least) and its
    fields are numbers, dates or codes where the rows before, and this row's own one-line fields, had only those
    (`shapes`): an e-mail's "On Mon, 2 Mar 2026, Jane <jane@x.com> wrote:" splits into three fields too, and every
    helpdesk export of three columns whose bodies quoted a reply was refused."""
    if width < 2:
        return 0
    if shapes is not None:  # and the row's own one-line fields: the file's first row has no rows before it
        own = [values[i] if i < len(values) and "\n" not in values[i] else "" for i in range(len(shapes))]
        shapes = [seen | ({_shape(v)} if v.strip() else set()) for seen, v in zip(shapes, own, strict=True)]
    lines = [ln for v in values if "\n" in v for ln in v.split("\n")[1:]]
    fields = (next(csv.reader([ln], delimiter=delimiter), []) for ln in lines)
    return sum(1 for row in fields if len(row) == width and (not shapes or _fits(row, shapes)))


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")
_CODE = re.compile(r"[^\s\d]*\d\S*")  # one word with a digit in it: an id such as "r71", "A3", "T-1001"
SHAPED = {"number", "date", "code"}  # a column holding only these takes no free text in a row of the file


def _shape(value: str) -> str:
    """What a field looks like: empty, a number, a date, a code (one word with a digit: an id), or anything else."""
    value = value.strip()
    if not value:
        return "empty"
    if _NUMBER.fullmatch(value):
        return "number"
    if _DATE.match(value):
        return "date"
    if len(value) <= 40 and _CODE.fullmatch(value):  # a UUID is 36
        return "code"
    return "other"


def _fits(row: list[str], shapes: list[set[str]]) -> bool:
    """Whether each field of `row` in a column of numbers, dates or codes (an id, a date, a rating) is one too: the
    other columns take anything (one held only "Thanks" before a row of text came). Codes count: a survey export
    of `id,text` with ids "r71" was refused where a comment's second line held one comma ("Staff were rude, not
    friendly"), which split into two fields as a row would."""
    for value, seen in zip(row, shapes, strict=False):
        if seen and seen <= SHAPED and _shape(value) not in seen | {"empty"}:
            return False
    return True


def _csv_rows(
    path: Path,
    fh: io.TextIOWrapper,
    reader: Any,
    encoding: str,
    progress: ByteProgress | None,
    skipped: int = 0,
    width: int = 0,
) -> Iterator[tuple[int, list]]:
    """Rows with their line numbers in the file (`skipped` lines were read before the reader started); a row whose
    open quote swallowed the rows after it (`_swallowed`, `width`: the header's fields) stops the file: the rows
    after it cannot be told apart, so --on-error skip cannot skip it either."""
    line = reader.line_num + 1 + skipped
    done = 0
    shapes: list[set[str]] = [set() for _ in range(width)]  # of the first rows' fields, one-line ones
    try:
        for values in reader:
            if values and (swallowed := _swallowed(values, width, reader.dialect.delimiter, shapes)):
                last = reader.line_num + skipped
                rows = "1 line that reads as the file's next row" if swallowed == 1 else (
                    f"{swallowed:,} lines that read as the file's next rows")  # fmt: skip
                raise InputError(
                    str(path),
                    f"a quoted field opened on this line runs on to line {last} without a closing quote, taking in "
                    f"{rows}",
                    line=line,
                    hint=f"close the quote on line {line}: until it is, the rows after it cannot be told apart, and "
                    "--on-error skip cannot leave them out",
                )
            if values and any(v.strip() for v in values):
                if line <= SHAPE_ROWS and len(values) == width:
                    for seen, value in zip(shapes, values, strict=True):
                        seen.add("other" if "\n" in value else _shape(value))
                yield line, values
            line = reader.line_num + 1 + skipped
            if progress is not None:
                pos = fh.buffer.tell()  # type: ignore[attr-defined]
                if pos - done >= 1 << 20:
                    progress(pos - done)
                    done = pos
    except UnicodeDecodeError as err:
        raise InputError(
            str(path),
            f"byte {err.object[err.start]:#04x} is not valid {encoding.upper()}",
            line=reader.line_num + 1 + skipped,
            hint="fix or remove that character, or save the file again as UTF-8",
        ) from None
    except csv.Error as err:
        problem = str(err)
        if "field larger than field limit" in problem:
            problem = f"a field is over {MAX_FIELD * 4:,} characters"
            hint = "split the text, or check for a missing closing quote"
        else:
            hint = "check the quotes on that line"
        raise InputError(str(path), f"not valid CSV ({problem})", line=line, hint=hint) from None
    finally:
        if progress is not None:
            progress(max(0, path.stat().st_size - done))
        fh.close()


@register(".csv", ".tsv", ".tab")
def read_csv(path: Path, progress: ByteProgress | None = None, *, tabs: bool = False) -> Table:
    """CSV or TSV with any delimiter and quoted multi-line fields, read lazily row by row; `tabs`: tab-separated
    whatever the file's name (a .txt that is a table)."""
    fh, encoding = _open(path)
    try:
        first_line = fh.readline()
    except UnicodeDecodeError as err:
        fh.close()
        raise InputError(
            str(path), f"byte {err.object[err.start]:#04x} is not valid {encoding.upper()}", line=1,
            hint="fix or remove that character, or save the file again as UTF-8",
        ) from None  # fmt: skip
    # Excel's "sep=;" line names the delimiter of the rows below it; the header is the next line
    excel = _EXCEL_SEP.fullmatch(first_line.lstrip("\ufeff").rstrip("\r\n"))
    if excel is None:
        fh.seek(0)
    suffix = ".tsv" if tabs else path.suffix.lower()
    delimiter = excel[1] if excel is not None else choose_delimiter(first_line, suffix)
    skipped = 1 if excel is not None else 0
    csv.field_size_limit(MAX_FIELD * 4)
    reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), "the file has no header row", hint="add a header naming the columns") from None
    except UnicodeDecodeError as err:
        raise InputError(
            str(path), f"byte {err.object[err.start]:#04x} is not valid {encoding.upper()}", line=1 + skipped
        ) from None
    except csv.Error as err:
        fh.close()
        raise InputError(
            str(path),
            f"the header row is not valid CSV ({err})",
            line=1 + skipped,
            hint="check the first line of the file",
        ) from None
    table = tabular(path, header, _csv_rows(path, fh, reader, encoding, progress, skipped, len(header)))
    table.extra["delimiter"] = delimiter
    table.extra["encoding"] = encoding
    return table


# --- XLSX -----------------------------------------------------------------------------------------------------


def check_zip(path: Path) -> None:
    """Refuse a spreadsheet that would unpack to more than MAX_XLSX_UNPACKED (a zip bomb) before loading it."""
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
    except zipfile.BadZipFile:
        raise InputError(
            str(path), "not a valid XLSX file", hint="an old .xls must be saved again as .xlsx or CSV"
        ) from None
    total = sum(p.file_size for p in parts)
    worst = max(parts, key=lambda p: p.file_size / max(p.compress_size, 1), default=None)
    if total > MAX_XLSX_UNPACKED or (
        worst is not None
        and worst.file_size > 16 << 20
        and worst.file_size / max(worst.compress_size, 1) > MAX_XLSX_RATIO
    ):
        raise InputError(
            str(path),
            f"the spreadsheet unpacks to {total:,} bytes (limit {MAX_XLSX_UNPACKED:,}); it may be a zip bomb",
            hint="export the sheet as CSV instead",
        )


def _cell(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return "" if value is None else value


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _xlsx_header(path: Path, sheet: str, number: int, values: list) -> list[str]:
    for i, value in enumerate(values):
        if value not in ("", None) and not isinstance(value, str):
            raise InputError(
                str(path),
                f"sheet '{sheet}' has no header row: cell {_column_letter(i)}{number} holds {describe(value)}, "
                "not a column name",
                line=number,
                hint="insert a first row naming the columns (text, rating, date...)",
            )
    return [str(v) for v in values]


WORKBOOKS = (".xlsx", ".xlsm")
PEEK_ROWS = 50  # rows of each sheet read to judge whether it holds a text column


@register(*WORKBOOKS)
def read_xlsx(path: Path, progress: ByteProgress | None = None, columns: ColumnMap | None = None) -> Table:
    """One sheet, in read-only (streaming) mode; line numbers are spreadsheet rows. The sheet named with --sheet
    (`columns.sheet`), else the first of the best that hold data (`_sheet_rank`). Every other sheet with data is
    named (`other_sheets`): one sheet is read per file."""
    from openpyxl import load_workbook

    check_zip(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a damaged file
        raise InputError(
            str(path), f"the spreadsheet cannot be opened ({err})", hint="open and save it again"
        ) from None
    given = columns or ColumnMap()
    if given.sheet is not None and given.sheet not in book.sheetnames:
        raise InputError(str(path), f"there is no sheet '{given.sheet}' (given with --sheet)",
                         hint=f"sheets are: {', '.join(book.sheetnames)}")  # fmt: skip
    chosen: tuple[Any, Iterator[tuple[int, list]]] | None = None
    rank, others = (-1, -1, -1), list[str]()
    for sheet in book.worksheets:
        rows = ((n, v) for n, v in _sheet_rows(path, sheet) if any(str(c).strip() for c in v))
        peeked = list(islice(rows, PEEK_ROWS + 1))
        if not peeked and sheet.title == given.sheet:
            raise InputError(str(path), f"sheet '{sheet.title}' (given with --sheet) is empty",
                             hint="name a sheet that holds the data")  # fmt: skip
        if not peeked:
            continue
        ours = (2, 2, 2) if sheet.title == given.sheet else _sheet_rank(peeked, given)
        if ours > rank:
            others += [chosen[0].title] if chosen is not None else []
            chosen, rank = (sheet, chain(peeked, rows)), ours
        else:
            others.append(sheet.title)
    if chosen is None:
        raise InputError(str(path), "every sheet is empty", hint="export the data again")
    read, data = chosen
    first = next(data)
    header = _xlsx_header(path, read.title, first[0], first[1])
    table = tabular(path, header, _trimmed(data, len(header)), header_at=first[0])
    table.extra["sheet"] = read.title
    table.extra["other_sheets"] = [t for t in book.sheetnames if t in others]
    return table


def _sheet_rank(rows: list[tuple[int, list]], given: ColumnMap) -> tuple[int, int, int]:
    """How well a sheet's first rows make the table to mine: whether its first row names two columns or more (a
    cover sheet, "Q1 feedback" or "Generated by...", was read as a one-column table of one row, the data left
    unread), then whether the text columns given are there, then whether a text column is found in it (a summary
    sheet of "Metric, Value" before the months' answers was read, and refused: "no text column found")."""
    header = [str(c).strip() for c in rows[0][1]]
    if sum(1 for c in header if c) < 2:
        return 0, 0, 0
    named = given.named_texts()
    sample = [dict(zip(header, values, strict=False)) for _, values in rows[1:]]
    return 1, int(bool(named) and all(t in header for t in named)), int(detect_columns(header, sample).text is not None)


def sheets_read(table: Table) -> str:
    """What an error on a workbook adds: the sheet read and the others ("" for any other file)."""
    if "sheet" not in table.extra:
        return ""
    others = ", ".join(f"'{o}'" for o in table.extra.get("other_sheets", []))
    return f"; read sheet '{table.extra['sheet']}'" + (f", not {others} (choose one with --sheet)" if others else "")


def _sheet_rows(path: Path, sheet: Any) -> Iterator[tuple[int, list]]:
    """A sheet's rows, numbered from 1; damaged XML inside the file (seen only while streaming) is an InputError."""
    rows = enumerate(sheet.iter_rows(values_only=True), 1)
    n = 0
    while True:
        try:
            n, values = next(rows)
        except StopIteration:
            return
        except Exception as err:  # ParseError, ValueError, KeyError... from openpyxl's streaming parser
            raise InputError(
                str(path),
                f"sheet '{sheet.title}' is damaged after row {n} ({type(err).__name__}: {str(err)[:120]})",
                line=n + 1,
                hint="open and save it again, or export the sheet as CSV",
            ) from None
        yield n, [_cell(v) for v in values]


def _trimmed(rows: Iterator[tuple[int, list]], width: int) -> Iterator[tuple[int, list]]:
    """openpyxl pads rows to the sheet's widest row; drop empty cells past the header's width."""
    for n, values in rows:
        while len(values) > width and values[-1] == "":
            values.pop()
        yield n, values


# --- Parquet --------------------------------------------------------------------------------------------------


@register(".parquet", ".pq")
def read_parquet(path: Path, progress: ByteProgress | None = None) -> Table:
    """Parquet read in record batches with pyarrow; line numbers are row numbers from 1."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError...
        raise InputError(str(path), f"not a readable Parquet file ({err})", hint="export it again") from None
    columns = list(pf.schema_arrow.names)

    def rows() -> Iterator[tuple[int, dict]]:
        n = 0
        batches = pf.iter_batches(batch_size=PARQUET_BATCH)
        while True:
            try:  # a damaged page shows only when its batch is decoded
                batch = next(batches, None)
                recs = batch.to_pylist() if batch is not None else []
            except Exception as err:  # OSError, ArrowInvalid, UnicodeDecodeError (bad UTF-8 in a string column)...
                raise InputError(
                    str(path), f"the Parquet data is damaged after row {n} ({err})", line=n + 1, hint="export it again"
                ) from None
            if batch is None:
                return
            for rec in recs:
                n += 1
                yield n, {k: _cell(v) for k, v in rec.items()}

    return tabular(path, columns, ((n, list(r.values())) for n, r in rows()))
