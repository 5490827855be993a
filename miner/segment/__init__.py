"""Segment: split texts into sentences and clauses with spaCy, redacting PII first."""

from collections.abc import Iterable, Iterator
from typing import Protocol

from miner.segment.segmenter import DEFAULT_SPACY_MODEL, Segment, Segmenter

SEGMENTERS = ("spacy", "rules")


class SegmenterLike(Protocol):
    """What the pipeline needs of a segmenter: spaCy's (`Segmenter`), the rules (`RuleSegmenter`), or whole texts."""

    @property
    def model(self) -> str: ...

    def segment(self, texts: Iterable[str]) -> Iterator[list[Segment]]: ...


def get_segmenter(name: str = DEFAULT_SPACY_MODEL) -> SegmenterLike:
    """`rules` gives the regular-expression splitter, `spacy` the default spaCy pipeline; anything else names a
    spaCy pipeline."""
    if name == "spacy":
        return Segmenter(DEFAULT_SPACY_MODEL)
    if name == "rules":
        from miner.segment.rules import RuleSegmenter

        return RuleSegmenter()
    return Segmenter(name)


__all__ = ["SEGMENTERS", "Segment", "Segmenter", "SegmenterLike", "get_segmenter"]
