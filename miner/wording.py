"""Counts said in words, for the messages the CLI prints and the report's sentences: '1 row', '2 rows', '1 mention'."""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """'1 row', '2 rows', '1,200 rows'; `plural` where adding an s is wrong ('1 run of messages')."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {plural or word + 's'}"
