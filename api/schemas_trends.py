"""The trends answer's schemas (`GET /v1/trends`): the report's trend series for a dashboard's chart. Apart from
api/schemas.py, which holds the other families, to keep each module a size one can read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import RunInfo


class TrendSeriesPublic(BaseModel):
    id: str = Field(examples=["website"], description="A top-level touchpoint id, or 'none' for the complaints "
                    "that fit none.")  # fmt: skip
    name: str
    complaints: list[int] = Field(description="Complaint mentions per period, in `periods` order.")
    documents: list[int] = Field(
        description="Items with a complaint about the touchpoint per period: over `items`, the rate the report's "
        "trends table compares."
    )


class PartialPeriodPublic(BaseModel):
    period: str = Field(examples=["2026-W12"], description="The latest period, which the days covered end inside.")
    days: int = Field(examples=[3], description="Its days up to and including `last_day`.")
    of_days: int = Field(examples=[7], description="The days a whole period of its kind has.")
    last_day: str = Field(examples=["2026-03-18"], description="The last day covered: the latest dated item, or "
                          "`until` where given.")  # fmt: skip


class PartialFirstPeriodPublic(BaseModel):
    period: str = Field(examples=["2026-03"], description="The first period, which the days covered start inside.")
    days: int = Field(examples=[17], description="Its days from `first_day` to its end.")
    of_days: int = Field(examples=[31], description="The days a whole period of its kind has.")
    first_day: str = Field(examples=["2026-03-15"], description="The first day covered: `since` where given, or "
                           "the earliest dated item.")  # fmt: skip


class TrendsPublic(BaseModel):
    run: RunInfo | None
    period: Literal["month", "week"]
    periods: list[str] = Field(
        examples=[["2026-01", "2026-02", "2026-03"]],
        description="Every period from the first dated item to the last inside the filters (`since` / `until` "
        "where given), gaps included: `2026-03` for a month, `2026-W09` for an ISO week.",
    )
    items: list[int] = Field(
        description="Dated feedback items the run analysed per period (not those imported since), inside the filters."
    )
    partial: PartialPeriodPublic | None = Field(
        None,
        description="The latest period when the days covered end well before it does (under 80% of its days: an "
        "export taken mid-week): its counts are lower than a whole period's would be, so a chart should mark it. "
        "Null otherwise, or when there is one period.",
    )
    partial_first: PartialFirstPeriodPublic | None = Field(
        None,
        description="The first period when the days covered start well after it does (under 80% of its days: "
        "`since` on the 15th, or data that begins mid-month), marked as `partial` marks the latest. Null otherwise, "
        "or when there is one period.",
    )
    touchpoints: list[TrendSeriesPublic] = Field(
        description="Every touchpoint with a complaint in the window, most complaints first."
    )
