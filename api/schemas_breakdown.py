"""`GET /v1/breakdown`: the rate per value of a kept column (a market, a brand, a survey's channel tag), as
`touchpoints top --by` gives it (miner/store/breakdown.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import RunInfo


class BreakdownRowPublic(BaseModel):
    value: str = Field(description="The column's value; `other` and `(none)` for the rows `group` names so.",
                       examples=["DE"])  # fmt: skip
    group: Literal["value", "other", "none"] = Field(
        description="`value`: one value; `other`: the values beyond the 20 with the most items, summed; `none`: the "
        "items without the column."
    )
    values: int = Field(description="How many values the row sums (1 for a value, 0 for `none`).")
    items: int = Field(description="Feedback items the run analysed inside the filters with this value.")
    read_items: int = Field(description="Of them, those the analysis read (in English, giving a clause).")
    unread_items: int = Field(description="Of them, those not read (another language, no English, no word).")
    complaint_items: int = Field(description="Of them, those with a complaint (as the report's overview counts them).")
    read_complaint_items: int = Field(description="Of the items read, those with a complaint.")
    read_complaint_rate: float | None = Field(
        description="`read_complaint_items` over `read_items`, the overview's rate; null where no item was read "
        "(a market whose text is in another language is not the happiest)."
    )
    top_touchpoint: str | None = Field(description="The touchpoint with the most complaint mentions (the unmapped "
                                       "aside); null where none has one.")  # fmt: skip
    top_touchpoint_name: str | None = None
    top_touchpoint_complaints: int = Field(description="Its complaint mentions, as `GET /v1/touchpoints` counts them.")


class BreakdownPublic(BaseModel):
    run: RunInfo | None
    column: str = Field(examples=["Market"])
    filter: str = Field(description="The filters, in words.", examples=["2026-03-01 to 2026-03-31; Brand = Northline"])
    items: int = Field(description="Feedback items the run analysed inside the filters (the rows' sum).")
    read_items: int
    unread_items: int
    complaint_items: int
    read_complaint_items: int
    read_complaint_rate: float | None = Field(description="Over every row: the overview's rate inside the filters.")
    values: int = Field(description="Distinct values of the column inside the filters.")
    rows: list[BreakdownRowPublic] = Field(
        description="Most items first (then by value), the first 20 values one a row, then `other`, then `none`."
    )
