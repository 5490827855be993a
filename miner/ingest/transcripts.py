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
# A time stamp before the speaker: 10:02, 10:02:13, 10:02 PM, 2026-03-01 10:02, 2026-03-01T10:02:13, bracketed or not
# and followed or not by " - "; or after it: "Customer [10:02]:"
_STAMP = r"(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?"
_PREFIX = re.compile(
    rf"^\s*\[?(?:{_STAMP}\]?\s*(?:[-|]\s*)?)?"
    r"(customer|client|user|caller|visitor|guest|member|agent|rep|representative|support|advisor|adviser|operator|bot|staff|assistant)"
    r"(?:\s*\([^)]*\)|\s+[A-Z][\w.]*)?(?:\s*\[[^\]]*\])?\s*:\s?(.*)$",
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
        return clean_turns(parse_markup(text))
    if has_speaker_prefixes(text):
        return clean_turns(parse_prefixed(text))
    return None


_POLITE = (
    r"(?:hi|hiya|hello|hey|dear \w+|good (?:morning|afternoon|evening)|thanks?|thank you|thx|ty|cheers|ok|okay|"
    r"k|sure|yes|yeah|yep|no|nope|great|perfect|cool|fine|alright|brilliant|awesome|bye|goodbye|np|"
    r"no problem|no worries|you too|same to you|have a (?:nice|good|great) (?:day|one|evening|weekend)|"
    r"(?:many|much) thanks|thanks a lot|will do|got it|noted|understood|appreciated?|"
    r"(?:i'?m )?still here|are you (?:still )?there|hello\?|anyone there)"
)
_FILLER = (
    r"(?:\s+(?:there|team|all|again|so much|very much|a lot|for (?:your|the) (?:help|reply|quick reply)|"
    r"guys|mate|you|!+))*"
)
BOILERPLATE = re.compile(rf"^\W*{_POLITE}{_FILLER}(?:[\s,.!?:;)(-]+{_POLITE}{_FILLER})*[\W_]*$", re.IGNORECASE)
_LEADING_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening))(?: there| team| all)?[\s,!.:-]+", re.I
)


def is_boilerplate(text: str) -> bool:
    """A turn with nothing to mine: a greeting, thanks, 'ok' and the like."""
    return bool(BOILERPLATE.match(text.strip()))


def clean_turns(turns: list[Turn]) -> list[Turn]:
    """Drop greeting and thank-you turns, and a greeting that opens a turn ("Hi, my order..." -> "my order...")."""
    out = []
    for turn in turns:
        if is_boilerplate(turn.text):
            continue
        text = _LEADING_GREETING.sub("", turn.text, count=1).strip()
        out.append(Turn(turn.speaker, text or turn.text))
    return out


_ESCALATED = re.compile(
    r"\b(?:escalat\w*|transferr?\w*|pass(?:ed|ing)? (?:this|it|you) (?:on )?to|"
    r"raised? (?:a|an) (?:ticket|complaint|case)|"
    r"specialist team|supervisor|manager will|(?:please )?(?:dm|direct message|email|call) us|follow up with you|"
    r"someone will (?:call|contact|be in touch)|within \d+ (?:working |business )?(?:hours|days))\b",
    re.IGNORECASE,
)
_RESOLVED = re.compile(
    r"\b(?:refund(?:ed)? (?:has been|is|was) (?:processed|issued|approved)|(?:i'?ve|we'?ve|i have|we have) "
    r"(?:refunded|processed|reissued|resent|cancelled|fixed|updated|sorted)|resolved|all sorted|"
    r"glad (?:i|we) could help|"
    r"that(?:'s| is| should be) (?:fixed|sorted|done)|credit(?:ed)? to your account)\b",
    re.IGNORECASE,
)


def outcome(turns: list[Turn]) -> str | None:
    """'escalated' or 'resolved' judged from the agent's last words that say either; None if they say neither."""
    for turn in reversed(turns):
        if turn.speaker != "agent":
            continue
        if _ESCALATED.search(turn.text):
            return "escalated"
        if _RESOLVED.search(turn.text):
            return "resolved"
    return None
