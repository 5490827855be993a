"""Datasets: uploaded files, read and validated at once (rows, rejected rows), mined later by a run."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlite_utils

from api.db import dataset_row, dataset_rows, insert_dataset, update_dataset_columns, update_dataset_files
from api.errors import ApiError, api_words
from api.keys import now
from api.shred import shred, shred_tree
from miner.errors import InputError
from miner.ingest import ColumnMap, iter_file
from miner.segment.pii import pseudonymise, pseudonymise_path
from miner.store.import_result import ImportResult

MAX_REJECTED = 100
_LINE = re.compile(r", line (\d+)")
_FIELD = re.compile(r", field '([^']*)'")


def _rejected(path: Path, message: str, records: bool = False) -> dict:
    found, field = _LINE.search(message), _FIELD.search(message)
    line = int(found.group(1)) if found else None
    message = message.replace(pseudonymise_path(str(path)), path.name)  # as InputError names it
    row = {
        "file": path.name,
        "line": line,
        "field": field.group(1) if field else None,
        "message": api_words(_as_records(path, message) if records else message),
    }
    if records and line is not None:  # the file is the server's copy of the body: its line N is records[N-1]
        row["record"], row["line"] = line - 1, None
    return row


def _as_records(path: Path, message: str) -> str:
    """A message about the file a JSON body's records were written to, as the client sent them: 'records[1]'."""
    return re.sub(rf"{re.escape(path.name)}, line (\d+)", lambda m: f"records[{int(m.group(1)) - 1}]", message)


def _param_at_fault(columns: ColumnMap, err: InputError, first: InputError | None) -> str | None:
    """The query parameter of POST /v1/datasets behind a file's error, if one is: a column it named that the file
    lacks, or whose values every row failed (`first`: the first rejected row)."""
    named = re.search(r"given with --(\w+)-col", err.problem)
    if named:
        return f"{named.group(1)}_col"
    if columns.sheet is not None and "--sheet" in err.problem:
        return "sheet"
    if speaker := re.match(r"--(customer|agent)-speaker\b", err.problem):
        return f"{speaker.group(1)}_speaker"
    given = {getattr(columns, role): f"{role}_col" for role in ("text", "title", "rating", "date", "id")}
    for column in (err.field, first.field if first is not None else None):
        if column is not None and column in given:
            return given[column]
    return None


def too_many_rows(limit: int) -> ApiError:
    return ApiError(413, "too_many_rows", f"the dataset has more than {limit:,} rows: split it into smaller uploads")


class _Rejected(list[InputError]):
    """Rejected rows as iter_file reports them: every one counted, only the first MAX_REJECTED kept, so a file of
    a million bad rows does not hold a million errors."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def append(self, err: InputError) -> None:
        self.seen += 1
        if len(self) < MAX_REJECTED:
            super().append(err)


def validate(
    paths: list[Path], columns: ColumnMap, max_rows: int | None = None, records: bool = False
) -> tuple[list[dict], list[dict]]:
    """Per-file row counts and the rejected rows, read in chunks so memory stays bounded whatever the size; a
    file that cannot be read at all raises InputError, and more than `max_rows` rows in all a 413 as soon as the
    count passes it."""
    files: list[dict] = []
    rejected: list[dict] = []
    total = 0
    for path in paths:
        bad, accepted = _Rejected(), 0
        chosen: dict[str, object] = {}  # the columns read, by role (`FileColumns`)
        try:
            for chunk in iter_file(path, columns, on_error="skip", rejected=bad, chosen=chosen):
                accepted += len(chunk)
                if max_rows is not None and total + accepted + bad.seen > max_rows:
                    raise too_many_rows(max_rows)
        except InputError as err:
            # Name the file as the client sent it, not where the server keeps it (the problem can quote a rejected
            # row's message, which names it too), in the API's words, with the query parameter at fault.
            problem = err.problem.replace(pseudonymise_path(str(path)), path.name)
            named = str(InputError(path.name, problem, line=err.line, field=err.field, hint=err.hint))
            # a problem of the whole file (empty, a header only, no text column) is the upload's: `file` or `records`
            field = (
                _param_at_fault(columns, err, bad[0] if bad else None)
                or err.field
                or ("records" if records else "file")
            )
            named = _as_records(path, named) if records else named
            raise ApiError(400, "invalid_file", api_words(named), field=field) from None
        rejected += [_rejected(path, str(m), records) for m in bad]
        files.append({"name": path.name, "path": str(path), "rows": accepted + bad.seen, "accepted": accepted,
                      "columns": chosen or None})  # fmt: skip
        total += accepted + bad.seen
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
    records: bool = False,
) -> dict:
    """Validate the upload and store its dataset row; `records`: it came as a JSON body's `records`, so rejected
    rows are named by their index there."""
    files, rejected = validate(paths, columns, max_rows, records)
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
    insert_dataset(control, row)
    return public(row)


def public(row: dict) -> dict:
    keys = ("name", "rows", "accepted", "columns", "imported_at", "new_items", "kept_apart")
    files = [{k: f.get(k) for k in keys} for f in json.loads(row["files"])]
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
    return dataset_row(control, workspace, dataset_id)


def pending_files(row: dict) -> list[Path]:
    """The dataset's uploaded files no run has imported yet (the others were deleted when one did)."""
    return [Path(f["path"]) for f in json.loads(row["files"]) if not f.get("imported_at")]


def drop_imported(control: sqlite_utils.Database, row: dict, imported: dict[str, ImportResult] | None = None) -> None:
    """A run has imported the dataset (its items are stored, redacted, in the workspace): record that, with the
    items each file added (`imported`, by path: fewer than it accepted where they were stored already) and the
    conversations it kept apart, with its speaker labels dropped (`_drop_labels`), then delete the raw uploaded files,
    which hold every name, phone number and address as sent. Recorded first, so a crash in between leaves a file that
    the next run deletes, never one marked pending that is gone."""
    files = json.loads(row["files"])
    if not all(f.get("imported_at") for f in files):
        stamp = now()
        for f in files:
            if not f.get("imported_at") and imported is not None and f["path"] in imported:
                f["new_items"], f["kept_apart"] = imported[f["path"]].added, imported[f["path"]].diverged
            f["imported_at"] = f.get("imported_at") or stamp
        update_dataset_files(control, row["id"], json.dumps(files))
        _drop_labels(control, row, lambda labels: labels)
    for f in files:
        shred(Path(f["path"]))  # overwritten, then unlinked (api/shred.py)


SPEAKER_LABELS = ("customer_speakers", "agent_speakers")


def _drop_labels(control: sqlite_utils.Database, row: dict, dropped: Callable[[list[str]], Iterable[str]]) -> int:
    """Drop the speaker labels `dropped` picks of the labels the dataset's uploads were read with: an author's id,
    name or e-mail (`customer_speaker`), needed only while a run has an upload to read. They stayed in the main
    database for good, where no erasure read them. Returns the labels dropped."""
    columns = json.loads(row["columns"] or "{}")
    given = [label for key in SPEAKER_LABELS for label in columns.get(key) or ()]
    gone = set(dropped(given)) & set(given) if given else set()
    if gone:
        for key in SPEAKER_LABELS:
            columns[key] = [label for label in columns.get(key) or () if label not in gone]
        update_dataset_columns(control, row["id"], json.dumps(columns))
    return len(gone)


def forget_labels(control: sqlite_utils.Database, workspace: str, value: str) -> int:
    """Drop the speaker labels naming the customer from the datasets a run has imported (an older server kept them
    after the import; `drop_imported` drops them now); those of an upload not imported yet stay, to read it with (it
    holds the value itself until the run imports and deletes it), and go at that import. Returns the labels
    dropped."""
    from miner.store.erasure_lookup import labels_naming

    return sum(_drop_labels(control, row, lambda labels: labels_naming(labels, value))
               for row in dataset_rows(control, workspace) if not pending_files(row))  # fmt: skip


def discard(folder: Path) -> None:
    shred_tree(folder)
