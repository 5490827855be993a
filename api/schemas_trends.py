"""The trends answer's schemas (`GET /v1/trends`): the report's trend series for a dashboard's chart. Apart from
api/schemas.py, which holds the other families, to keep each module a size one can read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import RunInfo
from api.schemas_unread import ReadItemsPerPeriod, UnreadItemsPerPeriod, UnreadLanguages


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


class RatingPeriodPublic(BaseModel):
    period: str = Field(examples=["2026-06"], description="A period of `periods` with a rated item.")
    mean_rating: float = Field(
        examples=[41.5],
        description="The mean rating of the period's rated items on a 0-100 scale (100 best), counted as the "
        "report's overall mean rating: a survey respondent once, on the day of the rated answer.",
    )
    native_mean: float | None = Field(
        examples=[2.66],
        description="The same mean on the items' own scale (`rating_range`), null where they do not share one.",
    )
    rated_items: int = Field(examples=[25], description="The rated items it rests on (a survey respondent once).")
    thin: bool = Field(
        description="Fewer than 10 rated items: one rating moves the mean by several points, so a chart should mark "
        "the period as fragile (the report marks it with *)."
    )


class NpsPeriodPublic(BaseModel):
    period: str = Field(examples=["2026-06"], description="A period of `periods` with NPS answers.")
    nps: float = Field(examples=[-12.5], description="Promoters less detractors, as a share of the respondents (%).")
    promoters: int = Field(examples=[12], description="Respondents who answered 9 or 10.")
    passives: int = Field(examples=[9], description="Respondents who answered 7 or 8.")
    detractors: int = Field(examples=[19], description="Respondents who answered 0 to 6.")
    respondents: int = Field(
        examples=[40],
        description="NPS answers it rests on, each respondent once on the day of the answer; under 10 one answer "
        "moves it by many points. Respondents who scored and wrote no comment count, as in the survey tool's NPS.",
    )


class TrendsPublic(BaseModel):
    run: RunInfo | None
    period: Literal["month", "week"]
    periods: list[str] = Field(
        examples=[["2026-01", "2026-02", "2026-03"]],
        description="Every period from the first dated item to the last inside the filters (`since` / `until` "
        "where given), gaps included: `2026-03` for a month, `2026-W09` for an ISO week.",
    )
    items: list[int] = Field(
        description="Dated feedback items the run analysed per period (not those imported since), inside the filters: "
        "the base of a rate per period, the unread too."
    )
    read_items: ReadItemsPerPeriod = []
    unread_items: UnreadItemsPerPeriod = []
    unread_languages: UnreadLanguages = Field(
        None, description="The unread items of all `periods` in another language, by language, most first: "
        '`{"German": 73}` (null with no run, or no dated item).',
    )  # fmt: skip
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
    ratings: list[RatingPeriodPublic] = Field(
        description="The mean rating per period, for the periods with a rated item (any scale: stars, CSAT, NPS "
        "answers), as the report's trends give it; empty when no item in the window has a rating.",
    )
    nps: list[NpsPeriodPublic] = Field(
        description="The NPS per period, for the periods with answers to a 0-10 'how likely are you to recommend' "
        "question, as the report's trends give it; empty where no item in the window has one.",
    )
    rating_range: str | None = Field(
        examples=["1–5"],
        description="The one scale every rated item shares (stars5 and csat5 share 1–5), which `native_mean` is on; "
        "null where they mix scales or none is rated.",
    )
