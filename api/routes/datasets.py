"""Datasets: upload feedback files (multipart) or records (JSON); read back row counts and rejected rows; delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import StringConstraints

from api import datasets, erasure
from api import db as control_db
from api.deps import ControlDbDep, RunnerDep, SettingsDep, WorkspaceDbDep, WorkspaceDep
from api.errors import ApiError, not_found, responses
from api.jobs import new_id
from api.params import DatasetId
from api.schemas import DatasetPublic
from api.schemas_erasure import ErasurePublic
from api.uploads import RecordsCreate, receive
from miner.defaults import EXPORT_AUTHORS_HELP
from miner.ingest import ColumnMap
from miner.ingest.speakers import both_sides

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])

_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "CSV, TSV, JSON, JSONL or TXT"}
                },
                "required": ["file"],
            }
        },
        "application/json": {"schema": RecordsCreate.model_json_schema(ref_template="#/components/schemas/{model}")},
    },
}


@router.post(
    "",
    status_code=201,
    response_model=DatasetPublic,
    summary="Upload a dataset",
    description="A multipart upload of one or more `file` parts in any format the CLI reads, or a JSON body "
    '`{"name", "records": [...]}`. Streamed to disk under the size limit (413 beyond it). Rows are read and '
    "validated now; bad rows are left out and listed in `rejected`. Mine it with POST /v1/runs: the first run "
    "stores its items (PII redacted) and deletes the uploaded files, which later runs skip.",
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses=responses(400, 401, 413, 415, 422, 429, 507),
)
async def create_dataset(
    request: Request,
    workspace: WorkspaceDep,
    control: ControlDbDep,
    settings: SettingsDep,
    name: Annotated[str | None, Query(max_length=100, description="A name; the first file's by default.")] = None,
    kind: Annotated[
        Literal["review", "survey", "transcript"] | None,
        Query(
            description="The kind of feedback (default: detected), as `touchpoints mine --kind`: survey reads a "
            "plain table as a survey export, where a blank comment is a respondent who only scored, not a bad row."
        ),
    ] = None,
    text_col: Annotated[
        str | None,
        Query(
            max_length=100,
            description="The column holding the feedback text (default: detected); on a survey "
            "export, the open-text question to mine, by its header (default: all of them).",
        ),
    ] = None,
    title_col: Annotated[
        str | None, Query(max_length=100, description="The column holding a review title, mined with the text.")
    ] = None,
    rating_col: Annotated[
        str | None,
        Query(max_length=100, description="The column holding a star rating, CSAT or NPS score (default: detected)."),
    ] = None,
    date_col: Annotated[
        str | None, Query(max_length=100, description="The column holding the date (default: detected).")
    ] = None,
    id_col: Annotated[
        str | None,
        Query(
            max_length=100,
            description="The column holding the source's own id, which keeps a row uploaded "
            "again from counting twice (default: detected).",
        ),
    ] = None,
    sheet: Annotated[
        str | None, Query(max_length=100, description="A workbook's sheet to read; by default the first with text.")
    ] = None,
    date_order: Annotated[
        Literal["dmy", "mdy"] | None,
        Query(description="dmy: 03/04/2026 is 3 April; mdy: 4 March. By default as the dates over 12 show."),
    ] = None,
    customer_speaker: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]] | None,
        Query(
            max_length=20,
            description="A transcript's speaker label that is the customer's side, any case (SPEAKER_01, Caller, "
            "A); repeatable, as `touchpoints mine --customer-speaker`: every other speaker whose label names no role "
            "is the agent's. A label no transcript of a file uses is a 400. " + EXPORT_AUTHORS_HELP,
        ),
    ] = None,
    agent_speaker: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]] | None,
        Query(
            max_length=20,
            description="A speaker label that is the company's side (SPEAKER_00, Rep, B); repeatable. Given alone, "
            "every other speaker whose label names no role is a customer. In a Zendesk or Intercom export, an "
            "author's id, name, e-mail address, e-mail domain (@acme.com: every author at acme.com is the company's) "
            "or role, as customer_speaker says.",
        ),
    ] = None,
    append: Annotated[
        bool,
        Query(
            description="The files hold only the messages since the last export (a nightly 'messages since last "
            "run' chat export), as `touchpoints mine --append`: a conversation whose id is stored gets the new "
            "messages added, the ones it holds already left out. Without it that is done where every message has "
            "its own id (a message_id column); a part without ids is stored beside the stored conversation, which "
            "then counts twice.",
        ),
    ] = False,
) -> dict:
    if both := both_sides(customer_speaker or (), agent_speaker or ()):
        raise ApiError(422, "invalid", f"customer_speaker and agent_speaker both name '{both}': give each label one "
                       "side", field="agent_speaker")  # fmt: skip
    dataset_id = new_id("ds")
    folder = settings.workspaces_dir / f"{workspace}.uploads" / dataset_id
    columns = ColumnMap(
        text=text_col,
        title=title_col,
        rating=rating_col,
        date=date_col,
        id=id_col,
        kind=kind,
        sheet=sheet,
        date_order=date_order,
        customer_speakers=tuple(customer_speaker or ()),
        agent_speakers=tuple(agent_speaker or ()),
        append=append,
    )
    try:
        paths, body_name = await receive(request, folder, settings.max_upload_bytes, settings.max_json_bytes)
        label = name or body_name or paths[0].name
        records = request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"
        return await run_in_threadpool(datasets.create, control, workspace, dataset_id, label, paths, columns,
                                     settings.max_rows, records)  # fmt: skip
    except BaseException:
        datasets.discard(folder)
        raise


@router.get("", response_model=list[DatasetPublic], summary="List datasets", responses=responses(401, 429))
def list_datasets(
    workspace: WorkspaceDep,
    control: ControlDbDep,
    limit: Annotated[int, Query(ge=1, le=500, description="How many datasets, newest first.")] = 100,
) -> list[dict]:
    return [datasets.public(r) for r in control_db.dataset_rows(control, workspace, limit)]


@router.get("/{dataset_id}", response_model=DatasetPublic, summary="One dataset", responses=responses(401, 404, 429))
def get_dataset(dataset_id: DatasetId, workspace: WorkspaceDep, control: ControlDbDep) -> dict:
    row = datasets.get(control, workspace, dataset_id)
    if row is None:
        raise not_found(f"dataset '{dataset_id}'")
    return datasets.public(row)


@router.delete(
    "/{dataset_id}",
    response_model=ErasurePublic,
    summary="Delete a dataset",
    description="The right to erasure: delete the dataset's uploaded files (those no run has imported yet) and "
    "every document it brought in, "
    "with their segments, results and cached vectors; every run's counts and quotes lose them. 409 while a run "
    "is in progress.",
    responses=responses(401, 404, 409, 429),
)
async def delete_dataset(
    dataset_id: DatasetId,
    workspace: WorkspaceDep,
    control: ControlDbDep,
    db: WorkspaceDbDep,
    settings: SettingsDep,
    runner: RunnerDep,
) -> dict:
    uploads = settings.workspaces_dir / f"{workspace}.uploads"
    forget = erasure.forget_dataset
    return await run_in_threadpool(runner.exclusively, workspace, forget, control, db, uploads, workspace, dataset_id)
