"""Speaker-aware parsing of chat logs and conversation markup."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

from miner.ingest.records import Turn

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers

CUSTOMER_ROLES = {
    "customer", "client", "user", "caller", "visitor", "guest", "member", "end user", "enduser", "requester", "cust",
    "consumer", "contact", "lead", "buyer", "shopper", "passenger", "patient", "external", "inbound",
}  # fmt: skip
# Who speaks for the company: agents and their bots, and the system's own lines ("System: Chat started"), which are
# context, never the customer's words. Several start with a customer word ("Customer Service"): matched whole first.
AGENT_ROLES = {
    "agent", "rep", "representative", "support", "advisor", "adviser", "operator", "bot", "chatbot", "staff",
    "assistant", "virtual assistant", "ai assistant", "admin", "teammate", "system", "company", "brand", "employee",
    "customer service", "customer care", "customer support", "customer success", "customer experience",
    "customer service agent", "support agent", "support team", "live agent", "human agent", "specialist", "associate",
    "csr", "helpdesk", "help desk", "service desk", "moderator", "automated message", "auto reply", "ivr", "host",
    "internal", "outbound", "acd", "workflow",
}  # fmt: skip
# Contact-centre platforms' participant labels (Genesys Cloud's participantPurpose "external" for the customer,
# "internal", "acd", "ivr", "workflow" for the company's side; a message's direction "inbound" from the customer,
# "outbound" to them): a speaker column's values, never a line's prefix ("Internal: ..." heads a review's note)
_PLATFORM_LABELS = {"external", "inbound", "internal", "outbound", "acd", "workflow"}
# Speakers a speech-to-text vendor numbers without saying who is who ("Speaker 1", "spk_0", "Participant A")
_GENERIC = re.compile(r"^(?:speaker|spk|participant|person|party|channel|voice)[ _-]?(?:\d{1,2}|[a-d])$", re.I)
_NUMBERED = re.compile(r"[ _#-]*\d{1,6}$")  # "agent_123", "Agent 7", "rep-2": one of many agents, by number


def speaker_role(label: str) -> str | None:
    """'customer' or 'agent' for a speaker label, 'generic' for a numbered speaker of unknown side, else None."""
    key = re.sub(r"[\s_.-]+", " ", label.strip().lower())
    if key in CUSTOMER_ROLES:
        return "customer"
    if key in AGENT_ROLES:
        return "agent"
    if _GENERIC.match(key):
        return "generic"
    bare = _NUMBERED.sub("", key)
    if bare != key and bare in AGENT_ROLES:
        return "agent"
    return "customer" if bare != key and bare in CUSTOMER_ROLES else None


def _labels(roles: set[str]) -> str:
    """The roles as a regex alternation, longest first, with any spacing between words."""
    return "|".join(r"[\s_-]*".join(map(re.escape, r.split())) for r in sorted(roles, key=len, reverse=True))


# A time stamp before the speaker: 10:02, 10:02:13, 10:02 PM, 2026-03-01 10:02, 2026-03-01T10:02:13, 01/03/2026, 10:02
# (WhatsApp), bracketed or in parentheses or not, and followed or not by " - "; or after it: "Customer [10:02]:"
_DAY = r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}),?[ T]"
_STAMP = rf"(?:{_DAY})?\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*[AaPp][Mm])?"
# As a line's prefix, not the words a review's own headings may use ("Host: lovely", "Company: ...")
_PREFIXES = (AGENT_ROLES | CUSTOMER_ROLES) - {"host", "company", "brand", "employee", "specialist", "associate", "lead"}
_PREFIXES -= _PLATFORM_LABELS
_SPEAKER = (
    rf"(?P<who>{_labels(_PREFIXES)})(?:[ _#-]*\d{{1,6}})?"  # "agent_123", "Agent 7"
    r"|(?P<generic>(?:speaker|spk|participant|person|party|channel|voice)[ _-]?(?:\d{1,2}|[a-d]))"
)


def _prefix_pattern(given: str = "", others: str = "") -> re.Pattern[str]:
    """A speaker's line: one of `given` (an alternation of the labels `mine` was given a side), a known label, or one
    of `others` (labels of unknown side beside those given)."""
    speaker = "|".join(filter(None, (given and f"(?P<given>{given})", _SPEAKER, others and f"(?P<other>{others})")))
    return re.compile(
        rf"^\s*[\[(]?(?:{_STAMP}[\])]?\s*(?:[-|]\s*)?)?(?P<label>{speaker})"
        r"(?:\s*\([^)]*\)|(?-i:\s+[A-Z][\w.]*))?(?:\s*\[[^\]]*\])?\s*:\s?(?P<said>.*)$",  # "Agent Lisa": a name
        re.IGNORECASE,
    )


_PREFIX = _prefix_pattern()
# A short label of any words before a colon, beginning a line: with labels given a side, one that begins two lines
# or more of a transcript is a speaker too ("A:" beside a given "B:"), or its words would continue the turn before
_ANY_LABEL = re.compile(
    rf"^\s*[\[(]?(?:{_STAMP}[\])]?\s*(?:[-|]\s*)?)?([^\W\d_][\w.'-]{{0,23}}(?: [\w.'-]{{1,24}})?)\s*:(?!//)"
)


@lru_cache(maxsize=64)
def _given_prefix(given: tuple[str, ...], others: tuple[str, ...] = ()) -> re.Pattern[str]:
    return _prefix_pattern(_labels(set(given)), _labels(set(others)) if others else "")


def _prefix(text: str, speakers: Speakers | None) -> re.Pattern[str]:
    """The pattern of the text's speakers' lines: with labels given (`speakers`), theirs too ("A: ...", "Left: ..."),
    and any other label that begins two of its lines or more (`_ANY_LABEL`)."""
    if speakers is None:
        return _PREFIX
    given = _given_prefix(tuple(speakers.labels()))
    found = Counter(m.group(1).casefold() for line in text.splitlines()
                    if not given.match(line) and (m := _ANY_LABEL.match(line)))  # fmt: skip
    others = tuple(sorted(label for label, lines in found.items() if lines >= 2))
    return _given_prefix(tuple(speakers.labels()), others) if others else given


_MARKUP = re.compile(r"<(cust|rep)__(.*?)__\1>", re.DOTALL)
_PLACEHOLDER = re.compile(r"__(?:company|cust|rep|url|user)__")


def has_speaker_prefixes(text: str, speakers: Speakers | None = None) -> bool:
    """At least two lines start with a known speaker prefix, or one of the labels given."""
    prefix = _prefix(text, speakers)
    return sum(1 for line in text.splitlines() if prefix.match(line)) >= 2


_ISO_STAMP = re.compile(r"^\s*[\[(]?(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)\b")


def stamped_date(text: str, speakers: Speakers | None = None) -> str | None:
    """The ISO date and time that stamps a chat log's first turn ("[2026-03-01 10:10] Customer: ..."), if any: the
    conversation's date where no column gives one (day-first or month-first stamps without a year are not read)."""
    prefix = _prefix(text, speakers)
    for line in text.splitlines():
        if prefix.match(line):
            stamp = _ISO_STAMP.match(line)
            if stamp is None:
                return None
            clock = stamp.group(2).zfill(5)
            return f"{stamp.group(1)}T{clock if len(clock) == 8 else clock + ':00'}"
    return None


def has_markup(text: str) -> bool:
    return "<cust__" in text or "<rep__" in text


def parse_prefixed(text: str, speakers: Speakers | None = None) -> list[Turn]:
    """`Customer: ...` / `Agent: ...` lines; unprefixed lines continue the previous turn. Numbered speakers of
    unknown side ("Speaker 1") are told apart by what they say (`_sides`), unless labels were given (`side`)."""
    prefix = _prefix(text, speakers)
    turns: list[Turn] = []
    for line in text.splitlines():
        match = prefix.match(line)
        if match:
            turns.append(Turn(side(match.group("label"), speakers), match.group("said").strip()))
        elif turns and line.strip():
            turns[-1].text = f"{turns[-1].text} {line.strip()}".strip()
    return _sides([t for t in turns if t.text])


def side(label: str, speakers: Speakers | None = None) -> str:
    """A label's side: as given (`speakers`: `mine --customer-speaker`), else as its role says; "?speaker 1" for a
    numbered speaker of unknown side, told apart from the others by what they say (`_sides`)."""
    if speakers is not None and (given := speakers.side(label)) is not None:
        return given
    found = speaker_role(label)
    return "?" + label.lower() if found == "generic" else "customer" if found == "customer" else "agent"


def sides_of(labelled: list[tuple[str, str]], speakers: Speakers | None = None) -> list[Turn]:
    """Turns from (speaker label, text) pairs: each label read as the customer's or the agent's side (`side`),
    numbered speakers of unknown side told apart as in a prefixed log (`_sides`)."""
    return _sides([Turn(side(label, speakers), text) for label, text in labelled])


_AGENT_SAYS = re.compile(
    r"\b(?:thank(?:s| you) for (?:calling|contacting|choosing|holding|your patience)|how (?:can|may|could) i (?:help|"
    r"assist)|you(?:'re| are) (?:through|speaking) to|my name is \w+(?:,| and) (?:i|how)|welcome to|"
    r"is there anything else|calling from|this call (?:is|may be) recorded|can i (?:take|have) your|"
    r"returning your call|sorry to hear (?:that|about))\b",
    re.IGNORECASE,
)


def _sides(turns: list[Turn]) -> list[Turn]:
    """Numbered speakers (marked "?speaker 1" by `parse_prefixed`) as agent or customer: the one who says what agents
    say ("thank you for calling", "how can I help", an outbound call's "returning your call") is the agent; with no
    such words, the first to speak is (an inbound call or chat opens with the company's greeting). Every other
    numbered speaker is the customer."""
    generic = [t.speaker for t in turns if t.speaker.startswith("?")]
    if not generic:
        return turns
    cues = {s: sum(bool(_AGENT_SAYS.search(t.text)) for t in turns if t.speaker == s) for s in dict.fromkeys(generic)}
    agent = max(cues, key=lambda s: cues[s]) if max(cues.values()) else generic[0]
    for turn in turns:
        if turn.speaker.startswith("?"):
            turn.speaker = "agent" if turn.speaker == agent else "customer"
    return turns


def parse_markup(text: str) -> list[Turn]:
    """`<cust__ ... __cust>` / `<rep__ ... __rep>` turns, with placeholders removed."""
    turns = []
    for who, body in _MARKUP.findall(text):
        body = re.sub(r"\s+", " ", _PLACEHOLDER.sub(" ", body)).strip()
        if body:
            turns.append(Turn("customer" if who == "cust" else "agent", body))
    return turns


def parse_transcript(text: str, speakers: Speakers | None = None) -> list[Turn] | None:
    """Turns of a transcript, or None if the text is not one; `speakers`: the labels given a side (speakers.py)."""
    if has_markup(text):
        return clean_turns(parse_markup(text))
    if has_speaker_prefixes(text, speakers):
        return clean_turns(parse_prefixed(text, speakers))
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
        out.append(Turn(turn.speaker, text or turn.text, turn.message))
    return out


_ESCALATED = re.compile(
    r"\b(?:escalat\w*|transferr?\w*|pass(?:ed|ing)? (?:this|it|you) (?:on )?to|"
    r"raised? (?:a|an) (?:ticket|complaint|case)|"
    r"specialist team|supervisor|manager will|(?:please )?(?:dm|direct message|email|call) us|follow up with you|"
    r"someone will (?:call|contact|be in touch))\b",
    re.IGNORECASE,
)
_RESOLVED = re.compile(
    r"\b(?:refund(?:ed)?(?: of \S+)? (?:has been|is|was) (?:processed|issued|approved)|(?:i'?ve|we'?ve|i have|we have) "
    r"(?:refunded|processed|reissued|resent|cancelled|fixed|updated|sorted|credited)|resolved|all sorted|"
    r"glad (?:i|we) could help|"
    r"that(?:'s| is| should be) (?:fixed|sorted|done)|credit(?:ed)?(?: \S+){0,3} to your account)\b",
    re.IGNORECASE,
)
# What the agent says is not happening: "no need to escalate", "I can't transfer you", "isn't resolved yet"
_NEGATED = re.compile(
    r"\b(?:no need to|(?:can|won|don|didn|isn|hasn|wasn)['’]?t|cannot|will not|do not|is not|has not been|not(?: yet)?)"
    r"(?: \w+){0,2} (?:escalat\w*|transferr?\w*|resolved|fixed|sorted)(?: yet)?\b",
    re.IGNORECASE,
)


def outcome(turns: list[Turn]) -> str | None:
    """'escalated' or 'resolved' judged from the agent's last words that say either; None if they say neither. Where
    one turn says both ("your refund has been approved and will reach your bank within 5 working days", "I've
    fixed it, no need to escalate"), resolved wins; what the agent says is not happening counts for neither."""
    for turn in reversed(turns):
        if turn.speaker != "agent":
            continue
        said = _NEGATED.sub(" ", turn.text)
        if _RESOLVED.search(said):
            return "resolved"
        if _ESCALATED.search(said):
            return "escalated"
    return None
