"""An item's rating as quotes and examples serve it: as its source gave it, its scale, and on 0-1 as the exports.

`rating` was served raw (a 1-star review is 1.0) while the exports' `rating` column is 0-1 with 1 best; renaming it
would break clients silently, so it stays raw and `rating_normalised` gives the exports' value beside it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Rating = Annotated[
    float | None,
    Field(
        description="The item's rating as its source gave it, on `rating_scale` (a 1-star review is 1.0, an NPS "
        "answer 0-10): the exports' `rating_raw`. null when the item has none.",
        examples=[1.0],
    ),
]
RatingScale = Annotated[
    str | None,
    Field(
        description="The rating's scale, higher is better on each: `stars5` (1-5 stars), `csat5` (1-5), `csat7` "
        "(1-7), `nps` (0-10, likely to recommend). null when the item has no rating.",
        examples=["stars5"],
    ),
]
RatingNormalised = Annotated[
    float | None,
    Field(
        description="The rating on one 0-1 scale whatever its own, 1 best (a 1-star review is 0.0, 5 stars 1.0): "
        "the exports' `rating` column, to compare items of different scales. null when the item has no rating.",
        examples=[0.0],
    ),
]
Question = Annotated[
    str | None,
    Field(
        description='The survey question the item answers, as the export asked it (a survey answer such as "Hire '
        'more staff" reads as a complaint only beside "What could we do better?"). null for other items.',
        examples=["What could we do better?"],
    ),
]
