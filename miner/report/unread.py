"""Data quality's items whose text the models did not read: one total and its parts, so that the JSON's
`unread_items` is never 0 beside `unread_languages: {"Spanish": 1}` (it counted the items with no segment, other
languages aside, under a name that read as every unread item)."""

from __future__ import annotations

import sqlite_utils

from miner.segment.language import named
from miner.store.filters import Filters
from miner.store.report import RunData
from miner.store.unread import read_ids
from miner.wording import counted

BANNER_SHARE = 0.1  # items none of whose text was read making this share of a report's: a banner above the overview


def unread_fields(data: RunData) -> dict:
    """`unread_items`, the items whose text was left unread (they count among the items but add no complaint), as
    the sum of its parts: `unread_languages` (by language; an English title over such text is read),
    `unread_no_english` (no English text, of them `unread_other_script` in another script than Latin) and
    `unread_wordless` (no word at all, "-" or "?")."""
    languages = sum(data.unread_languages.values())
    return {
        "unread_items": data.unread + languages,
        "unread_languages": dict(data.unread_languages.most_common()),
        "unread_no_english": data.unread - data.unread_wordless,
        "unread_other_script": data.unread_other_script,
        "unread_wordless": data.unread_wordless,
    }


def unread_warnings(data: RunData) -> list[str]:
    """The items no segment came from: those with no word at all ("-", "?": a survey's non-answers, mined before
    they were left out), apart from those the models could not read, which the English-only models are to blame for."""
    out = []
    if data.unread_wordless:
        out.append(f"{counted(data.unread_wordless, 'item')} held no words, only punctuation or symbols ('-', '?'): "
                   "they count among the items but can add no complaint.")  # fmt: skip
    if unread := data.unread - data.unread_wordless:
        shown = f" ({data.unread_other_script:,} in another script than Latin)" if data.unread_other_script else ""
        out.append(
            f"{counted(unread, 'item')} held no English text to analyse{shown}: the models read English "
            "only. They count among the items but can add no complaint."
        )
    if n := sum(data.unread_languages.values()):
        out.append(
            f"{counted(n, 'item')} {'is' if n == 1 else 'are'} in another language ({named(data.unread_languages)}):"
            " the models read English only, so their text is left unread (an English title is read). They count "
            "among the items but add no complaint: translate such feedback before mining it, or mine it apart."
        )
    return out


def read_overview(db: sqlite_utils.Database, data: RunData, filters: Filters, complaint_docs: set[str]) -> dict:
    """The overview's base: `read_items` (in English and giving a segment), `unread_items` (the rest, as
    `quality.unread_items`: another language, no English, no word) and `read_complaint_rate`, the read items with a
    complaint (`read_complaint_items`) over them; `complaint_rate` stays over all items. 164 unread of 436 made a
    72% rate read 45%, and a market whose text was unread looked the happiest."""
    read = read_ids(db, data.run, filters)
    complained = len(complaint_docs & read)
    return {
        "read_items": len(read),
        "unread_items": len(data.documents) - len(read),
        "read_complaint_items": complained,
        "read_complaint_rate": complained / len(read) if read else 0.0,
        "unread_banner": len(data.documents) - len(read) >= max(BANNER_SHARE * len(data.documents), 1),
    }
