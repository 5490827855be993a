"""The workspace's taxonomy: read any version; PUT a new one, validated, which re-maps the stored segments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from api import db as control_db
from api import taxonomies
from api.deps import ControlDbDep, RunnerDep, SettingsDep, WorkspaceDbDep, WorkspaceDep
from api.errors import ApiError, responses
from api.routes.runs import job_public
from api.schemas import TaxonomyPublic
from miner.errors import TaxonomyError
from miner.store import taxonomies as store_taxonomies
from miner.store.reads import has_documents
from miner.touchpoints import Taxonomy
from miner.touchpoints.taxonomy import parse_taxonomy

router = APIRouter(prefix="/v1/taxonomy", tags=["taxonomy"])

_EXAMPLE = {
    "version": "2026.12.1",
    "name": "food-delivery",
    "touchpoints": [
        {
            "id": "website",
            "name": "Website",
            "stage": "pre-purchase",
            "description": "The company's website: information, navigation, checkout.",
            "examples": ["the delivery fee is not shown anywhere on the site"],
        }
    ],
}


def _public(db: Any, taxonomy: Taxonomy, source: str, run: dict | None = None) -> dict:
    return {
        "version": taxonomy.version,
        "name": taxonomy.name,
        "fingerprint": taxonomy.fingerprint(),
        "source": source,
        "versions": taxonomies.versions(db),
        "taxonomy": taxonomy.model_dump(mode="json"),
        "run": job_public(run) if run else None,
    }


@router.get("", response_model=TaxonomyPublic, summary="The taxonomy", responses=responses(401, 404, 422, 429))
def get_taxonomy(
    db: WorkspaceDbDep,
    settings: SettingsDep,
    version: Annotated[
        str | None, Query(max_length=64, description="An older version; the current by default.")
    ] = None,
) -> dict:
    taxonomy = taxonomies.taxonomy_version(db, settings, version)
    stored = store_taxonomies.stored(db, taxonomy.version)
    return _public(db, taxonomy, "workspace" if stored else "default")


@router.put(
    "",
    response_model=TaxonomyPublic,
    summary="Put a new taxonomy version",
    description="Validates the taxonomy (the YAML file's structure, as JSON) and stores it as a new version; "
    "when the workspace holds data, a run re-maps the stored segments with it (embeddings are reused). Earlier "
    "versions stay readable with `?taxonomy_version=` on the read routes. 201 for a new version, 200 when the "
    "same content is already stored under that version.",
    responses=responses(401, 409, 422, 429),
)
def put_taxonomy(
    response: Response,
    workspace: WorkspaceDep,
    db: WorkspaceDbDep,
    control: ControlDbDep,
    runner: RunnerDep,
    body: Annotated[dict[str, Any], Body(examples=[_EXAMPLE])],
) -> dict:
    from api.routes.runs import start_run

    try:
        taxonomy = parse_taxonomy(body, "taxonomy")
    except TaxonomyError as err:
        raise ApiError(422, "invalid_taxonomy", str(err).removesuffix(" Fix the taxonomy file and run again."),
                       field="taxonomy") from None  # fmt: skip
    has_data = has_documents(db)
    if has_data and control_db.active_job(control, workspace):
        raise ApiError(409, "run_in_progress", "a run is in progress in this workspace: wait for it, then PUT again")
    if not taxonomies.store(db, taxonomy):
        return _public(db, taxonomy, "workspace")
    response.status_code = 201
    run = start_run(control, db, runner, workspace, None) if has_data else None
    return _public(db, taxonomy, "workspace", run)
