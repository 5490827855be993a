"""Fuzzed reader inputs (a bounded run of reliability/fuzz.py; `make reliability` runs 10,000): every malformed
or hostile file imports or gets the clear InputError, never another exception."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from miner.errors import InputError  # noqa: E402
from miner.ingest import read_file  # noqa: E402
from reliability.fuzz import build_bombs, fuzz_readers  # noqa: E402

CACHE = ROOT / ".cache" / "reliability" / "bombs"  # the zip bombs take seconds to build; kept between runs


def test_generated_inputs_raise_only_input_errors(tmp_path):
    result = fuzz_readers(150, tmp_path, derandomize=True)
    assert result["inputs"] >= 150
    assert result["unhandled"] == 0, json.dumps(result["failures"][:5], indent=1)
    assert len(result["by_format"]) == 7  # every supported format was generated


@pytest.mark.parametrize("name", ["ratio_20MiB", "unpacked_600MiB", "billion_laughs", "external_entity"])
def test_bombs_disguised_as_xlsx_are_refused_or_harmless(tmp_path, name):
    path = tmp_path / "book.xlsx"
    path.write_bytes(build_bombs(CACHE)[name])
    try:
        records = read_file(path)
    except InputError as err:
        assert "book.xlsx" in str(err)
        return
    assert all(len(r.text) < 100_000 and "root:" not in r.text for r in records)  # not expanded, no file read


@pytest.mark.parametrize(
    ("suffix", "raw", "message"),
    [
        (".json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (".jsonl", b'{"text": "late"}\n' + b"[" * 50_000 + b"]" * 50_000, "line 2"),
        (".csv", b"\xf8\xad", "f.csv"),
        (".json", b'[{"text": "late", "meta": ' + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}]", None),
    ],
)
def test_regressions_found_by_fuzzing(tmp_path, suffix, raw, message):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(raw)
    if message is None:
        assert read_file(path)[0].text == "late"  # deep nesting is kept as JSON text, not a RecursionError
        return
    with pytest.raises(InputError, match=message):
        read_file(path)


def test_damaged_parquet_page_names_the_row(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": ["the food was cold"] * 50}), path)
    raw = bytearray(path.read_bytes())
    raw[40:60] = b"\xff" * 20  # inside the first data page
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="d.parquet"):
        read_file(path)
