"""Segment: split texts into sentences and clauses with spaCy, redacting PII first."""

from miner.segment.segmenter import DEFAULT_SPACY_MODEL, Segment, Segmenter

SEGMENTERS = ("spacy", "rules")


def get_segmenter(name: str = DEFAULT_SPACY_MODEL) -> Segmenter:
    """`rules` gives the regular-expression splitter, `spacy` the default spaCy pipeline; anything else names a
    spaCy pipeline."""
    if name == "spacy":
        return Segmenter(DEFAULT_SPACY_MODEL)
    if name == "rules":
        from miner.segment.rules import RuleSegmenter

        return RuleSegmenter()  # type: ignore[return-value]
    return Segmenter(name)


__all__ = ["SEGMENTERS", "Segment", "Segmenter", "get_segmenter"]
