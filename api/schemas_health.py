"""What the health checks answer: `GET /healthz` (the process is up) and `GET /readyz` (it can take work)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class ReadyPublic(BaseModel):
    status: Literal["ready", "unavailable"] = Field(description="'unavailable' (503) when any problem is listed.")
    problems: list[str] = Field(
        description="What keeps the server from storing uploads and runs: a (nearly) full disk, a main database "
        "it cannot write, runs whose end it could not record yet."
    )
