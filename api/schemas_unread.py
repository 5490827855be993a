"""The fields that say how many of an answer's items were read: the models read English only, and 164 of a
retailer's 436 items (German, French, Spanish, emoji only) sat unsaid in `total_items`, its rates looking lower."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ReadItems = Annotated[
    int | None,
    Field(
        description="Of the items counted, those the analysis read: in English, giving at least one clause. A "
        "complaint rate over the items that could complain is over these.",
    ),
]
UnreadItems = Annotated[
    int | None,
    Field(
        description="Of the items counted, those not read (counted, adding no complaint): in another language "
        "(an English title over one is read), with no English text, or with no word at all (emoji, '-'). "
        "docs/guide/input.md, 'Languages: English only'.",
    ),
]
UnreadLanguages = Annotated[
    dict[str, int] | None,
    Field(description='The unread items in another language, by language, most first: `{"German": 73}`.'),
]
ReadItemsPerPeriod = Annotated[
    list[int],
    Field(
        description="Of `items`, those the analysis read per period, in `periods` order: in English, giving at least "
        "one clause. A period's complaint rate over the items that could complain is over these.",
    ),
]
UnreadItemsPerPeriod = Annotated[
    list[int],
    Field(
        description="Of `items`, those not read per period, in `periods` order (`items` less `read_items`): in "
        "another language, with no English text, or with no word at all. A period whose share of them grows shows "
        "fewer complaints for it.",
    ),
]
