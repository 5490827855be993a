"""The top pain points, filtered by touchpoint, stage, period, source and kind; and the verbatims behind one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import FiltersDep, RunDep, WorkspaceDbDep
from api.errors import responses
from api.params import OffsetQuery, PainPointId, StageQuery
from api.queries.examples import examples
from api.queries.pain_points import pain_points
from api.schemas import ExamplesPublic, PainPointsPublic

router = APIRouter(prefix="/v1/pain-points", tags=["pain points"])


@router.get(
    "",
    response_model=PainPointsPublic,
    summary="Top pain points",
    description="Pain points of the latest completed run (or `run` / `taxonomy_version`), ordered by complaints "
    "among documents inside the filters, `limit` from `offset` (`total` says how many there are). Each has its "
    "touchpoint, stage, count, `share` of its touchpoint's complaints and `share_of_total` of all complaints in "
    "the period, the trend against the previous period (with `since`: whole calendar months against as many "
    "months before, any other window against as many days before), and 3 quotes. Ids are the run's (`run.id`): "
    "page, or read a stored id again, with `run=` set to it: a run that finishes between two pages may give an "
    "id to another pain point.",
    responses=responses(400, 401, 404, 422, 429),
)
async def list_pain_points(
    db: WorkspaceDbDep,
    run: RunDep,
    filters: FiltersDep,
    touchpoint: Annotated[
        str | None, Query(max_length=100, description="A top-level touchpoint id, or 'none'.")
    ] = None,
    stage: StageQuery = None,
    limit: Annotated[int, Query(ge=1, le=200, description="How many pain points from `offset`.")] = 10,
    offset: OffsetQuery = 0,
) -> dict:
    if run is None:
        period = {"since": filters.since, "until": filters.until}
        return {"run": None, "period": period, "total_complaints": 0, "total": 0, "limit": limit, "offset": offset,
                "pain_points": []}  # fmt: skip
    # async with the work in one worker thread: a sync endpoint costs FastAPI a second thread hop to validate
    # the response, a tenth of this route's time under load.
    return await run_in_threadpool(pain_points, db, run, filters, touchpoint=touchpoint, stage=stage, limit=limit,
                                   offset=offset)  # fmt: skip


@router.get(
    "/{pain_point_id}/examples",
    response_model=ExamplesPublic,
    summary="Verbatims of one pain point",
    description="The complaint clauses behind the pain point inside the filters, best match first: one entry per "
    "clause (an item with two such clauses comes twice, `document_id` telling them apart), each with its whole "
    "item and the clause marked. `total` counts the clauses, as the pain point's `complaints` does.",
    responses=responses(400, 401, 404, 422, 429),  # 400: an unknown source, as the list's
)
def list_examples(
    pain_point_id: PainPointId,
    db: WorkspaceDbDep,
    run: RunDep,
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many clauses from `offset`.")] = 20,
    offset: OffsetQuery = 0,
) -> dict:
    return examples(db, run, pain_point_id, filters, limit, offset)
