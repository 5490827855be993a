"""Speaker-aware parsing of chat logs and conversation markup."""

from __future__ import annotations

import re

from miner.ingest.records import Turn

CUSTOMER_ROLES = {
    "customer",
    "client",
    "user",
    "caller",
    "visitor",
    "guest",
    "member",
    "end-user",
    "end_user",
    "requester",
    "cust",
}
_PREFIX = re.compile(
    r"^\s*\[?(?:\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?"
    r"(customer|client|user|caller|visitor|guest|member|agent|rep|representative|support|advisor|adviser|operator|bot|staff|assistant)"
    r"(?:\s*\([^)]*\)|\s+[A-Z][\w.]*)?\s*:\s?(.*)$",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"<(cust|rep)__(.*?)__\1>", re.DOTALL)
_PLACEHOLDER = re.compile(r"__(?:company|cust|rep|url|user)__")


def role(speaker: str) -> str:
    return "customer" if speaker.lower() in CUSTOMER_ROLES else "agent"


def has_speaker_prefixes(text: str) -> bool:
    """At least two lines start with a known speaker prefix."""
    return sum(1 for line in text.splitlines() if _PREFIX.match(line)) >= 2


def has_markup(text: str) -> bool:
    return "<cust__" in text or "<rep__" in text


def parse_prefixed(text: str) -> list[Turn]:
    """`Customer: ...` / `Agent: ...` lines; unprefixed lines continue the previous turn."""
    turns: list[Turn] = []
    for line in text.splitlines():
        match = _PREFIX.match(line)
        if match:
            turns.append(Turn(role(match.group(1)), match.group(2).strip()))
        elif turns and line.strip():
            turns[-1].text = f"{turns[-1].text} {line.strip()}".strip()
    return [t for t in turns if t.text]


def parse_markup(text: str) -> list[Turn]:
    """`<cust__ ... __cust>` / `<rep__ ... __rep>` turns, with placeholders removed."""
    turns = []
    for who, body in _MARKUP.findall(text):
        body = re.sub(r"\s+", " ", _PLACEHOLDER.sub(" ", body)).strip()
        if body:
            turns.append(Turn("customer" if who == "cust" else "agent", body))
    return turns


def parse_transcript(text: str) -> list[Turn] | None:
    """Turns of a transcript, or None if the text is not one."""
    if has_markup(text):
        return parse_markup(text)
    if has_speaker_prefixes(text):
        return parse_prefixed(text)
    return None
