"""Readers, one per format, found by name in a registry. Each returns the rows as dicts with line numbers."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from miner.errors import InputError

MAX_FIELD = 1_000_000


@dataclass
class Table:
    """Rows of one file, each with the line it starts on."""

    columns: list[str]
    rows: list[tuple[int, dict]]


Reader = Callable[[Path], Table]
READERS: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    def wrap(fn: Reader) -> Reader:
        for suffix in suffixes:
            READERS[suffix] = fn
        return fn

    return wrap


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(str(path), "the file is empty", hint="export the data again or remove the file")
    for encoding in ("utf-8-sig", "utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            problem = f"byte {raw[err.start]:#x} is not valid {encoding.removesuffix('-sig').upper()}"
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(str(path), problem, line=line, hint="save the file as UTF-8 and try again") from None


@register(".csv", ".tsv")
def read_csv(path: Path) -> Table:
    text = _read_text(path)
    sample = text[:20000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix == ".tsv" else csv.excel
    csv.field_size_limit(MAX_FIELD * 4)
    reader = csv.reader(text.splitlines(keepends=True), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), "the file has no header row", hint="add a header naming the columns") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise InputError(str(path), "the header row is empty", line=1, hint="add a header naming the columns")
    rows: list[tuple[int, dict]] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                line = reader.line_num + 1
                continue
            if len(values) != len(header):
                raise InputError(
                    str(path),
                    f"the row has {len(values)} fields but the header has {len(header)}",
                    line=line,
                    hint="check for an unquoted delimiter or a missing quote",
                )
            rows.append((line, dict(zip(header, values, strict=True))))
            line = reader.line_num + 1
    except csv.Error as err:
        raise InputError(str(path), f"not valid CSV ({err})", line=reader.line_num) from None
    return Table(header, rows)


def _records_of(data: object, path: Path) -> list[dict]:
    if isinstance(data, list):
        records = data
    elif isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if not lists:
            raise InputError(
                str(path),
                "the JSON object holds no list of records",
                hint="give an array of objects, or an object with a 'records' list",
            )
        records = data.get("records") if isinstance(data.get("records"), list) else lists[0]
    else:
        raise InputError(str(path), "the JSON is neither an array nor an object of records")
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError(str(path), f"record {i + 1} is not an object", hint="each record must be a JSON object")
    return records


def _columns(records: list[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in records:
        seen.update(dict.fromkeys(rec))
    return list(seen)


@register(".json")
def read_json(path: Path) -> Table:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as err:
        raise InputError(str(path), f"broken JSON ({err.msg})", line=err.lineno, hint="fix the JSON syntax") from None
    records = _records_of(data, path)
    return Table(_columns(records), [(i + 1, rec) for i, rec in enumerate(records)])


@register(".jsonl", ".ndjson")
def read_jsonl(path: Path) -> Table:
    rows: list[tuple[int, dict]] = []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(
                str(path), f"broken JSON ({err.msg})", line=number, hint="fix or remove that line"
            ) from None
        if not isinstance(rec, dict):
            raise InputError(str(path), "the line is not a JSON object", line=number)
        rows.append((number, rec))
    return Table(_columns([r for _, r in rows]), rows)


@register(".txt")
def read_text_file(path: Path) -> Table:
    """A plain-text file is one item: a transcript when its lines carry speaker prefixes."""
    return Table(["text"], [(1, {"text": _read_text(path), "id": path.stem})])


def reader_for(path: Path) -> Reader:
    try:
        return READERS[path.suffix.lower()]
    except KeyError:
        formats = ", ".join(sorted(READERS))
        raise InputError(str(path), f"unsupported file type '{path.suffix}'", hint=f"supported: {formats}") from None
