"""The touchpoints answers' schemas (`GET /v1/touchpoints`, `/v1/touchpoints/{id}`). Apart from api/schemas.py, which
holds the other families, to keep each module a size one can read."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas import RunInfo
from api.schemas_unread import ReadItems, UnreadItems, UnreadLanguages

TOTAL_ITEMS = (
    "Feedback items the run analysed inside the filters (not those imported since), as GET /v1/pain-points "
    "counts them: the base of a touchpoint's rate of items (`documents`), the unread too; over `read_items`, the "
    "rate of the items that could complain."
)


class PainPointBrief(BaseModel):
    id: str
    label: str
    complaints: int


class TouchpointPublic(BaseModel):
    id: str = Field(examples=["website"])
    name: str
    stage: str | None
    description: str
    complaints: int
    documents: int = Field(description="Items with a complaint about the touchpoint in the period.")
    share: float = Field(description="Share of the period's complaint mentions (`total_complaints`).")
    pain_points: list[PainPointBrief]


class TouchpointsPublic(BaseModel):
    run: RunInfo | None
    total_complaints: int = Field(
        description="Complaint mentions in the period: a complaint about two touchpoints counts once for each "
        "(the run's "
        "`complaints` counts it once), so the touchpoints' shares and `unmapped`'s add up to 1."
    )
    total_items: int = Field(0, description=TOTAL_ITEMS + " The same whatever the `stage`.")
    read_items: ReadItems = None
    unread_items: UnreadItems = None
    unread_languages: UnreadLanguages = None
    touchpoints: list[TouchpointPublic]
    unmapped: TouchpointPublic = Field(
        description="The complaints that fit no touchpoint (id 'none'): with the touchpoints' counts they add up to "
        "`total_complaints`. GET /v1/touchpoints/none has them with more pain points."
    )


class SubTouchpoint(BaseModel):
    id: str = Field(examples=["website/information"])
    name: str
    complaints: int
    share: float = Field(description="Share of the parent touchpoint's complaints.")
    subtouchpoints: list[SubTouchpoint]


class TouchpointDetailPublic(TouchpointPublic):
    run: RunInfo | None
    total_items: int = Field(0, description=TOTAL_ITEMS)
    read_items: ReadItems = None
    unread_items: UnreadItems = None
    unread_languages: UnreadLanguages = None
    subtouchpoints: list[SubTouchpoint]
