"""Path and query parameters several routes share, with the descriptions the API reference shows for them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query

StageQuery = Annotated[
    Literal["pre-purchase", "purchase", "post-purchase"] | None,
    Query(description="Only the touchpoints of this stage of the customer journey (the taxonomy's `stage`)."),
]
OffsetQuery = Annotated[int, Query(ge=0, le=1_000_000, description="How many to skip: the next page starts at "
                                   "`offset` + `limit`.")]  # fmt: skip
DatasetId = Annotated[str, Path(description="A dataset's `id`, as POST /v1/datasets or GET /v1/datasets gave it.")]
RunId = Annotated[str, Path(description="A run's `id`, as POST /v1/runs or GET /v1/runs gave it.")]
PainPointId = Annotated[
    str, Path(description="A pain point's `id` in the run read (`run.id` of GET /v1/pain-points): pass `run=` too.")
]
TouchpointId = Annotated[
    str, Path(description="A top-level touchpoint id of the run's taxonomy (GET /v1/touchpoints lists them) or `none`.")
]
