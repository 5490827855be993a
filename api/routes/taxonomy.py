"""The workspace's taxonomy: read any version; PUT a new one, validated, which re-maps the stored segments."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api import db as control_db
from api import taxonomies
from api.deps import ControlDbDep, RunnerDep, SettingsDep, WorkspaceDbDep, WorkspaceDep
from api.errors import ApiError, responses
from api.routes.runs import job_public
from api.schemas_taxonomy import TaxonomyPublic
from api.uploads import read_body
from miner.errors import TaxonomyError
from miner.pipeline.profiles import DEFAULT_PROFILE
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


_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}, "example": _EXAMPLE}},
}


async def taxonomy_body(request: Request, settings: SettingsDep) -> object:
    """The PUT body as JSON, read under TOUCHPOINTS_MAX_TAXONOMY_BYTES (413 beyond it, before it is parsed)."""
    raw = await read_body(request, settings.max_taxonomy_bytes, "the taxonomy")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise ApiError(422, "invalid", f"the body is not valid JSON ({err})", field="body") from None


@router.get(
    "",
    response_model=TaxonomyPublic,
    summary="The taxonomy",
    description="The workspace's current taxonomy, the one its next run maps with: the version PUT last or, where "
    "`touchpoints mine` made a run in the workspace's file since (a database brought in with `touchpoints "
    "workspaces import`), the taxonomy that run used; the default (`source` `default`) before either. With "
    "`version`, an older one: a version PUT, or one a stored run used (the latest such run's content).",
    responses=responses(401, 404, 422, 429),
)
def get_taxonomy(
    workspace: WorkspaceDep,
    db: WorkspaceDbDep,
    control: ControlDbDep,
    settings: SettingsDep,
    version: Annotated[
        str | None, Query(max_length=64, description="An older version; the current by default.")
    ] = None,
) -> dict:
    if not version:  # an empty parameter is an absent one
        return _public(db, *taxonomies.current(db, settings, control, workspace))
    taxonomy = taxonomies.taxonomy_version(db, settings, version)
    own = store_taxonomies.stored(db, taxonomy.version)
    own = own or taxonomy.fingerprint() != taxonomies.default_taxonomy(settings).fingerprint()
    return _public(db, taxonomy, "workspace" if own else "default")


@router.put(
    "",
    response_model=TaxonomyPublic,
    summary="Put a new taxonomy version",
    description="Validates the taxonomy (the YAML file's structure, as JSON) and stores it as a new version; "
    "when the workspace holds data, a run re-maps the stored segments with it (embeddings are reused). Earlier "
    "versions stay readable with `?taxonomy_version=` on the read routes (the newest TOUCHPOINTS_MAX_TAXONOMY_"
    "VERSIONS are kept; a run keeps its own copy). 201 for a new version, 200 when the same content is already "
    "stored under that version, 409 when the version names other content (a stored version's, the default's or "
    "one a stored run used: give a changed taxonomy a new version). 413 over the body size or examples per "
    "touchpoint limits.",
    openapi_extra={"requestBody": _BODY},
    responses={
        200: {"description": "The same content is already stored under that version: nothing changes"},
        201: {"model": TaxonomyPublic, "description": "A new version, stored (and a re-mapping run started)"},
        **responses(401, 409, 413, 422, 429),
    },
)
def put_taxonomy(
    response: Response,
    workspace: WorkspaceDep,
    body: Annotated[object, Depends(taxonomy_body)],
    db: WorkspaceDbDep,
    control: ControlDbDep,
    runner: RunnerDep,
    settings: SettingsDep,
) -> dict:
    from api.routes.runs import start_run

    try:
        taxonomy = parse_taxonomy(body, "taxonomy")
    except TaxonomyError as err:
        raise ApiError(422, "invalid_taxonomy", str(err).removesuffix(" Fix the taxonomy file and run again."),
                       field="taxonomy") from None  # fmt: skip
    taxonomies.check_examples(taxonomy, settings.max_examples)
    # from the check to the run's start, no other PUT or run: PUTs answered 409 had stored their version
    with runner.exclusive(workspace):
        has_data = has_documents(db)
        if has_data and control_db.active_job(control, workspace):
            raise ApiError(
                409, "run_in_progress", "a run is in progress in this workspace: wait for it, then PUT again"
            )
        if not taxonomies.store(db, taxonomy, taxonomies.default_taxonomy(settings)):
            return _public(db, taxonomy, "workspace")
        profile = control_db.latest_profile(control, workspace) or DEFAULT_PROFILE  # the data's own: its vectors
        try:
            run = start_run(control, db, runner, workspace, None, profile) if has_data else None
        except ApiError:  # a failed request stores nothing: the version stored, no run re-mapped with it
            store_taxonomies.delete(db, taxonomy.version)
            raise
        taxonomies.prune(db, settings.max_taxonomy_versions, control_db.active_taxonomy_versions(control, workspace))
        response.status_code = 201
    return _public(db, taxonomy, "workspace", run)
