"""Complaints to label: the ones a run was least sure of, for a labelling tool to put before an analyst."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import RunDep, RunnerDep, WorkspaceDbDep
from api.errors import ApiError, responses
from api.queries.common import run_public, run_taxonomy
from api.schemas import ReviewPublic
from miner.errors import MinerError

router = APIRouter(prefix="/v1/review", tags=["taxonomy"])


@router.get(
    "",
    response_model=ReviewPublic,
    summary="Complaints to label",
    description="The complaints the run was least sure of (the smallest lead of the best touchpoint over the "
    "runner-up), each touchpoint's least sure in turn, and last in each round a complaint the run filed under "
    "`none` (nearest a touchpoint first, that touchpoint as `runner_up`). Label them and PUT them back under the "
    "taxonomy's `corrections` ({text, touchpoint}; a correction names a touchpoint, so leave out one that names "
    "none): the run that PUT starts learns from them. A run of another profile "
    "is read with that profile's encoder; 409 when the server has not the encoder the run used.",
    responses=responses(401, 404, 409, 422, 429),
)
def review(
    db: WorkspaceDbDep,
    run: RunDep,
    runner: RunnerDep,
    limit: Annotated[int, Query(ge=1, le=500, description="How many complaints.")] = 50,
) -> dict:
    from miner.embed import EmbeddingCache
    from miner.touchpoints.review import least_sure

    if run is None:
        return {"run": None, "complaints": []}
    try:
        picks = least_sure(
            db, EmbeddingCache(runner.embedder_for(run), db), run_taxonomy(run), limit=limit, run_id=run["id"]
        )
    except MinerError as err:
        raise ApiError(409, "model_changed", str(err)) from None
    return {"run": run_public(run), "complaints": picks}
