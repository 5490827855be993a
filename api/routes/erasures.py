"""Erasures: forget every item that names one customer (the right to erasure; datasets: DELETE /v1/datasets/{id})."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api import erasure
from api.deps import ControlDbDep, RunnerDep, WorkspaceDbDep, WorkspaceDep
from api.errors import responses
from api.schemas_erasure import ErasureCreate, ErasurePublic

router = APIRouter(prefix="/v1/erasures", tags=["erasures"])


@router.post(
    "",
    response_model=ErasurePublic,
    summary="Forget a customer",
    description="Delete every item whose source id, text, title or other fields name the customer id or email "
    "(a whole token, any case), with its segments, results and cached vectors; every run's counts and quotes "
    "lose them. Items naming the customer in uploads no run has imported yet are counted too, and the run that "
    "imports those uploads skips them (a run deletes an upload once it has imported it); an upload that cannot be "
    "read as a run reads it (a run fails on it too) is not searched, and is listed in `unread_uploads` with its "
    "dataset id: delete it with DELETE /v1/datasets/{id}. The value travels in the body, never in a URL, and is "
    "never logged or stored. 409 while a run is in progress. A plain word (no digit, no "
    "@) is refused (422) unless some item's id or column is exactly that value; `dry_run` counts what would go.",
    responses=responses(401, 409, 422, 429),
)
async def create_erasure(
    body: ErasureCreate, workspace: WorkspaceDep, control: ControlDbDep, db: WorkspaceDbDep, runner: RunnerDep
) -> dict:
    forget, customer = erasure.forget_customer_items, body.customer
    return await run_in_threadpool(
        runner.exclusively, workspace, forget, control, db, workspace, customer, body.dry_run
    )
