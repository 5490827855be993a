"""Text the analysis leaves out: the segmenters keep clauses with a Latin letter (the models read English), so an
Arabic, Cyrillic or Japanese text gives no segment; an import counts such items and says so."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from miner.ingest import Record
    from miner.segment.segmenter import Segment


@lru_cache(maxsize=8192)
def _foreign_letter(char: str) -> bool:
    return char.isalpha() and not unicodedata.name(char, "").startswith("LATIN")


def other_script(text: str) -> bool:
    """Whether `text` holds a letter of another script than Latin ("Доставка", "配達"; not "é", digits or emoji)."""
    return not text.isascii() and any(_foreign_letter(c) for c in text if not c.isascii())


def foreign_left_out(record: Record, segments: list[Segment]) -> bool:
    """Whether a letter of another script in the record's mined text (its title and text, or a transcript's
    customer turns) is in none of its segments, which come in the order of that text."""
    mined = "\n".join(text for _, text in record.mined_text())
    if not other_script(mined):
        return False
    rest, cursor = [], 0
    for seg in segments:
        at = mined.find(seg.text, cursor)
        if at >= 0:
            rest.append(mined[cursor:at])
            cursor = at + len(seg.text)
    rest.append(mined[cursor:])
    return other_script("".join(rest))


def unread_items(records: Iterable[Record], segments: Iterable[list[Segment]]) -> tuple[int, int]:
    """(items with text in another script that no segment holds, items with no segment at all): text the analysis
    does not read, though the items count in a run's totals."""
    foreign = empty = 0
    for record, segs in zip(records, segments, strict=True):
        empty += not segs
        foreign += foreign_left_out(record, segs)
    return foreign, empty


def unread_notes(path: str, other: int, empty: int) -> list[str]:
    """What `touchpoints mine` says of a file's unread items, beside its row counts."""
    notes = []
    if other:
        notes.append(
            f"{path}: {_items(other)} text in another script than Latin (Arabic, Cyrillic, Japanese...): that text "
            "is not analysed, the models read English only (an item's English clauses are)"
        )
    if empty:
        notes.append(
            f"{path}: {_items(empty)} no English words to analyse (another script, emoji, 'N/A' or '-' alone?); "
            f"{'it still counts' if empty == 1 else 'they still count'} in the run's items and its complaint rate"
        )
    return notes


def _items(n: int) -> str:
    return f"{n:,} item has" if n == 1 else f"{n:,} items have"
