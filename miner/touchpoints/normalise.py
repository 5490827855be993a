"""Text as the touchpoint mapper reads it: addressing and markup stripped, so "@brand" does not read as social media.

Tweets and chats open with a brand's @handle and end with links and hashtags; to an encoder those say "social
media" louder than the complaint says what went wrong. Only the mapper's reading changes: the stored text, the
quotes, the complaint detector and the pain-point clustering all keep the original."""

from __future__ import annotations

import re

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_HASH = re.compile(r"(?<![\w#])#(?=\w)")
_SPACE = re.compile(r"\s+")
_DANGLING = re.compile(r"^[\s,:;.\-]+")
# what any of the above could change: a text without it is given back as it is (most clauses, read several times a
# run: ~5 s of a whole-file batch mine went to these substitutions)
_CHANGED = re.compile(r"[@#]|https?://|www\.|\s\s|[^\S ]|^[\s,:;.\-]|\s$", re.IGNORECASE)


def for_mapping(text: str) -> str:
    """`text` without links, e-mail addresses and @handles, hashtags kept as words ("#fail" -> "fail"); the
    original when nothing would be left."""
    if not _CHANGED.search(text):
        return text
    out = _URL.sub(" ", text)
    out = _EMAIL.sub(" ", out)
    out = _HANDLE.sub(" ", out)
    out = _HASH.sub("", out)
    out = _DANGLING.sub("", _SPACE.sub(" ", out)).strip()
    return out if re.search(r"\w", out) else text
