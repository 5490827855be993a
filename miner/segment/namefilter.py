"""Where a person's name may be: the cheap pre-filter that decides which words the NER model reads.

spaCy's NER is nearly all of redaction's time (docs/lab/speed.md), so it reads only windows of a few words around
each capitalised word that could be a name, not whole texts: a capitalised word counts unless it opens a sentence
and is a common word: a stop word, or a word the same batch writes in lower case at least twice and more often
than it capitalises it mid-sentence ("Flight", "Worst", "Booked"; not "Mark", which a batch of airline replies
capitalises in "Hi Mark," more often than it writes "mark"). Mid-sentence capitals always count ("Mark", "Will");
a text with none is not read by NER at all.
The small model's context is a few tokens either side, so a window of 40 characters reads each name as the whole
text would. Lower-case names after a cue ("my name is jane") are found apart (presidio.py, `lower_candidates`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:['’][A-Za-z]+)?")
WINDOW = 40  # characters either side of a candidate, widened to whole words
_LOWER_WORD = re.compile(r"\b[a-z][a-z]+\b")
_OPENER = re.compile(r"""[\s"'“”‘’(\[*\-–—]*\Z""")  # what may stand between a sentence end and its first word
_SENTENCE_END = (".", "!", "?", ":", ";", "\n", ">", "__")  # >: a placeholder or a transcript's turn mark
_MIN_LOWER = 2  # seen this often in lower case in the batch: a common word, not a name


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


class Vocabulary:
    """How often a batch writes each word in lower case, and capitalised inside a sentence."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.lower: Counter[str] = Counter()
        self.capital: Counter[str] = Counter()
        for text in texts:
            self.lower.update(_LOWER_WORD.findall(text))
            self.capital.update(
                _stem(m.group(0)) for m in CAPITALISED.finditer(text) if not _opens_sentence(text, m.start())
            )

    def common(self, word: str) -> bool:
        """A stop word, or a word written in lower case at least twice and more often than capitalised."""
        stem = _stem(word)
        lower = self.lower[stem]
        return stem in _stop_words() or (lower >= _MIN_LOWER and lower > self.capital[stem])


def _stem(word: str) -> str:
    return re.split(r"['’]", word.lower())[0]  # "We're" is "we"


def _opens_sentence(text: str, start: int) -> bool:
    head = text[:start]
    m = _OPENER.search(head)
    head = head[: m.start()] if m else head
    return not head or head.endswith(_SENTENCE_END)


def name_candidates(text: str, vocabulary: Vocabulary) -> list[tuple[int, int]]:
    """(start, end) of each capitalised word that could be a name (see the module's docstring)."""
    return [
        m.span()
        for m in CAPITALISED.finditer(text)
        if not (_opens_sentence(text, m.start()) and vocabulary.common(m.group(0)))
    ]


def windows(text: str, candidates: list[tuple[int, int]], width: int = WINDOW) -> list[tuple[int, int]]:
    """The parts of `text` NER reads: `width` characters either side of each candidate, widened to whole words,
    overlapping ones merged."""
    out: list[tuple[int, int]] = []
    for start, end in candidates:
        a, b = max(0, start - width), min(len(text), end + width)
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out
