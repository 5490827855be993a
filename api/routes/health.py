"""Liveness and readiness, without a key."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Response

from api.deps import RunnerDep, SettingsDep
from api.schemas_health import HealthPublic, ReadyPublic
from api.storage import MIN_FREE_BYTES, free_bytes

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, summary="Is the server up (no key needed)")
def healthz() -> dict:
    try:
        v = version("touchpoint-miner")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        v = "unknown"
    return {"status": "ok", "version": v}


@router.get(
    "/readyz",
    response_model=ReadyPublic,
    summary="Can the server store uploads and runs (no key needed)",
    description="200 `ready`, or 503 `unavailable` with the problems: the disk holding the databases and uploads "
    "nearly full, the main database not writable, runs whose end could not be recorded yet. `/healthz` says only "
    "that the process answers; a load balancer or monitor asks this one.",
    responses={503: {"model": ReadyPublic, "description": "Not ready: `problems` says why."}},
)
def readyz(response: Response, settings: SettingsDep, runner: RunnerDep) -> dict:
    problems = []
    for what, path in (("main database", settings.db), ("workspaces and uploads", settings.workspaces_dir)):
        if (free := free_bytes(path)) < MIN_FREE_BYTES:
            problems.append(f"the disk holding the {what} ({path}) is full or nearly ({free // 2**20:,} MiB free)")
    if problem := runner.write_problem():
        problems.append(f"the main database ({settings.db}) cannot be written: {problem}")
    if unrecorded := runner.unrecorded():
        problems.append(f"the end of runs {', '.join(unrecorded)} is not recorded yet (the database refused it)")
    if problems:
        response.status_code = 503
    return {"status": "unavailable" if problems else "ready", "problems": problems}
