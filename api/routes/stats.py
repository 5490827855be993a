"""What a workspace holds."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ControlDbDep, WorkspaceDbDep, WorkspaceDep
from api.errors import responses
from api.queries.stats import stats
from api.schemas import StatsPublic

router = APIRouter(prefix="/v1/stats", tags=["stats"])


@router.get("", response_model=StatsPublic, summary="Workspace counts", responses=responses(401, 429))
def get_stats(workspace: WorkspaceDep, db: WorkspaceDbDep, control: ControlDbDep) -> dict:
    return stats(db, control, workspace)
