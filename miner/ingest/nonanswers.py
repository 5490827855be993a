"""Survey answers that are no feedback: "N/A", "-", "no comment" say the respondent had nothing to write, as an empty
cell does, and are left out as it is. Mined, 36 of a tester's 120 Qualtrics answers were such, and the report's
complaint rate (38%) read as if those respondents had been asked and were content; 68% of the respondents complained.

"Nothing", "none" and "no" answer a question that asks what to improve, or why the score: they say there is no
complaint, which the complaint rate must count. To "Anything else?" or "Any other comments?" they decline to add
anything, and are left out there."""

from __future__ import annotations

import re
import unicodedata

from miner.ingest.questions import NON_ANSWERS

# The non-answers that answer a question that asks for a complaint: "What could we improve?" "Nothing."
NOTHING = {"none", "nothing", "no", "nope", "nah", "nothing really", "not really", "none really", "nothing at all"}
DECLINES = NON_ANSWERS - NOTHING
# Questions that invite more, which "No" or "Nothing" declines: "Is there anything else you would like to tell us?"
_INVITES_MORE = re.compile(
    r"\banything else\b|\b(?:any|other|additional|further)\s+(?:other\s+|additional\s+|further\s+)?"
    r"(?:comments?|feedback|thoughts|remarks|suggestions?)\b|\bto add\b|\blike to (?:add|share)\b",
    re.IGNORECASE,
)


def _norm(answer: str) -> str:
    return " ".join(answer.lower().strip(" .!").split())


def punctuation(text: str) -> bool:
    """Whether a text is punctuation and spaces alone: "-", "...", "?", "--/--" (not an emoji, which says something)."""
    return all(unicodedata.category(c)[0] in "PZ" or unicodedata.category(c) in ("Sm", "Sk") for c in text)


def declines(answer: str, question: str = "") -> bool:
    """Whether a survey answer says nothing: empty, punctuation alone, "N/A", "no comment", "not applicable"; and
    "No", "Nothing", "None" to a question that invites more ("Anything else?"), though not to one that asks what to
    improve, where it is an answer without a complaint."""
    said = _norm(answer)
    if not said or punctuation(answer) or said in DECLINES:
        return True
    return said in NOTHING and bool(_INVITES_MORE.search(question))
