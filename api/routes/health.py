"""Liveness, without a key."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, summary="Is the server up (no key needed)")
def healthz() -> dict:
    try:
        v = version("touchpoint-miner")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        v = "unknown"
    return {"status": "ok", "version": v}
