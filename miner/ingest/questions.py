"""Which survey questions are open text: judged on the real answers, not on the "N/A"s and "Nothing"s.

A tester's "What could we do better?" held 4 complaints and 6 "Nothing" / "N/A": 40% distinct answers of 7
characters on average, so it was taken for a choice question and dropped, and the run mined only the praise."""

from __future__ import annotations

import re

from miner.ingest.columns import norm, scores

# Answers that say there is nothing to say: left out when judging a question (nonanswers.py: which are mined)
NON_ANSWERS = {
    "n/a", "na", "n.a", "n.a.", "-", "--", ".", "..", "...", "none", "nothing", "no", "nope", "nah", "nil", "null",
    "no comment", "no comments", "nothing to add", "nothing else", "nothing really", "not really", "none really",
    "not applicable", "see above", "same as above", "as above", "idk", "i don't know", "dont know", "don't know",
    "no thanks", "x", "?", "empty", "nothing at all", "no idea",
}  # fmt: skip
_NPS_GROUPS = {"promoter", "passive", "detractor"}
# Question wordings that ask for words, not a choice: "What could we do better?", "Please tell us why",
# "Any other comments?", "Why did you give that score?"
_ASKS_WORDS = re.compile(
    r"^\s*why\b|\b(?:do|done|doing) better\b|\bimprove|\bplease (?:tell|explain|describe|specify|share|let us know|"
    r"comment|give details)|\btell us\b|\b(?:any|other|additional|further) (?:comments?|feedback|thoughts|suggestions?)"
    r"|\banything else\b|\bin your own words\b|\breason for your (?:score|rating)\b|\bwhat (?:did|do) you (?:like|"
    r"dislike|love|hate)\b",
    re.IGNORECASE,
)
# A question that asks for a contact detail ("Please tell us your email") is no feedback, whatever its answers
_CONTACT = {"email", "phone", "telephone", "mobile", "name", "surname"}


def real_answers(values: list[str]) -> list[str]:
    """The answers that say something: not empty, not "N/A", "Nothing", "-", "No comment"..."""
    return [v for v in values if v and " ".join(v.lower().strip(" .!").split()) not in NON_ANSWERS]


def asks_for_words(question: str) -> bool:
    return bool(_ASKS_WORDS.search(question))


def is_open_text(values: list[str], question: str = "", *, text_entry: bool = False) -> bool:
    """Whether a question's answers are free text. `text_entry`: the export says it is (Qualtrics' `_TEXT`
    columns, SurveyMonkey's "Open-Ended Response"): open as soon as one real answer is there. A question that asks
    for words ("What could we do better?") is open unless its answers repeat like choices; any other is open when
    its real answers are mostly distinct and 15 characters long on average. Scores (labelled or not), NPS groups and
    contact details never are."""
    real = real_answers(values)
    if not real or {v.lower() for v in real} <= _NPS_GROUPS or scores(real):
        return False
    if text_entry:
        return True
    distinct = len({v.lower() for v in real}) / len(real)
    mean = sum(len(v) for v in real) / len(real)
    if set(norm(question).split("_")) & _CONTACT and mean < 40:
        return False
    if asks_for_words(question):
        return distinct > 0.3 or mean >= 15
    return mean >= 15 and distinct > 0.6


def open_question_column(columns: list[str], rows: list[dict]) -> str | None:
    """The first column headed by a question ("What could we do better?") whose answers are free text
    (`is_open_text`): the text of a plain table no column name says holds it. A small form's short answers ("Show
    delivery fees") are under the length the longest text column needs, and its 3 rows were "no text column
    found"."""
    for col in columns:
        values = [str(r.get(col) or "").strip() for r in rows[:200]]
        if (col.strip().endswith("?") or asks_for_words(col)) and is_open_text(values, col):
            return col
    return None
