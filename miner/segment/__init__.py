"""Segment: split texts into sentences and clauses with spaCy, redacting PII first."""

from miner.segment.segmenter import Segment, Segmenter

__all__ = ["Segment", "Segmenter"]
