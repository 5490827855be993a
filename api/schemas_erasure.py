"""The erasure answers' schemas (`POST /v1/erasures`, `DELETE /v1/datasets/{id}`). Apart from api/schemas.py, which
holds the other families, to keep each module a size one can read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ErasureCreate(BaseModel):
    """Forget every item that names one customer: an id or an email, matched as a whole token."""

    model_config = ConfigDict(extra="forbid")

    customer: str = Field(
        min_length=3, max_length=320, examples=["C-104233"],
        description="The id or email as the export stores it. A plain word (no digit, no @) is refused unless "
        "some item's id or column is exactly that value: it would match every item that uses the word.",
    )  # fmt: skip
    dry_run: bool = Field(False, description="Count the documents, segments and scores that would go; delete "
                          "nothing.")  # fmt: skip


class UnreadUpload(BaseModel):
    """An upload no run has imported that could not be read (a run fails on it too): it may hold the customer."""

    dataset_id: str
    file: str = Field(description="The file's name, as the dataset lists it.")


class ErasurePublic(BaseModel):
    """What an erasure removed: counts only, never the value asked for."""

    documents: int
    segments: int
    embeddings: int = Field(description="Cached vectors of the erased texts that no remaining text shares.")
    runs: int = Field(description="Runs whose stored counts and quotes were corrected.")
    pain_points: int = Field(description="Pain points left with no complaint, removed.")
    scores: int = Field(0, description="Survey scores of respondents who answered no open-text question (kept "
                        "for the NPS and rating figures): the dataset's, or those whose response id or kept columns "
                        "name the customer.")  # fmt: skip
    files: int = Field(0, description="The dataset's uploaded files (DELETE /v1/datasets/{id}): deleted now, or "
                       "already when a run imported them.")  # fmt: skip
    unread_uploads: list[UnreadUpload] = Field(
        default_factory=list,
        description="POST /v1/erasures: uploads no run has imported yet that could not be read as a run reads them "
        "(a run fails on them too), so they were not searched for the customer and nothing of them is erased: their "
        "raw rows stay on the server until `DELETE /v1/datasets/{dataset_id}`. Empty: every pending upload was read.",
    )
    dry_run: bool = Field(False, description="True: nothing was deleted, and only `documents`, `segments` and "
                          "`scores` were counted (the other counts are 0).")  # fmt: skip
