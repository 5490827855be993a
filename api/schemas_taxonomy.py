"""The answer of GET and PUT /v1/taxonomy (api/routes/taxonomy.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas import RunPublic


class TaxonomyVersion(BaseModel):
    version: str
    fingerprint: str
    created_at: str


class TaxonomyPublic(BaseModel):
    version: str = Field(examples=["2026.11.1"])
    name: str
    fingerprint: str
    source: Literal["default", "workspace"] = Field(
        description="`workspace`: the workspace's own taxonomy (PUT, or used by the latest run `touchpoints mine` "
        "made in its file); `default`: the server's default taxonomy."
    )
    versions: list[TaxonomyVersion] = Field(
        description="The versions stored in this workspace, by PUT or by a run it started, oldest first. One only a "
        "run `touchpoints mine` made used is read with `?version=` but not listed: GET /v1/runs gives every run's."
    )
    taxonomy: dict[str, Any]
    run: RunPublic | None = Field(None, description="The re-mapping run a PUT started, if any.")
