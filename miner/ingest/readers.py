"""Readers, one per format, found by name in a registry. Each returns a Table: column names and rows as
(line, dict) pairs, streamed where the format allows it (CSV, XLSX, Parquet) so large files stay in bounded memory."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import InputError
from miner.ingest import shapes
from miner.ingest.conversations import is_comments_page, is_messages
from miner.ingest.encoding import read_text
from miner.ingest.table import Table
from miner.ingest.zendesk_pages import name_pages

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers

MAX_FIELD = 1_000_000
MAX_DEPTH = 64  # nesting levels of JSON flattened into dotted keys; deeper values are kept as JSON text
ByteProgress = Callable[[int], None]  # called with the bytes read so far


Reader = Callable[..., Table]
READERS: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    def wrap(fn: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix] = fn
        return fn

    return wrap


def reader_for(path: Path) -> Reader:
    try:
        return READERS[path.suffix.lower()]
    except KeyError:
        formats = ", ".join(sorted(READERS))
        raise InputError(str(path), f"unsupported file type '{path.suffix}'", hint=f"supported: {formats}") from None


def header_problem(path: Path, header: list[str], where: str = "line 1") -> None:
    """Raise if the first row cannot be a header: it must name the columns, not hold data."""
    if not any(header):
        raise InputError(str(path), f"the header row ({where}) is empty", hint="add a header row naming the columns")


def dict_rows(path: Path, header: list[str], rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, dict]]:
    """Rows as dicts, checking each has as many fields as the header (trailing empty fields are tolerated);
    a row that does not is yielded as an InputError for the caller to raise or skip."""
    width = len(header)
    for line, values in rows:
        if len(values) > width and not any(str(v).strip() for v in values[width:] if v is not None):
            values = values[:width]
        if len(values) != width:
            # Yielded, not raised, so that --on-error skip can leave the row out and read on.
            yield (
                line,
                InputError(  # type: ignore[misc]
                    str(path),
                    f"the row has {len(values)} fields but the header has {width}",
                    line=line,
                    hint="check for an unquoted delimiter or a missing quote, or pass --on-error skip",
                ),
            )
            continue
        yield line, dict(zip(header, values, strict=True))


PREAMBLE_ROWS = 10  # rows looked through for the real header under a title or an export note
_GENERIC = re.compile(r"(?:column|unnamed|field)?[\s_:]*\d*", re.IGNORECASE)  # "", "Unnamed: 3", "column_6", "7"


def _looks_like_header(values: list, width: int) -> bool:
    """Cells that name columns: at least half the row filled with words, no numbers, one of them a known name."""
    from miner.ingest.columns import DATE_NAMES, ID_NAMES, RATING_NAMES, TEXT_NAMES, TITLE_NAMES, norm

    filled = [str(v).strip() for v in values if v is not None and str(v).strip()]
    known = {*TEXT_NAMES, *TITLE_NAMES, *RATING_NAMES, *DATE_NAMES, *ID_NAMES}
    return (
        len(filled) >= max(2, (width + 1) // 2)
        and all(isinstance(v, str) and not re.fullmatch(r"[\d\s.,:/+-]+", v) for v in values if v not in ("", None))
        and any(norm(v) in known for v in filled)
    )


def preamble_problem(path: Path, header: list[str], peeked: list[tuple[int, list]], header_at: int = 1) -> None:
    """Raise when the header row is mostly empty or generic names and a row below looks like the real header: a
    title or an export note above the table ("Export generated 2026-03-01") was read as the header. A title with
    no delimiter is a header of one name ("Export of reviews Nov 2026"), not of empty ones: a wider row below that
    looks like a header is the real one when the header row does not look like one itself."""
    generic = sum(bool(_GENERIC.fullmatch(h)) for h in header) * 2 >= len(header)
    narrow = not _looks_like_header(header, len(header))  # a header that names no known column
    for number, values in peeked:
        if not generic and not (narrow and len(values) > len(header)):
            continue
        if _looks_like_header(values, len(header) if generic else len(values)):
            raise InputError(
                str(path),
                f"row {header_at} was read as the header; the real header seems to be on row {number}",
                hint="remove the rows above it",
            )


def tabular(path: Path, header: list[str], rows: Iterator[tuple[int, list]], header_at: int = 1) -> Table:
    """A Table from a header and raw rows, recognising survey exports with extra header rows."""
    header = [str(h).strip() if h is not None else "" for h in header]
    header_problem(path, header)
    rows = iter(rows)
    peeked = [r for _, r in zip(range(PREAMBLE_ROWS), rows, strict=False)]
    preamble_problem(path, header, peeked, header_at)
    shape = shapes.survey_shape(header, [v for _, v in peeked[:2]])
    if shape is None and shapes.forms_shape(header, [v for _, v in peeked]):
        shape = "forms"  # a respondent who left the first question empty was refused, their other answers unread
    if shape is not None:
        return shapes.melt_survey(path, shape, header, peeked, rows)
    names = _unique(header)
    return Table(names, dict_rows(path, names, _chain(peeked, rows)))


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name or f"column_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


# --- JSON and JSONL -------------------------------------------------------------------------------------------


def _records_of(data: object, path: Path, speakers: Speakers | None = None) -> list[dict]:
    if isinstance(data, list):
        records = data
    elif isinstance(data, dict) and (is_messages(data, speakers) or is_comments_page(data)):
        # one conversation a file (Amazon Connect's Contact Lens output, a Zendesk ticket's comments page), not its
        # messages as items
        records = [data]
    elif isinstance(data, dict):
        lists = _record_lists(data) or _one_level_down(data)
        if not lists:
            raise InputError(
                str(path),
                "the JSON object holds no list of records",
                hint="give an array of objects, or an object with a 'records' list",
            )
        preferred = ("records", "data", "reviews", "tickets", "conversations", "items", "results", "responses")
        key = next((k for k in preferred if k in lists), next(iter(lists)))
        records = lists[key]
    else:
        raise InputError(str(path), "the JSON is neither an array nor an object of records")
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError(
                str(path), "the record is not an object", line=i + 1, hint="each record must be a JSON object",
                unit="record",
            )  # fmt: skip
    return records


def _record_lists(data: dict) -> dict[str, list]:
    return {k: v for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)}


def _one_level_down(data: dict) -> dict[str, list]:
    """The list of records one object down (`{"data": {"items": [...]}}`), when there is exactly one there."""
    found = {
        f"{k}.{name}": v for k, sub in data.items() if isinstance(sub, dict) for name, v in _record_lists(sub).items()
    }
    return found if len(found) == 1 else {}


def flatten(rec: dict, prefix: str = "", depth: int = 0) -> dict:
    """Nested objects become dotted keys ("reviewer.displayName"); lists of scalars are joined. Objects nested
    deeper than MAX_DEPTH stay one JSON string, so hostile nesting cannot exhaust the stack."""
    out: dict = {}
    for key, value in rec.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth >= MAX_DEPTH:
            out[name] = _dumps(value)
        elif isinstance(value, dict):
            out.update(flatten(value, f"{name}.", depth + 1))
        elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            out[name] = "; ".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def _dumps(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return "<nested too deeply>"


def _loads(path: Path, text: str, line: int | None = None) -> object:
    """json.loads, with broken or too deeply nested JSON as an InputError naming the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        hint = "fix or remove that line" if line else "fix the JSON syntax"
        where = f"at column {err.colno}"  # the line is the error's own; the message never quotes the JSON
        problem = f"broken JSON ({err.msg.removesuffix(' at')} {where})"
        raise InputError(str(path), problem, line=line or err.lineno, hint=hint) from None
    except RecursionError:
        raise InputError(
            str(path), "the JSON is nested too deeply to read", line=line, hint="flatten the records"
        ) from None


def records_table(
    path: Path,
    records: list[tuple[int, dict]],
    speakers: Speakers | None = None,
    users: object = None,
    unit: str = "line",
) -> Table:
    """A Table from JSON records: conversation exports become transcripts (`speakers`: the labels given a side;
    `users`: the authors and requesters side-loaded beside them; Zendesk's comments pages named by the file,
    `zendesk_pages`), others are flattened. `unit`: what a record's number counts."""
    converted = shapes.conversation_shape(path, records, speakers, users)
    if converted is not None:
        name_pages(path, records, converted, speakers, users, unit)
        return converted
    rows = [(line, flatten(shapes.unwrap(rec))) for line, rec in records]
    seen: dict[str, None] = {}
    for _, rec in rows:
        seen.update(dict.fromkeys(rec))
    return Table(list(seen), rows)


# The formats whose readers find conversations and read their speakers' labels (`open_table` gives them the labels
# given a side); the others' rows are read as transcripts by `rows.iter_records`
CONVERSATION_FORMATS = (".json", ".jsonl", ".ndjson")


@register(".json")
def read_json(path: Path, progress: ByteProgress | None = None, speakers: Speakers | None = None) -> Table:
    data = _loads(path, read_text(path))
    records = _records_of(data, path, speakers)
    users = data.get("users") if isinstance(data, dict) else None  # Zendesk's `include=users` beside the tickets
    table = records_table(path, [(i + 1, rec) for i, rec in enumerate(records)], speakers, users, "record")
    table.unit = "record"  # a row's number is its place in the array, not a line of the file
    return table


@register(".jsonl", ".ndjson")
def read_jsonl(path: Path, progress: ByteProgress | None = None, speakers: Speakers | None = None) -> Table:
    """One record a line. A line that is broken JSON or no object is a row's error, raised or skipped (--on-error
    skip) where it stands, as a CSV row with too many fields is: it stopped the whole import whatever the option
    said. A file of nothing but such lines is refused at its first."""
    rows: list[tuple[int, dict]] = []
    broken: list[tuple[int, InputError]] = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = _loads(path, line, number)
            if not isinstance(rec, dict):
                raise InputError(str(path), "the line is not a JSON object", line=number, hint="one object per line")
        except InputError as err:
            broken.append((number, err))
            continue
        rows.append((number, rec))
    if broken and not rows:
        raise broken[0][1]
    table = records_table(path, rows, speakers)
    if broken:  # in line order, so a failing import stops at the first bad line, as before
        table.rows = sorted([*table.rows, *broken], key=lambda row: row[0])  # type: ignore[list-item]
    return table


# --- plain text -----------------------------------------------------------------------------------------------

_SEPARATOR = re.compile(r"^\s*(?:-{3,}|={3,}|\*{3,})\s*$", re.MULTILINE)


@register(".txt")
def read_text_file(path: Path, progress: ByteProgress | None = None) -> Table:
    """A plain-text file is one item (a transcript when its lines carry speaker prefixes); `---` lines
    separate several conversations in one file."""
    text = read_text(path)
    if _tab_table(text):  # Excel's "Unicode Text (*.txt)": a tab-separated table, not one item
        from miner.ingest.tabular import read_csv

        return read_csv(path, progress, tabs=True)
    parts, rows, line = _SEPARATOR.split(text), [], 1
    for i, part in enumerate(parts):
        if part.strip():
            start = line + part[: len(part) - len(part.lstrip())].count("\n")
            rows.append((start, {"text": part.strip(), "id": path.stem if len(parts) == 1 else f"{path.stem}#{i + 1}"}))
        line += part.count("\n")
    return Table(["text", "id"], rows, columns_named=False)


def _tab_table(text: str, lines: int = 20) -> bool:
    """Whether a text file's first rows are a table: a header with tabs, and most rows below with as many fields.
    Rows as a tab-separated reader reads them: a quoted cell with a line break in it (Excel's "Unicode Text" of a
    support comment) is one row, and counting physical lines read such a file as one item, its header included."""
    import csv
    import io
    import itertools

    try:
        head = [r for r in itertools.islice(csv.reader(io.StringIO(text), delimiter="\t"), lines) if any(r)]
    except csv.Error:
        return False
    fields = len(head[0]) if head else 0
    return len(head) >= 2 and fields >= 2 and sum(len(r) == fields for r in head[1:]) >= 0.8 * (len(head) - 1)


# Tabular formats (CSV/TSV, XLSX, Parquet) register themselves in miner.ingest.tabular.
from miner.ingest import tabular as _tabular  # noqa: E402,F401
