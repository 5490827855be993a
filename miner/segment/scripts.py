"""Text the analysis leaves out: the segmenters keep clauses with a Latin letter (the models read English), so an
Arabic, Cyrillic or Japanese text gives no segment, nor does one in another language written in Latin letters
(miner/segment/language.py); an import counts such items and says so."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from miner.segment.language import LANGUAGES, named

if TYPE_CHECKING:
    from miner.ingest import Record
    from miner.segment.segmenter import Segment


@lru_cache(maxsize=8192)
def _foreign_letter(char: str) -> bool:
    return char.isalpha() and not unicodedata.name(char, "").startswith("LATIN")


def other_script(text: str) -> bool:
    """Whether `text` holds a letter of another script than Latin ("Доставка", "配達"; not "é", digits or emoji)."""
    return not text.isascii() and any(_foreign_letter(c) for c in text if not c.isascii())


def wordless(text: str) -> bool:
    """Whether `text` holds no letter nor digit ("-", "?", "👍"): no language is to blame for its giving no segment."""
    return not any(c.isalnum() for c in text)


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


def unread_items(records: Iterable[Record], segments: Iterable[list[Segment]]) -> tuple[int, int, Counter[str]]:
    """(items with text in another script that no segment holds, other items with no segment at all, items read as
    another language by its name, `segment_records` having marked them): text the analysis does not read, though the
    items count in a run's totals."""
    foreign = empty = 0
    tongues: Counter[str] = Counter()
    for record, segs in zip(records, segments, strict=True):
        if code := (record.meta or {}).get("language"):
            tongues[LANGUAGES.get(code, code)] += 1
            continue
        empty += not segs
        foreign += foreign_left_out(record, segs)
    return foreign, empty, tongues


def unread_notes(path: str, other: int, empty: int, tongues: Counter[str] | None = None) -> list[str]:
    """What `touchpoints mine` says of a file's unread items, beside its row counts."""
    notes = []
    if other:
        notes.append(
            f"{path}: {_items(other)} text in another script than Latin (Arabic, Cyrillic, Japanese...): that text "
            "is not analysed, the models read English only (an item's English clauses are)"
        )
    if n := sum((tongues or Counter()).values()):
        notes.append(
            f"{path}: {_items(n)} text in another language ({named(tongues or Counter())}): the models read English "
            f"only, so {'it is' if n == 1 else 'they are'} left unread (an English title is read) and add no "
            "complaint, though counted in the run's items and its complaint rate; translate such feedback before "
            "mining it, or mine it apart"
        )
    if empty:
        notes.append(
            f"{path}: {_items(empty)} no English words to analyse (another script, emoji, 'N/A' or '-' alone?); "
            f"{'it still counts' if empty == 1 else 'they still count'} in the run's items and its complaint rate"
        )
    return notes


def _items(n: int) -> str:
    return f"{n:,} item has" if n == 1 else f"{n:,} items have"
