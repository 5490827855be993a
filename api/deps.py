"""Dependencies and their aliases: settings, the databases, the caller's workspace, the run and filters to read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

import sqlite_utils
from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import StringConstraints

from api.db import completed_job_run, open_control, open_workspace, pool, workspace_path
from api.errors import ApiError
from api.jobs import JobRunner
from api.keys import workspace_for
from api.queries.common import Filters, find_run, run_number
from api.ratelimit import FailureLimiter, RateLimiter
from api.settings import Settings, get_settings
from miner.errors import MinerError
from miner.ingest.records import KINDS
from miner.store.filters import check, parse_day, parse_where
from miner.store.runs import run_status


async def app_settings(request: Request) -> Settings:
    """The settings the app was built with (`create_app` keeps them on app.state), else the environment's."""
    return getattr(request.app.state, "settings", None) or get_settings()


SettingsDep = Annotated[Settings, Depends(app_settings)]
_bearer = HTTPBearer(auto_error=False, description="An API key from `touchpoints keys create --workspace NAME`.")


async def get_control_db(settings: SettingsDep) -> AsyncIterator[sqlite_utils.Database]:
    """A pooled connection to the control database (opened in a worker thread when none is idle)."""
    db = pool.take(settings.db)
    if db is None:
        db = await run_in_threadpool(pool.open, settings.db, open_control, settings.db)
    try:
        yield db
    finally:
        pool.give(settings.db, db)


ControlDbDep = Annotated[sqlite_utils.Database, Depends(get_control_db)]


def get_workspace(
    request: Request,
    control: ControlDbDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's workspace from `Authorization: Bearer <key>`; 401 without a valid key, 429 over the limit
    (of requests for the workspace, or of wrong keys from the client's address)."""
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer <key>'",
                       headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    workspace = workspace_for(control, credentials.credentials)
    if workspace is None:
        # Only wrong keys meet the limit on wrong keys: behind a proxy every team shares one address, and one team's
        # stale key must not lock the others out (a key is 256 random bits: what the limit stops is the flood).
        failures: FailureLimiter = request.app.state.auth_failures
        client = request.client.host if request.client else "unknown"
        if wait := failures.wait(client):
            raise ApiError(429, "rate_limited", f"too many requests with a wrong API key from this address: "
                           f"retry in {wait} s with a valid key", headers={"Retry-After": str(wait)})  # fmt: skip
        failures.fail(client)
        raise ApiError(401, "unauthorized", "the API key is not valid (unknown or revoked)",
                       headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.check(workspace)
    if wait:
        raise ApiError(429, "rate_limited", f"too many requests for this workspace: retry in {wait} s",
                       headers={"Retry-After": str(wait)})  # fmt: skip
    return workspace


WorkspaceDep = Annotated[str, Depends(get_workspace)]


async def get_workspace_db(workspace: WorkspaceDep, settings: SettingsDep) -> AsyncIterator[sqlite_utils.Database]:
    """A pooled connection to the workspace's own file (async: taking one from the pool does no I/O)."""
    path = workspace_path(settings.workspaces_dir, workspace)
    db = pool.take(path)
    if db is None:
        db = await run_in_threadpool(pool.open, path, open_workspace, settings.workspaces_dir, workspace)
    try:
        yield db
    finally:
        pool.give(path, db)


WorkspaceDbDep = Annotated[sqlite_utils.Database, Depends(get_workspace_db)]


def get_runner(request: Request) -> JobRunner:
    return request.app.state.runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]


def get_run(
    workspace: WorkspaceDep,
    control: ControlDbDep,
    db: WorkspaceDbDep,
    run: Annotated[
        str | None,
        Query(max_length=64, description="Read this run: an id from POST /v1/runs, or the `run.id` of an answer."),
    ] = None,
    taxonomy_version: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Read the latest completed run made with this taxonomy version. `touchpoints mine` takes a "
            "taxonomy edited without a new version, so runs of different contents can share one: the answer's "
            "`run.taxonomy_fingerprint` says which content was read, and `run=` reads any other (GET /v1/runs).",
        ),
    ] = None,
) -> dict | None:
    """The analysis run to read: the given one, the latest for a taxonomy version, or the latest; None before any."""
    run = run or None  # an empty parameter is an absent one, as everywhere
    taxonomy_version = taxonomy_version or None
    if run is not None and taxonomy_version is not None:  # one names a run, the other picks one: which was meant?
        raise ApiError(422, "invalid", "give run= or taxonomy_version=, not both: each picks the run to read",
                       field="taxonomy_version")  # fmt: skip
    if run is not None:
        # the workspace's own database holds only its runs, so a number read from an answer's `run.id` is safe
        number = run_number(run)
        run_id = number if number is not None else completed_job_run(control, run, workspace)
        if run_id is None or (number is not None and run_status(db, run_id) not in ("complete", "pruned")):
            raise ApiError(404, "not_found", f"completed run '{run}' not found in this workspace", field="run")
        found = find_run(db, run_id=run_id)
        if found is None:  # its results were pruned (TOUCHPOINTS_KEEP_RUNS, `touchpoints runs prune`)
            raise ApiError(
                404,
                "run_pruned",
                f"the results of run '{run}' were pruned: read a later run, or the latest (no run=)",
                field="run",
            )
        return found
    return find_run(db, taxonomy_version=taxonomy_version)


RunDep = Annotated[dict | None, Depends(get_run)]


async def get_filters(
    db: WorkspaceDbDep,
    since: Annotated[
        str | None,
        Query(
            max_length=40,
            description="First day, inclusive (YYYY-MM-DD; a valid time after it is ignored; empty: none).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Last day, inclusive (YYYY-MM-DD; a valid time after it is ignored; empty: none).",
        ),
    ] = None,
    source: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]] | None,
        Query(
            description="Only this source file name (repeat for several; an empty `source=` is no filter, as a "
            "form's 'any' sends it)."
        ),
    ] = None,
    kind: Annotated[
        list[Annotated[str, StringConstraints(max_length=20)]] | None,
        Query(description="review, survey or transcript; repeatable (an empty `kind=` is no filter, as `source=`)."),
    ] = None,
    where: Annotated[
        list[Annotated[str, StringConstraints(max_length=300)]] | None,
        Query(
            description="Only items whose kept column (a column of their file beside the text: `Market`, `Brand`) "
            "has this value: `COLUMN=VALUE`, split at the first `=` (`where=Market=DE`; encoded, `where=Market%3DDE`). "
            "Repeat it: one column's values are alternatives, different columns all apply (an empty `where=` is no "
            "filter, as `source=`). A column no item kept is a 400 `unknown_column` listing those there are.",
        ),
    ] = None,
) -> Filters:
    """The document filters (async: without a source or a kept column to look up, no I/O, so FastAPI runs it on the
    event loop, not in a worker thread). A source the workspace never held, or a column no item kept, is a 400
    listing those there are, not an empty answer."""
    kinds = [k for k in kind or () if k] or None  # a form's "any" sends an empty value
    for k in kinds or ():
        if k not in KINDS:
            raise ApiError(422, "invalid", f"kind: '{k}' is not a kind: use review, survey or transcript", field="kind")
    first, last = _bound(since, "since"), _bound(until, "until")
    if first and last and first > last:
        # a value at fault, as a malformed one: 422 "invalid" (it was a 400 `bad_period`, alone among them)
        raise ApiError(422, "invalid", f"since: {first} is after until {last}: give the earlier day as since",
                       field="since")  # fmt: skip
    try:
        kept = [parse_where(text) for text in where or () if text]
    except ValueError as err:
        raise ApiError(422, "invalid", f"where: {err}", field="where") from None
    filters = Filters(first, last, [s for s in source or () if s] or None, kinds, kept)
    for name, code, part in (("source", "unknown_source", Filters(source=filters.source)),
                             ("where", "unknown_column", Filters(kept=filters.kept))):  # fmt: skip
        if part != Filters():
            try:
                await run_in_threadpool(check, db, part, "")
            except MinerError as err:
                raise ApiError(400, code, str(err), field=name) from None
    return filters


def _bound(value: str | None, name: str) -> date | None:
    """A date bound read as the CLI reads it (`parse_day`: a time after the day is ignored, anything else refused);
    empty is no bound, as an empty `source=` is no filter."""
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError as err:
        raise ApiError(422, "invalid", f"{name}: {err}", field=name) from None


FiltersDep = Annotated[Filters, Depends(get_filters)]
