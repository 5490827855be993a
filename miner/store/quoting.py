"""Whether one e-mail quotes another: a reply written on top of a thread holds the earlier message's customer
words, in order, behind quote marks and new line wrapping, and after redaction one side may hold a placeholder
where the other holds what it replaced (miner/store/versions.py decides with it which stored thread a reply
replaces)."""

from __future__ import annotations

import re

from miner.ingest.email import customer_parts
from miner.segment.pii import PLACEHOLDER


def quotes(later: str, earlier: str) -> bool:
    """Whether the e-mail `later` holds `earlier` (a reply written on top of the thread, quoting it): each of
    `earlier`'s customer parts (miner/ingest/email.py; the whole text where it is no e-mail), in order, in `later`
    once quote markers ("> ", "> > "), line wrapping, spacing and case are ignored. Both are compared as stored,
    after redaction, where one may hold a placeholder ("<PERSON>") where the other holds what it replaced (a name
    the NER read in one context and not in the other): a placeholder on either side stands for up to `_SPAN`
    words or marks of the other. `earlier` must hold `_MIN_WORDS` words: a "Hi" in another text says nothing."""
    parts = [p for p in customer_parts(earlier) if p.strip()] or [earlier]
    needles = [_tokens(p) for p in parts]
    if sum(1 for n in needles for t, _ in n if t != _WILD and t[:1].isalnum()) < _MIN_WORDS:
        return False
    hay, at = _tokens(later), 0
    for needle in needles:
        end = _find(needle, hay, at)
        if end is None:
            return False
        at = end
    return True


_WILD = "\x00"
_SPAN = 12  # words and marks a placeholder may stand for: an address "<oliver.b@gmail.com>" is 9
_MIN_WORDS = 3
_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
_TOKEN = re.compile(r"\x00|\w+|[^\w\s]")
# Marks of what a placeholder may stand for, beside capitalised words (a name) and numbers: an address, a phone
_STANDS_IN = frozenset("+()./@_&'-:")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words and marks of `text`, quote markers left out, each placeholder one `_WILD`, in lower case; each with
    whether a placeholder of the other text may stand for it (`_STANDS_IN`)."""
    plain = PLACEHOLDER.sub(f" {_WILD} ", _QUOTE_MARKS.sub("", text))
    return [(t.casefold(), t == _WILD or t[0].isupper() or t.isdigit() or t in _STANDS_IN)
            for t in _TOKEN.findall(plain)]  # fmt: skip


def _find(needle: list[tuple[str, bool]], hay: list[tuple[str, bool]], start: int) -> int | None:
    """The end in `hay` of a match of `needle` that starts at `start` or later, a `_WILD` on either side standing
    for 1 to `_SPAN` tokens of the other that may be what redaction replaces (`_STANDS_IN`: "Priya Raman", "07700
    900461"; never "had my refund"); None where there is none. A state (needle token, hay token) explored once and
    failed fails from any start, so each is explored once: O(len(needle) * len(hay) * _SPAN)."""
    m, n = len(needle), len(hay)
    if m == 0:
        return start
    dead: set[tuple[int, int]] = set()
    for first in range(start, n):
        if needle[0][0] != hay[first][0] and _WILD not in (needle[0][0], hay[first][0]):
            continue
        stack = [(0, first)]
        while stack:
            j, p = stack.pop()
            if j == m:
                return p
            if p >= n or (j, p) in dead:
                continue
            dead.add((j, p))
            a, b = needle[j][0], hay[p][0]
            if a == b:
                stack.append((j + 1, p + 1))
            if a == _WILD:
                stack.extend((j + 1, p + k) for k in _spans(hay, p, n))
            if b == _WILD:
                stack.extend((j + k, p + 1) for k in _spans(needle, j, m))
    return None


def _spans(tokens: list[tuple[str, bool]], at: int, end: int) -> range:
    """How many tokens from `at` a placeholder of the other text may stand for: 1 up to `_SPAN`, each one that
    redaction may have replaced."""
    k = 0
    while k < _SPAN and at + k < end and tokens[at + k][1]:
        k += 1
    return range(1, k + 1)
