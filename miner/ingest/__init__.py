"""Ingest: read feedback exports (CSV, JSON, JSONL, text) into validated records."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from miner.errors import InputError
from miner.ingest.columns import ColumnMap
from miner.ingest.readers import READERS
from miner.ingest.records import KINDS, Record, Turn
from miner.ingest.rows import records_from_table

__all__ = ["ColumnMap", "KINDS", "Record", "Turn", "discover", "read_file", "read_paths"]

SKIP_NAMES = {"readme.md", "readme.txt", "license", "license.txt"}


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """Files to read: the files given, and the supported files inside the folders given."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in READERS and p.name.lower() not in SKIP_NAMES
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(str(path), "no such file or folder", hint="check the path")
    if not found:
        raise InputError(
            ", ".join(map(str, paths)), "no feedback files found", hint=f"supported types: {', '.join(sorted(READERS))}"
        )
    return found


def read_file(path: Path | str, columns: ColumnMap | None = None, *, on_error: str = "fail") -> list[Record]:
    """Read one file into records; raises InputError naming the file, line and field."""
    from miner.ingest.readers import reader_for

    path = Path(path)
    table = reader_for(path)(path)
    return records_from_table(path, table, columns or ColumnMap(), on_error=on_error)


def read_paths(
    paths: Iterable[Path | str], columns: ColumnMap | None = None, *, on_error: str = "fail"
) -> list[tuple[Path, list[Record]]]:
    """Read and validate every file before anything is stored, so one bad file stops the whole import."""
    return [(path, read_file(path, columns, on_error=on_error)) for path in discover(paths)]
