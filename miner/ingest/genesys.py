"""Genesys Cloud speech-analytics transcripts: each conversation's `transcripts[].phrases[]` as one transcript.

A Genesys export (`{"conversations": [{"conversationId", "conversationStartTime", "transcripts": [{"phrases":
[{"text", "participantPurpose", "startTimeMs"}]}]}]}`) nests its phrases two lists down, where the message-list
shape (`conversations.is_messages`) does not look: read as plain records, the `transcripts` list was mined as its
Python text, agent phrases and keys ("duration milliseconds") included. A phrase's `participantPurpose` says who
speaks: `external` is the customer; `internal`, `acd`, `ivr`, `workflow` the company (`transcripts.speaker_role`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from miner.ingest.conversations import Shape, Users, _row, plain
from miner.ingest.transcripts import sides_of

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers

_PHRASE_KEYS = ("participantPurpose", "text")


def _phrases(rec: dict) -> list[dict]:
    """Every phrase of the conversation's transcripts (several when it was transferred), in time order."""
    found = [
        phrase
        for transcript in rec.get("transcripts") or []
        if isinstance(transcript, dict)
        for phrase in transcript.get("phrases") or []
        if isinstance(phrase, dict) and all(k in phrase for k in _PHRASE_KEYS)
    ]
    return sorted(found, key=_at)


def _at(phrase: dict) -> float:
    at = phrase.get("startTimeMs")
    return float(at) if isinstance(at, int | float) else 0.0


def is_genesys(rec: dict, speakers: Speakers | None = None) -> bool:
    return isinstance(rec.get("transcripts"), list) and bool(_phrases(rec))


def _started(value: object) -> str:
    """`conversationStartTime` as ISO: Genesys gives epoch milliseconds, or an ISO string."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC).isoformat()
    return str(value or "")


def genesys_row(conv: dict, speakers: Speakers | None = None, users: Users | None = None) -> dict:
    labelled = [(str(p.get("participantPurpose") or ""), said) for p in _phrases(conv) if (said := plain(p["text"]))]
    ident = next(((k, conv[k]) for k in ("conversationId", "id") if conv.get(k) not in (None, "")), None)
    rest = {k: v for k, v in conv.items() if not isinstance(v, list | dict) and k not in ("id", "text", "_turns")}
    rest["conversationStartTime"] = _started(conv.get("conversationStartTime"))
    return _row(ident, sides_of(labelled, speakers), **rest)


GENESYS: dict[str, Shape] = {"genesys": (is_genesys, genesys_row)}
