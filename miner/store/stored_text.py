"""A stored text as a pattern of the texts it could have been redacted from: a file read before redaction is found
stored as it is (miner/store/versions.py, documents.py, continued.py)."""

from __future__ import annotations

import re

from miner.segment.pii import PLACEHOLDER


def as_stored(text: str | None) -> re.Pattern[str] | None:
    """A stored text that redaction changed, as a pattern any text it could have been redacted from matches: a file
    read before redaction (`new_records`' first pass) is then found stored as it is, and not redacted again each
    night it holds the same conversation; None for a text redaction did not change. A placeholder stands for what
    redaction may have taken in its place (`_hole`): never a line, so never a turn, of its own."""
    text = text or ""
    holes = PLACEHOLDER.findall(text)
    if not holes:
        return None
    parts = map(re.escape, PLACEHOLDER.split(text))
    return re.compile(next(parts) + "".join(_hole(h) + part for h, part in zip(holes, parts, strict=True)))


# What a placeholder may stand for in `as_stored`: a value on its line (a name is cut at a line break,
# `pii.first_line`; each turn of a transcript is a line) of a few words at most; a number only digits and their
# marks. As any text (".+?" across lines), "<EMAIL>" in a conversation's first turn stood for every turn after it,
# and a version that grew and ended as the stored one did ("I'll escalate this...") was skipped as stored, its new
# turns lost. A text a placeholder misses is only redacted again, and then found stored as it is.
_HOLE = r"[^\n]{1,80}?"
_NUMBER_HOLE = r"[\d \t+().\-/]{1,40}?"
_NUMBERS = frozenset({"PHONE", "CARD", "IP", "SORT_CODE", "SSN"})


def _hole(placeholder: str) -> str:
    label = placeholder[1:-1].split(":")[0]
    return _NUMBER_HOLE if label in _NUMBERS else _HOLE
