"""The complaint rate per value of a kept column: a market's items, those read, those with a complaint, its top
touchpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import FiltersDep, RunDep, WorkspaceDbDep
from api.errors import ApiError, responses
from api.queries.common import run_public
from api.schemas_breakdown import BreakdownPublic
from miner.errors import MinerError
from miner.store.breakdown import breakdown

router = APIRouter(prefix="/v1/breakdown", tags=["breakdown"])


@router.get(
    "",
    response_model=BreakdownPublic,
    summary="Complaint rate per value of a kept column",
    description="One row per value of `by`, a column the items kept from their file (`Market`, `Brand`, a survey's "
    "channel tag), inside the filters: its items, those read, those with a complaint, the complaint rate over the "
    "items read (the report overview's) and its top touchpoint, most items first; the values beyond 20 summed as "
    "`other`, the items without the column as `(none)`. As `touchpoints top --by`. A column no item kept is a 400 "
    "`unknown_column` listing those there are.",
    responses=responses(400, 401, 404, 422, 429),
)
async def get_breakdown(
    db: WorkspaceDbDep,
    run: RunDep,
    filters: FiltersDep,
    by: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern='^[^"]+$',
            description='The kept column to break down by (`Market`); a name holding `"` cannot be read.',
        ),
    ],  # fmt: skip
) -> dict:
    if run is None:  # before the first run, zeros, as the other read routes
        return {"run": None, "column": by, "filter": filters.describe(), "items": 0, "read_items": 0,
                "unread_items": 0, "complaint_items": 0, "read_complaint_items": 0, "read_complaint_rate": None,
                "values": 0, "rows": []}  # fmt: skip
    try:
        return {"run": run_public(run)} | await run_in_threadpool(breakdown, db, run, filters, by, "by")
    except MinerError as err:
        raise ApiError(400, "unknown_column", str(err), field="by") from None
