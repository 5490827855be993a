"""A segmenter that keeps each text whole: `touchpoints eval --no-segment` (the naive anchor reads items whole)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from miner.segment.segmenter import MAX_DOC_CHARS, Segment


class WholeText:
    """One segment per text: the text itself (stripped, cut at the segmenter's limit), none for a blank one."""

    model = "whole"
    name = "whole"

    def segment(self, texts: Iterable[str]) -> Iterator[list[Segment]]:
        for text in texts:
            piece = text[:MAX_DOC_CHARS].strip()
            start = text.find(piece) if piece else 0
            yield [Segment(0, piece, start, start + len(piece))] if piece else []
