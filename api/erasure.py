"""The right to erasure over the API: a dataset (its uploaded files, its documents and all derived from them) or
every item naming a customer, taken out of the workspace and of every run's counts (miner/store/erasure.py)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from api import db as control_db
from api.datasets import forget_labels, pending_files
from api.errors import ApiError, not_found
from api.shred import shred_tree
from miner.store.erasure import forget_customer, forget_files, hand_over, log, would_forget
from miner.store.erasure_lookup import documents_of_customer, scores_of_customer, without_customer
from miner.store.versions import conversation_key


def _audit_to_server_log() -> None:
    """uvicorn configures only its own loggers: send the erasure lines (counts and a hash prefix, never the
    value) to the server's stderr too, once."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def _check_idle(control: sqlite_utils.Database, workspace: str) -> None:
    """A run in progress imports every dataset and writes a run over what is stored: erase between runs."""
    busy = control_db.active_job(control, workspace)
    if busy:
        raise ApiError(409, "run_in_progress", f"run '{busy}' is in progress in this workspace: wait for it to "
                       "finish or cancel it (DELETE /v1/runs/{id}), then erase")  # fmt: skip


def forget_dataset(
    control: sqlite_utils.Database, db: sqlite_utils.Database, uploads: Path, workspace: str, dataset_id: str
) -> dict:
    """Delete the dataset's documents (with what was derived from them), its row and its uploaded files; `files`
    counts them all, those a run had already deleted too."""
    row = control_db.dataset_row(control, workspace, dataset_id)
    if row is None:
        raise not_found(f"dataset '{dataset_id}'")
    _check_idle(control, workspace)
    paths = [f["path"] for f in json.loads(row["files"])]
    _audit_to_server_log()
    others = [f["path"] for r in control_db.dataset_rows(control, workspace) if r["id"] != dataset_id
              for f in json.loads(r["files"])]  # fmt: skip
    hand_over(db, paths, others)  # what another dataset uploaded byte for byte stays, as that dataset's
    erased = forget_files(db, paths, kind="dataset")
    control_db.delete_dataset(control, workspace, dataset_id)
    shred_tree(uploads / dataset_id)  # the files no run has imported (and deleted) yet, overwritten first
    return {**erased.as_dict(), "files": len(set(paths))}


def forget_customer_items(
    control: sqlite_utils.Database, db: sqlite_utils.Database, workspace: str, value: str, dry_run: bool = False
) -> dict:
    """Delete every item naming the customer, and keep the ids of those in uploads no run has imported yet, so
    that the run which imports them skips them (both counted in `documents`). A `dry_run` counts them and deletes
    nothing."""
    _check_idle(control, workspace)  # a dry run too: during an import its counts would be those of half a dataset
    try:
        stored = documents_of_customer(db, value)  # checks the value first (a plain word is refused)
        pending = _pending_items(control, workspace, value)
        if dry_run:
            scores = scores_of_customer(db, value)
            counted = would_forget(db, [*stored, *pending.ids], scores).as_dict()
            return {**counted, "unread_uploads": pending.unread, "dry_run": True}
        _audit_to_server_log()
        erased = forget_customer(db, value, pending.ids, pending.conversations).as_dict()
        forget_labels(control, workspace, value)
        _forget_in_errors(control, workspace, value)
        if pending.unread:
            log.warning("erased customer: %d uploads no run has imported could not be read", len(pending.unread))
        return {**erased, "unread_uploads": pending.unread}
    except ValueError as err:
        raise ApiError(422, "invalid", f"customer: {err}", field="customer") from None


def _forget_in_errors(control: sqlite_utils.Database, workspace: str, value: str) -> None:
    """Take the customer out of the workspace's failed runs' errors (jobs.error, which GET /v1/runs/{id} shows): a
    refused speaker label lists the author ids its file holds, an Intercom user's id the customer's, and a file read
    with its first row as the header lists that row. The error stayed in the main database for good."""
    errors = control_db.job_errors(control, workspace)
    changed = {job: kept for job, error in errors.items() if (kept := without_customer(error, value)) != error}
    if changed:
        control_db.update_job_errors(control, changed)


@dataclass
class _Pending:
    ids: list[str] = field(default_factory=list)  # of the items naming the customer
    conversations: list[str] = field(default_factory=list)  # of those that are conversations
    unread: list[dict] = field(default_factory=list)  # {"dataset_id", "file"}: uploads that could not be read


def _pending_items(control: sqlite_utils.Database, workspace: str, value: str) -> _Pending:
    """The ids of the items naming the customer in the workspace's uploads no run has imported yet, read as a run
    reads them (the dataset's columns, bad rows skipped): an import checks the ids of what it read against the
    erased ones before it stores anything (`new_records`), so it skips these. (Before, an erasure found nothing
    there and the next run stored the customer's rows.) With them, the ids of those that are conversations, which a
    later cumulative export holds again, longer, under another file name.

    An upload that cannot be read so (a run fails on it too, and it stays raw on the server until its dataset is
    deleted) may hold the customer: it is named, by dataset and file, for the caller to delete. It was skipped, and
    the erasure answered 0 as if the customer were nowhere."""
    from miner.errors import InputError
    from miner.ingest import ColumnMap, iter_file
    from miner.store.erasure_lookup import records_naming

    out = _Pending()
    for row in control_db.dataset_rows(control, workspace):
        columns = ColumnMap(**json.loads(row["columns"] or "{}"))
        for path in pending_files(row):
            try:
                for chunk in iter_file(path, columns, on_error="skip"):
                    named = records_naming(chunk, value)
                    out.ids += [r.document_id for r in named]
                    out.conversations += [conversation_key(r.source_id, r.date, r.id_from_name)
                                          for r in named if r.kind == "transcript" and r.source_id]  # fmt: skip
            except (InputError, OSError):
                if path.exists():  # one a crash left marked pending though deleted holds nothing
                    out.unread.append({"dataset_id": row["id"], "file": path.name})
    return out
