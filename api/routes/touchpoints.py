"""Touchpoints of the taxonomy with complaint counts, shares, stages and top pain points."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import FiltersDep, RunDep, SettingsDep, WorkspaceDbDep
from api.errors import responses
from api.params import StageQuery, TouchpointId
from api.queries import touchpoints as queries
from api.queries.common import run_taxonomy
from api.schemas_touchpoints import TouchpointDetailPublic, TouchpointsPublic
from api.taxonomies import taxonomy_version

router = APIRouter(prefix="/v1/touchpoints", tags=["touchpoints"])


@router.get(
    "",
    response_model=TouchpointsPublic,
    summary="Every touchpoint",
    description="Every top-level touchpoint of the run's taxonomy (of `stage` only, when given), most complaints "
    "first, with its complaints, the items (`documents`) with one, its share and its top 3 pain points; the "
    "complaints that fit none of them apart, under `unmapped`. `total_complaints` and `unmapped` are the "
    "period's whatever the stage, so shares stay of all complaints, and so are `total_items`, the items the run "
    "analysed inside the filters, and of them those read and not (`unread_items`: another language...).",
    responses=responses(400, 401, 404, 422, 429),
)
def list_touchpoints(
    db: WorkspaceDbDep,
    run: RunDep,
    filters: FiltersDep,
    settings: SettingsDep,
    stage: StageQuery = None,
) -> dict:
    taxonomy = run_taxonomy(run) if run else taxonomy_version(db, settings, None)
    return queries.touchpoints(db, run, taxonomy, filters, stage=stage)


@router.get(
    "/{touchpoint_id}",
    response_model=TouchpointDetailPublic,
    summary="One touchpoint",
    description="One top-level touchpoint with its sub-touchpoints and pain points; `none` is the complaints that fit "
    "no touchpoint (no sub-touchpoints).",
    responses=responses(400, 401, 404, 422, 429),
)
def get_touchpoint(
    touchpoint_id: TouchpointId, db: WorkspaceDbDep, run: RunDep, filters: FiltersDep, settings: SettingsDep
) -> dict:
    taxonomy = run_taxonomy(run) if run else taxonomy_version(db, settings, None)
    return queries.touchpoint(db, run, taxonomy, touchpoint_id, filters)
