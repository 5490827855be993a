"""A rule-based clause splitter: the fast alternative to spaCy's parse, for large batch jobs.

It splits sentences at end punctuation and line breaks, and clauses where a coordinating or contrasting
conjunction is followed by what reads as a new subject ("... twice and the box arrived crushed") or where
"but" joins two clauses of three words or more. spaCy's parser does the same job from the dependency
tree, more carefully, at about 500 texts/s on two cores; these rules run at tens of thousands per second.
docs/performance.md compares the two on the labelled sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from miner.segment.segmenter import Segment, kept, parts, unwrap

RULES_MODEL = "rules"

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\s*\n+\s*|\s*;\s+")
_SUBJECT = (
    r"i|i'm|i've|i'd|we|we're|we've|they|they're|he|she|it|it's|its|you|you're|the|my|our|their|his|her|this|"
    r"that|these|those|there|your|someone|somebody|nobody|no one|nothing|everything|everyone|a|an|one|none|"
    r"some|most|all|each|every|both"
)
_CLAUSE = re.compile(
    rf"(?:,\s*|\s+)(?=(?:(?:and|&|so|plus|or|yet)\s+(?:{_SUBJECT})\b|(?:but|although|though|while|whereas|"
    rf"however|because)\b))",
    re.IGNORECASE,
)
_MIN_WORDS = 2


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """Character spans of the clauses of `text`."""
    start = 0
    for sentence_end in [*_SENTENCE_END.finditer(text), None]:
        stop = sentence_end.start() if sentence_end else len(text)
        yield from _clauses(text, start, stop)
        if sentence_end:
            start = sentence_end.end()


def _clauses(text: str, start: int, stop: int) -> Iterator[tuple[int, int]]:
    cuts = [start]
    for m in _CLAUSE.finditer(text, start, stop):
        left = text[cuts[-1] : m.start()].split()
        right = text[m.end() : stop].split()
        if len(left) >= _MIN_WORDS and len(right) >= _MIN_WORDS:
            cuts.append(m.end())
    cuts.append(stop)
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b > a:
            yield a, b


class RuleSegmenter:
    """Same interface as `Segmenter`, with regular expressions in place of spaCy."""

    model = RULES_MODEL
    name = "rules:v1"
    clauses = True

    def segment(self, texts: Iterable[str]) -> Iterator[list[Segment]]:
        for text in texts:
            out: list[Segment] = []
            for offset, whole in parts(text):  # the parts spaCy's segmenter parses, so both cut a long text alike
                part = unwrap(whole)  # a line break inside a sentence is a space, as for spaCy
                for start, piece in kept(part, _pieces(part), offset):
                    out.append(Segment(len(out), piece, start, start + len(piece)))
            yield out
