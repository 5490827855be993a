"""Fuzzing the readers with hypothesis: malformed and hostile files in every supported format.

Every input must either import or raise the clear error (InputError / MinerError); anything else is an
unhandled exception, and the figure that must be 0. Inputs: truncated and bit-flipped files, wrong
encodings, huge fields, deeply nested JSON, formula injection, control characters, zip bombs and XML bombs
disguised as XLSX, damaged Parquet."""

from __future__ import annotations

import csv
import io
import json
import time
import traceback
import zipfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miner.errors import MinerError
from miner.ingest import read_file
from miner.ingest.readers import MAX_FIELD

FORMATS = (".csv", ".tsv", ".json", ".jsonl", ".txt", ".xlsx", ".parquet")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "shift_jis")
FORMULAS = (
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
)
HOSTILE = (
    "\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u202e", "\ufeff", "\ufffe", "\r", "\n", "\r\n",
    '"', '""', "'", ",", ";", "|", "\t", "---", "Customer:", "Agent:", "<cust__", "__rep>", "é", "€", "😀", "\\",
    "{", "[", "]]", "NaN", "1e309", "-0", "9" * 40, "2026-13-45", "★★★★★", "<script>alert(1)</script>",
)  # fmt: skip
COLUMN_NAMES = ("text", "id", "rating", "date", "title", "comment", "stars", "nps", "created_at", "", "text", "Q1")

_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
TEXT = st.lists(st.one_of(st.text(_chars, max_size=30), st.sampled_from(HOSTILE)), max_size=8).map("".join)
HUGE = st.sampled_from((MAX_FIELD + 1, 2 * MAX_FIELD, 4 * MAX_FIELD + 7)).map(lambda n: "x" * n)
CELL = st.one_of(TEXT, TEXT, TEXT, TEXT, TEXT, st.sampled_from(FORMULAS), st.integers(), st.floats())
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, st.sampled_from(FORMULAS))
JSON_VALUE = st.recursive(
    SCALAR, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(TEXT, kids, max_size=4)), max_leaves=12
)


# --- mutations of a well-formed file's bytes ------------------------------------------------------------------


@st.composite
def mutate(draw: st.DrawFn, raw: bytes) -> tuple[bytes, str]:
    """Positions are drawn as fractions of the length: XLSX bytes hold a save time, so their length may differ
    when hypothesis replays an example, and the draws must not depend on it."""
    how = draw(st.sampled_from(("none", "none", "truncate", "flip", "insert", "empty", "nul")))
    at = int(draw(st.floats(0, 1, exclude_max=True)) * len(raw))
    value = draw(st.integers(1, 255))
    extra = draw(st.binary(min_size=1, max_size=16))
    if how == "truncate" and raw:
        return raw[:at], how
    if how == "flip" and raw:
        return raw[:at] + bytes([raw[at] ^ value]) + raw[at + 1 :], how
    if how == "insert":
        return raw[:at] + extra + raw[at:], how
    if how == "empty":
        return draw(st.sampled_from((b"", b"   \n", b"\xef\xbb\xbf", b"\xff\xfe"))), how
    if how == "nul":
        return raw.replace(b"\n", b"\x00\n", 1 + value % 3), how
    return raw, "none"


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


# --- one strategy per format ---------------------------------------------------------------------------------


@st.composite
def csv_file(draw: st.DrawFn, suffix: str = ".csv") -> tuple[str, bytes, str]:
    width = draw(st.integers(1, 5))
    header = draw(st.lists(st.one_of(st.sampled_from(COLUMN_NAMES), TEXT), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELL, min_size=max(0, width - 1), max_size=width + 1), max_size=12))
    if rows and rows[0] and draw(st.integers(0, 7)) == 0:  # one huge field in one file of eight
        rows[0][0] = draw(HUGE)
    delimiter = "\t" if suffix == ".tsv" else draw(st.sampled_from(",;|\t"))
    buf = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(buf, delimiter=delimiter, lineterminator=draw(st.sampled_from(("\n", "\r\n", "\r"))))
        writer.writerow(header)
        writer.writerows(rows)
    else:  # hand-joined: unbalanced quotes and stray delimiters stay as they are
        buf.write("\n".join(delimiter.join(map(str, r)) for r in [header, *rows]))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw, how = draw(mutate(_encode(buf.getvalue(), encoding)))
    return suffix, raw, f"csv/{encoding}/{how}"


def _deep(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + '"x"' + "}" * depth


@st.composite
def json_file(draw: st.DrawFn) -> tuple[str, bytes, str]:
    shape = draw(st.sampled_from(("array", "object", "value", "deep", "deep_in_record")))
    if shape == "deep":
        text = _deep(draw(st.sampled_from((50, 900, 5_000, 100_000))), draw(st.sampled_from(("list", "dict"))))
    elif shape == "deep_in_record":
        inner = _deep(draw(st.sampled_from((50, 500, 900, 990, 5_000))), "dict")
        text = '[{"text": "late again", "meta": ' + inner + "}]"
    else:
        records = draw(
            st.lists(st.dictionaries(st.sampled_from(COLUMN_NAMES), st.one_of(JSON_VALUE, CELL)), max_size=8)
        )
        if records and draw(st.integers(0, 7)) == 0:  # one huge text in one file of eight
            records[0]["text"] = draw(HUGE)
        data = {"records": records} if shape == "object" else records if shape == "array" else draw(JSON_VALUE)
        text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw, how = draw(mutate(_encode(text, encoding)))
    return ".json", raw, f"json/{shape}/{encoding}/{how}"


@st.composite
def jsonl_file(draw: st.DrawFn) -> tuple[str, bytes, str]:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(("record", "record", "value", "deep", "garbage")))
        if kind == "record":
            lines.append(json.dumps(draw(st.dictionaries(st.sampled_from(COLUMN_NAMES), st.one_of(JSON_VALUE, CELL)))))
        elif kind == "value":
            lines.append(json.dumps(draw(JSON_VALUE)))
        elif kind == "deep":
            lines.append(_deep(draw(st.sampled_from((900, 5_000, 100_000))), draw(st.sampled_from(("list", "dict")))))
        else:
            lines.append(draw(TEXT))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw, how = draw(mutate(_encode("\n".join(lines), encoding)))
    return ".jsonl", raw, f"jsonl/{encoding}/{how}"


@st.composite
def txt_file(draw: st.DrawFn) -> tuple[str, bytes, str]:
    markers = st.sampled_from(("---", "Customer: hi", "Agent: hello", "==="))
    parts = draw(st.lists(st.one_of(TEXT, markers), max_size=10))
    if draw(st.integers(0, 7)) == 0:  # one huge item in one file of eight
        parts.append(draw(HUGE))
    encoding = draw(st.sampled_from(ENCODINGS))
    raw, how = draw(mutate(_encode("\n".join(parts), encoding)))
    return ".txt", raw, f"txt/{encoding}/{how}"


def _clean_for_xlsx(value: object) -> object:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)[:32_000] if isinstance(value, str) else value


@st.composite
def xlsx_file(draw: st.DrawFn, bombs: dict[str, bytes]) -> tuple[str, bytes, str]:
    kind = draw(st.sampled_from(("sheet", "sheet", "sheet", "bomb", "zip_garbage", "not_zip")))
    if kind == "bomb":
        name = draw(st.sampled_from(sorted(bombs)))
        return ".xlsx", bombs[name], f"xlsx/bomb/{name}"
    if kind == "not_zip":
        return ".xlsx", draw(st.binary(max_size=200)), "xlsx/not_zip"
    if kind == "zip_garbage":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name in draw(st.lists(st.sampled_from(
                    ("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "_rels/.rels", "x")),
                    max_size=4, unique=True)):  # fmt: skip
                zf.writestr(name, draw(st.binary(max_size=100)))
        return ".xlsx", buf.getvalue(), "xlsx/zip_garbage"
    from openpyxl import Workbook

    book = Workbook()
    for row in draw(st.lists(st.lists(st.one_of(CELL, st.none()), max_size=5), max_size=10)):
        book.active.append([_clean_for_xlsx(v) for v in row])
    buf = io.BytesIO()
    book.save(buf)
    raw, how = draw(mutate(buf.getvalue()))
    return ".xlsx", raw, f"xlsx/sheet/{how}"


@st.composite
def parquet_file(draw: st.DrawFn) -> tuple[str, bytes, str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = draw(st.integers(0, 6))
    columns = {}
    for name in draw(st.lists(st.one_of(st.sampled_from(COLUMN_NAMES), TEXT), min_size=1, max_size=4, unique=True)):
        kind = draw(st.sampled_from(("text", "text", "int", "float", "null", "list", "struct", "binary", "date")))
        if kind == "text":
            columns[name] = pa.array(draw(st.lists(st.one_of(TEXT, st.sampled_from(FORMULAS)), min_size=n, max_size=n)))
        elif kind == "int":
            columns[name] = pa.array(draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)))
        elif kind == "float":
            columns[name] = pa.array(draw(st.lists(st.floats(), min_size=n, max_size=n)), type=pa.float64())
        elif kind == "null":
            columns[name] = pa.nulls(n)
        elif kind == "list":
            columns[name] = pa.array([[i, i + 1] for i in range(n)])
        elif kind == "struct":
            columns[name] = pa.array([{"a": i, "b": "x"} for i in range(n)])
        elif kind == "binary":
            columns[name] = pa.array(draw(st.lists(st.binary(max_size=20), min_size=n, max_size=n)), type=pa.binary())
        else:
            columns[name] = pa.array(draw(st.lists(st.integers(-(10**6), 10**6), min_size=n, max_size=n)),
                                     type=pa.int32()).cast(pa.date32())  # fmt: skip
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    raw, how = draw(mutate(buf.getvalue()))
    return ".parquet", raw, f"parquet/{how}"


@st.composite
def random_bytes(draw: st.DrawFn) -> tuple[str, bytes, str]:
    return draw(st.sampled_from(FORMATS)), draw(st.binary(max_size=400)), "random_bytes"


# --- zip and XML bombs, built once ------------------------------------------------------------------------------


def _valid_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id", "text"])
    book.active.append([1, "cold food"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _replace_part(xlsx: bytes, part: str, payload: bytes | None = None, *, stream_zeros: int = 0) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != part:
                out.writestr(info, src.read(info))
            elif stream_zeros:
                with out.open(part, "w", force_zip64=True) as fh:
                    chunk = b"\x00" * (1 << 20)
                    for _ in range(stream_zeros):
                        fh.write(chunk)
            else:
                out.writestr(part, payload or b"")
    return buf.getvalue()


def build_bombs(cache: Path) -> dict[str, bytes]:
    """Zip bombs (one 20 MiB part at a ratio over 1000; 600 MiB unpacked) and an XML entity bomb, each a
    .xlsx on the outside. Cached on disk: the 600 MiB one takes a few seconds to deflate."""
    cache.mkdir(parents=True, exist_ok=True)
    sheet = "xl/worksheets/sheet1.xml"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        b'<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    makers = {
        "ratio_20MiB": lambda: _replace_part(_valid_xlsx(), sheet, stream_zeros=20),
        "unpacked_600MiB": lambda: _replace_part(_valid_xlsx(), sheet, stream_zeros=600),
        "billion_laughs": lambda: _replace_part(_valid_xlsx(), sheet, laughs),
        "external_entity": lambda: _replace_part(
            _valid_xlsx(),
            sheet,
            (
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
                b'<c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
            ),
        ),  # fmt: skip
    }
    out = {}
    for name, make in makers.items():
        path = cache / f"{name}.xlsx"
        if not path.exists():
            path.write_bytes(make())
        out[name] = path.read_bytes()
    return out


# --- the run --------------------------------------------------------------------------------------------------


def cases(bombs: dict[str, bytes]) -> st.SearchStrategy[tuple[str, bytes, str]]:
    return st.one_of(
        csv_file(".csv"), csv_file(".tsv"), json_file(), jsonl_file(), txt_file(), xlsx_file(bombs), parquet_file(),
        random_bytes(),
    )  # fmt: skip


def check_one(path: Path) -> tuple[str, str | None]:
    """('imported' | 'refused' | 'unhandled', detail) for one file, read with both error policies."""
    outcome = "refused"
    for on_error in ("fail", "skip"):
        try:
            records = read_file(path, on_error=on_error)
        except MinerError:
            continue
        except BaseException as err:  # noqa: BLE001 - the point is to catch everything else
            if isinstance(err, KeyboardInterrupt):
                raise
            tb = traceback.extract_tb(err.__traceback__)[-1]
            return "unhandled", f"{type(err).__name__}: {str(err)[:160]} ({Path(tb.filename).name}:{tb.lineno})"
        if any(not isinstance(r.text, str) or not r.text for r in records):
            return "unhandled", "a record without text was returned"
        outcome = "imported"
    return outcome, None


def fuzz_readers(examples: int, workdir: Path, *, derandomize: bool = False) -> dict:
    """Run `examples` generated inputs through the readers; returns counts and the unhandled exceptions."""
    workdir.mkdir(parents=True, exist_ok=True)
    bombs = build_bombs(workdir / "bombs")
    outcomes: Counter[str] = Counter()
    by_format: Counter[str] = Counter()
    unhandled: list[dict] = []
    slowest = (0.0, "")

    @settings(
        max_examples=examples, deadline=None, database=None, derandomize=derandomize, print_blob=False,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=cases(bombs))
    def run(case: tuple[str, bytes, str]) -> None:
        nonlocal slowest
        suffix, raw, label = case
        path = workdir / f"input{suffix}"
        path.write_bytes(raw)
        start = time.perf_counter()
        outcome, detail = check_one(path)
        took = time.perf_counter() - start
        slowest = max(slowest, (took, label))
        outcomes[outcome] += 1
        by_format[suffix] += 1
        if outcome == "unhandled" and len(unhandled) < 50:
            keep = workdir / "failures" / f"{len(unhandled)}{suffix}"
            keep.parent.mkdir(exist_ok=True)
            keep.write_bytes(raw)
            unhandled.append({"label": label, "error": detail, "file": str(keep)})

    start = time.perf_counter()
    run()
    return {
        "inputs": sum(outcomes.values()),
        "imported": outcomes["imported"],
        "refused": outcomes["refused"],
        "unhandled": outcomes["unhandled"],
        "by_format": dict(sorted(by_format.items())),
        "failures": unhandled,
        "slowest_s": round(slowest[0], 2),
        "slowest_case": slowest[1],
        "seconds": round(time.perf_counter() - start, 1),
    }
