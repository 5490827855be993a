"""Datasets: uploaded files, read and validated at once (rows, rejected rows), mined later by a run."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import sqlite_utils

from api.errors import ApiError
from api.keys import now
from miner.errors import InputError
from miner.ingest import ColumnMap, read_file
from miner.segment.pii import pseudonymise, pseudonymise_path

MAX_REJECTED = 100
_LINE = re.compile(r", line (\d+)")
_FIELD = re.compile(r", field '([^']*)'")


def _rejected(path: Path, message: str) -> dict:
    line, field = _LINE.search(message), _FIELD.search(message)
    return {
        "file": path.name,
        "line": int(line.group(1)) if line else None,
        "field": field.group(1) if field else None,
        "message": message.replace(pseudonymise_path(str(path)), path.name),  # as InputError names it
    }


def too_many_rows(limit: int) -> ApiError:
    return ApiError(413, "too_many_rows", f"the dataset has more than {limit:,} rows: split it into smaller uploads")


def validate(paths: list[Path], columns: ColumnMap, max_rows: int | None = None) -> tuple[list[dict], list[dict]]:
    """Per-file row counts and the rejected rows; a file that cannot be read at all raises InputError, and more
    than `max_rows` rows in all raise a 413."""
    files: list[dict] = []
    rejected: list[dict] = []
    total = 0
    for path in paths:
        try:
            records = read_file(path, columns, on_error="skip")
        except InputError as err:
            # Name the file as the client sent it, not where the server keeps it.
            raise InputError(path.name, err.problem, line=err.line, field=err.field, hint=err.hint) from None
        bad = records[0].meta.get("_rejected", []) if records else []
        rejected += [_rejected(path, m) for m in bad]
        files.append({"name": path.name, "path": str(path), "rows": len(records) + len(bad), "accepted": len(records)})
        total += len(records) + len(bad)
        if max_rows is not None and total > max_rows:
            raise too_many_rows(max_rows)
    return files, rejected


def create(
    control: sqlite_utils.Database,
    workspace: str,
    dataset_id: str,
    name: str,
    paths: list[Path],
    columns: ColumnMap,
    max_rows: int | None = None,
) -> dict:
    files, rejected = validate(paths, columns, max_rows)
    row = {
        "id": dataset_id,
        "workspace": workspace,
        "name": pseudonymise(name),  # a name can be an email or a phone number
        "created_at": now(),
        "files": json.dumps(files),
        "columns": json.dumps({k: v for k, v in vars(columns).items() if v is not None}),
        "rows": sum(f["rows"] for f in files),
        "accepted": sum(f["accepted"] for f in files),
        "rejected": json.dumps(rejected[:MAX_REJECTED]),
    }
    with control.atomic():
        control.table("datasets").insert(row)
    return public(row)


def public(row: dict) -> dict:
    files = [{k: f[k] for k in ("name", "rows", "accepted")} for f in json.loads(row["files"])]
    rejected = json.loads(row["rejected"])
    return {
        "id": row["id"],
        "name": row["name"],
        "created_at": row["created_at"],
        "files": files,
        "rows": row["rows"],
        "accepted": row["accepted"],
        "rejected_count": row["rows"] - row["accepted"],
        "rejected": rejected,
    }


def get(control: sqlite_utils.Database, workspace: str, dataset_id: str) -> dict | None:
    rows = list(control.query("SELECT * FROM datasets WHERE id = ? AND workspace = ?", [dataset_id, workspace]))
    return rows[0] if rows else None


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
