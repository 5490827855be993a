"""The columns an uploaded file is read by (POST /v1/datasets' `files[].columns`)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FileColumns(BaseModel):
    """The columns a file is read by, as `touchpoints mine` prints them when it reads one."""

    text: list[str] = Field(description="The column(s) holding the feedback text; a survey's open-text questions.")
    title: str | None = Field(None, description="A review title's column, mined with the text.")
    rating: str | None = Field(None, description="The rating's column (stars, CSAT or NPS); null where none was found.")
    rating_scale: str | None = Field(
        None, description="The scale its values were read on (stars5, nps, csat5...); null where they fit none."
    )
    date: str | None = Field(None, description="The date's column; null where none was found (trends need one).")
    id: str | None = Field(None, description="The column holding the source's own id.")
    kept: list[str] = Field(
        [], description="The file's other columns, kept with each item: what `where=COLUMN=VALUE` filters on and "
        "GET /v1/breakdown's `by=` breaks down by.",
    )  # fmt: skip
