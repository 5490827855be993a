"""Runs: mine a dataset (or every dataset) in the background; poll its status and progress; cancel it."""

from __future__ import annotations

from typing import Annotated

import sqlite_utils
from fastapi import APIRouter, Body, Query

from api import datasets, taxonomies
from api import db as control_db
from api.deps import ControlDbDep, RunnerDep, WorkspaceDbDep, WorkspaceDep
from api.errors import ApiError, not_found, responses
from api.jobs import JobRunner
from api.params import RunId
from api.queries.common import run_number
from api.schemas import RunCreate, RunPublic
from api.stored_runs import stored_public, unlisted_runs
from api.taxonomies import current_version
from miner.pipeline.profiles import DEFAULT_PROFILE
from miner.store.import_result import kept_apart
from miner.store.reads import has_documents
from miner.store.unread import run_read_counts

router = APIRouter(prefix="/v1/runs", tags=["runs"])
FIELDS = tuple(RunPublic.model_fields)


def job_public(row: dict, db: sqlite_utils.Database | None = None) -> dict:
    """A job's public fields, with what to do about conversations its imports kept apart; with the workspace's `db`,
    a complete job's fit (how well the corpus fits the taxonomy, miner/touchpoints/fit.py) and its items, read and
    not."""
    out = {k: row.get(k) for k in FIELDS}
    out["run_number"] = row.get("run_id")
    if row.get("kept_apart"):
        out["kept_apart_note"] = kept_apart(row["kept_apart"], "upload such an export with append=true")
    if db is not None and row.get("status") == "complete" and row.get("run_id") is not None:
        from miner.store.runs import stored_fit

        out["fit"] = stored_fit(db, row["run_id"])
        out |= run_read_counts(db, row["run_id"]) or {}
    return out


def find_job(control: sqlite_utils.Database, workspace: str, job_id: str) -> dict | None:
    """A job by its id, or by the number of the run it stored (`run.id` in answers, `touchpoints runs`)."""
    row = control_db.job_row(control, job_id, workspace)
    if row is None and (number := run_number(job_id)) is not None:
        row = control_db.job_for_run(control, number, workspace)
    return row


def get_job(control: sqlite_utils.Database, workspace: str, job_id: str) -> dict:
    if (row := find_job(control, workspace, job_id)) is None:
        raise not_found(f"run '{job_id}'")
    return row


def start_run(
    control: sqlite_utils.Database,
    db: sqlite_utils.Database,
    runner: JobRunner,
    workspace: str,
    dataset_id: str | None,
    profile: str = DEFAULT_PROFILE,
) -> dict:
    """Queue a run over the dataset (or all of them) with the workspace's current taxonomy and `profile`; the
    dataset cannot be deleted between the check and the queueing (`JobRunner.exclusive`)."""
    with runner.exclusive(workspace):
        if dataset_id is not None and datasets.get(control, workspace, dataset_id) is None:
            raise not_found(f"dataset '{dataset_id}'")
        # a workspace brought in by `touchpoints workspaces import` (or mined into by the CLI) holds documents and
        # no dataset: a run over every dataset re-analyses its stored segments
        if dataset_id is None and not control_db.dataset_rows(control, workspace, limit=1) and not has_documents(db):
            raise ApiError(400, "no_data", "this workspace has no data yet: upload a dataset with POST /v1/datasets")
        # the workspace's taxonomy, stored first when a run of `touchpoints mine` gave it: not while a run is in
        # progress, for which submit answers 409 (a failed request stores nothing)
        busy = control_db.active_job(control, workspace)
        version = current_version(db) if busy else taxonomies.adopt(db, runner.settings, control, workspace)
        job_id = runner.submit(workspace, dataset_id, version, profile)
    return get_job(control, workspace, job_id)


@router.post(
    "",
    status_code=202,
    response_model=RunPublic,
    summary="Start a run",
    description="Mines the dataset (or, without `dataset_id`, every dataset of the workspace; files already "
    "imported add nothing) in a background worker. One run at a time per workspace: 409 while one is in progress.",
    responses=responses(400, 401, 404, 409, 422, 429, 507),
)
def create_run(
    workspace: WorkspaceDep,
    control: ControlDbDep,
    db: WorkspaceDbDep,
    runner: RunnerDep,
    body: Annotated[RunCreate | None, Body()] = None,
) -> dict:
    dataset_id, profile = (body.dataset_id, body.profile) if body else (None, DEFAULT_PROFILE)
    return job_public(start_run(control, db, runner, workspace, dataset_id, profile))


@router.get(
    "",
    response_model=list[RunPublic],
    summary="List runs",
    description="Newest first: the runs started with POST /v1/runs (or a taxonomy PUT), and the completed runs "
    "`touchpoints mine` stored in the workspace's file, whose `id` is their number.",
    responses=responses(401, 429),
)
def list_runs(
    workspace: WorkspaceDep,
    control: ControlDbDep,
    db: WorkspaceDbDep,
    limit: Annotated[int, Query(ge=1, le=500, description="How many runs, newest first.")] = 50,
) -> list[dict]:
    jobs = [(r["created_at"] or "", job_public(r, db)) for r in control_db.job_rows(control, workspace, limit)]
    stored = [(r["started_at"] or "", r["id"]) for r in unlisted_runs(db, control, workspace)[:limit]]
    # the stored runs are read whole only once they make the page
    newest: list[tuple[str, dict | int]] = sorted([*jobs, *stored], key=lambda entry: entry[0], reverse=True)[:limit]
    return [entry if isinstance(entry, dict) else stored_public(db, entry) or {} for _, entry in newest]


@router.get(
    "/{run_id}",
    response_model=RunPublic,
    summary="A run's status",
    description="`run_id` is the id `POST /v1/runs` answered, or the stored run's number (`run.id` in other "
    "answers), also of a run `touchpoints mine` made in the workspace's file. Its status and progress; once "
    "complete, `total_items` counts the items it analysed (`unread_items` those it could not read) and `fit` says "
    "how well the corpus fits the taxonomy and, "
    "when it does not, what to do (label complaints from GET /v1/review, `touchpoints taxonomy suggest`).",
    responses=responses(401, 404, 429),
)
def get_run(run_id: RunId, workspace: WorkspaceDep, control: ControlDbDep, db: WorkspaceDbDep) -> dict:
    if (job := find_job(control, workspace, run_id)) is not None:
        return job_public(job, db)
    if (number := run_number(run_id)) is not None and (stored := stored_public(db, number)) is not None:
        return stored
    raise not_found(f"run '{run_id}'")


@router.delete(
    "/{run_id}",
    response_model=RunPublic,
    summary="Cancel a run",
    description="A queued run is cancelled at once; a running one turns `cancelling`, then `cancelled` when the "
    "worker reaches its next step: its analysis is not stored (a run it had begun is kept as failed, 'Cancelled', "
    "under its `run_number`), while a dataset it had already imported stays imported and the next run analyses it. "
    "409 for a run that already finished.",
    responses=responses(401, 404, 409, 429),
)
def cancel_run(
    run_id: RunId, workspace: WorkspaceDep, control: ControlDbDep, db: WorkspaceDbDep, runner: RunnerDep
) -> dict:
    job = find_job(control, workspace, run_id)
    number = run_number(run_id)
    if job is None and number is not None and (stored := stored_public(db, number)) is not None:
        raise ApiError(409, "not_a_job", f"run {run_id} was made by `touchpoints mine`, not by this API "
                       f"({stored['status']}): stop it where it runs")  # fmt: skip
    job = job or get_job(control, workspace, run_id)
    if job["status"] not in ("queued", "running", "cancelling"):
        raise ApiError(409, "run_finished", f"run '{run_id}' already finished ({job['status']})")
    runner.cancel(job["id"])
    return job_public(get_job(control, workspace, job["id"]))
