"""Complaints per week or month and touchpoint: a dashboard's trend chart in one request."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import FiltersDep, RunDep, WorkspaceDbDep
from api.errors import responses
from api.queries.trends import trends
from api.schemas_trends import TrendsPublic

router = APIRouter(prefix="/v1/trends", tags=["touchpoints"])


@router.get(
    "",
    response_model=TrendsPublic,
    summary="Complaints per period and touchpoint",
    description="The report's trend series: for every month (or ISO week) of the window, the dated items and, per "
    "touchpoint, its complaint mentions and the items with a complaint about it, and the mean rating of each period "
    "with rated items (`ratings`), so a chart of 12 months is one request; of each period's items, those read and "
    "not (`read_items`, `unread_items`: another language...). The same counts as the report's trends "
    "and as /v1/touchpoints over each period's dates.",
    responses=responses(400, 401, 404, 422, 429),
)
def list_trends(
    db: WorkspaceDbDep,
    run: RunDep,
    filters: FiltersDep,
    period: Annotated[Literal["month", "week"], Query(description="month or week (ISO, Monday to Sunday).")] = (
        "month"
    ),
) -> dict:
    return trends(db, run, filters, period)
