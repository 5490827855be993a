"""Clauses an analyst has filed word for word: a correction's quote goes under its touchpoint, and a clause that is
one of the taxonomy's `none_examples` goes under none. The mapper and the heads learn from both but may not be sure
enough to move the quote itself: two corrections left both quotes where they were, and "I expected better from an
insurer.", put in none_examples after `taxonomy review` listed it, stayed under claims in 13 items of 13 (a clause
read inside its item takes on the item's topic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from miner.segment.segmenter import quote_key
from miner.touchpoints.taxonomy import NONE

if TYPE_CHECKING:
    from miner.touchpoints.mapper import Assignment
    from miner.touchpoints.taxonomy import Taxonomy


class Quoted:
    """The quotes a taxonomy files word for word (any case and spacing, the punctuation around them aside)."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.filed = {quote_key(text): NONE for text in taxonomy.none_examples}
        self.filed |= {quote_key(c.text): c.touchpoint for c in taxonomy.corrections}  # a correction wins

    def __bool__(self) -> bool:
        return bool(self.filed)

    def apply(self, text: str, chosen: list[Assignment], scores: np.ndarray) -> list[Assignment]:
        """`chosen` for a clause quoted word for word: the quote's touchpoint first, then the others chosen; `none`
        alone for a none example."""
        from miner.touchpoints.mapper import MOST_TOUCHPOINTS, Assignment

        touchpoint = self.filed.get(quote_key(text))
        if touchpoint is None:
            return chosen
        # its score is how well the clause fits the taxonomy, as a head's first pick keeps it (`choose`)
        if touchpoint == NONE:
            return [Assignment(NONE, float(scores.max()))]
        top = touchpoint.split("/", 1)[0]
        first = Assignment(top, float(scores.max()), touchpoint if "/" in touchpoint else None)
        rest = [a for a in chosen if a.touchpoint not in (top, NONE)]
        return [first, *rest][:MOST_TOUCHPOINTS]
