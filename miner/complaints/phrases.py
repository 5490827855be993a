"""Complaints said in so many words: a wait that has not ended, a thing that has not come, a charge made twice.

Short complaints carry little for an encoder to read ("still waiting", "no refund yet", "on hold for 50 minutes"),
and on an industry the seeds never covered they score just under the corpus's threshold. A clause that says one
of these outright is a complaint at the corpus's threshold, whatever its score (`ComplaintDetector.lift`).

The patterns were written from the complaint types of issue 18 (late, unreachable, not refunded, overcharged),
before reading any dev set's errors; on the dev sets and the airline support turns they fire rarely and, where
they changed a decision, rightly (docs/lab/detector.md, "Rules beyond the mixture"). No negation or sarcasm
handling: each pattern is itself the complaint, so "not" cannot turn it round.

The mirror, `said_no_complaint`: a clause that says there is no complaint ("Refund arrived within a week, no
complaints", "can't fault them", "not a single problem") holds the complaint words, and its vector sits among the
complaints; such a clause was flagged and named a pain point. It scores 0 (`ComplaintDetector.lift`). Here "not" can
turn a pattern round, so the rule drops a clause only where it holds nothing else that could be a complaint:
- the phrase must end there or go on with what scopes or stresses it ("no complaints about the food", "at all"), so
  "not a single problem was fixed", "no complaints procedure" and "can't complain to anyone" are not it;
- nothing up to the next punctuation after it may be a verb ("no problems with my account were fixed");
- the rest of the clause holds no turn ("but", "except", "until", "if"), no other negation ("no refund", "never
  came"), no one else's word ("they said no problems"), no unmet hope ("supposed to") and no question mark, and it
  says no complaint outright (`OUTRIGHT` wins).
"no complaints about the food but the delivery was 2 hours late" is one clause to spaCy and keeps its score ("but");
the rule segmenter cuts it in two, and only "No complaints about the food" is dropped. A bare "no problem" is a
pleasantry, an agent's as often as not ("no problem, I'll look into it"), so only the plural and the stressed forms
count. The patterns were written from general English before measuring on any set.
What the words cannot see is a complaint after the phrase with none of them ("can't fault the staff, the room was
filthy" against "can't fault it, the staff were lovely"), so the detector reads what follows the phrase on its own
(`what_follows`; `complaint` of `said_no_complaint`) and the clause keeps its score where that reads as a complaint.
What comes before a bare phrase is not read: the phrase is a verdict on it, and alone it can read as a complaint
("Refund arrived within a week", 0.80 with the default encoders). A phrase that names what it is about ("no
complaints about the staff", "can't fault the driver") says nothing of the rest, so what comes before it is read too
(`what_precedes`): "The room was filthy, no complaints about the staff" keeps its score. "Though", "other than
that" and "apart from that" are turns, so the words alone keep those clauses. A clause kept so is mapped on its
complaint alone (`complaint_parts`, miner/pipeline/reading.py): the phrase's words pull it to what it praises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from miner.segment.pii import PLACEHOLDER

_NUMBER = r"(\d+|an?|two|three|four|five|six|several)"
_SPAN = r"(minutes?|mins?|hours?|hrs?|days?|weeks?|months?)"
OUTRIGHT = re.compile(
    "|".join(
        (
            r"\bstill (waiting|not|no|nothing|hasn'?t|haven'?t|has not|have not|can'?t|cannot|unable)\b",
            r"\bno (refund|reply|response|answer|update|call ?back|one (has )?(answered|replied|called))\b",
            r"\b(never|not yet) (arrived|received|came|showed up|turned up|heard back|got (it|back|a))\b",
            r"\b(hasn'?t|haven'?t|has not|have not) (arrived|come|turned up|"
            r"been (refunded|delivered|fixed|resolved|answered))\b",
            rf"\b(waiting|waited|on hold) (for )?(over |more than |almost |nearly )?{_NUMBER} {_SPAN}\b",
            r"\b(overcharged|double[- ]charged|charged (me )?twice)\b",
        )
    ),
    re.IGNORECASE,
)


def said_outright(texts: Sequence[str]) -> np.ndarray:
    """Whether each text says a complaint in one of the `OUTRIGHT` phrases."""
    return np.fromiter((OUTRIGHT.search(t) is not None for t in texts), dtype=bool, count=len(texts))


# What redaction put in a clause's place (miner/segment/pii.py): "<EMAIL>", "<PHONE:3f0c1a9be2d41a7e>"
# The words that hand over contact details; with stop words, all a clause like "my email is <EMAIL>, card <CARD>." holds
_CONTACT_WORDS = frozenset(
    "email e-mail mail phone telephone tel mobile cell number num no card credit debit address postcode post code zip "
    "name full account acct details detail contact reference ref booking order membership policy customer dob date "
    "birth sort iban ssn ni plate reg registration ending ends reach call text whatsapp here's that's it's best".split()
)
# The words that name a reference number: a clause of such words and the number ("(ticket 1002)", "Case 5029.")
_REFERENCE_WORDS = frozenset(
    "ticket case order ref reference invoice booking confirmation transaction receipt claim incident request id "
    "tracking account policy membership customer number".split()
)
_HAS_DIGIT = re.compile(r"\S*\d\S*")


# Stop words that make a complaint of contact details: "no email from <EMAIL> yet", "still no call to <PHONE>"
_SAYS_SOMETHING = frozenset("no not never nothing none yet still again without cannot can't won't didn't".split())


def said_nothing(texts: Sequence[str]) -> np.ndarray:
    """Whether each text only hands over redacted contact details ("my email is <EMAIL>, card <CARD>.") or a
    reference number ("(ticket 1002)", "Case 5029."): no complaint, however near the complaints around it its vector
    sits (13 such clauses were complaints, and "card" named a contact centre pain point; with the batch profile's
    clauses 67 of 245 mentions were reference numbers, and "ticket" and "case" named pain points)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    def empty(text: str) -> bool:
        if "<" in text and PLACEHOLDER.search(text) is not None:
            words = re.findall(r"[a-z][a-z'’-]*", PLACEHOLDER.sub(" ", text).lower())
            return all((w in _CONTACT_WORDS or w in STOP_WORDS) and w not in _SAYS_SOMETHING for w in words)
        if not any(c.isdigit() for c in text):
            return False
        words = re.findall(r"[a-z][a-z'’-]*", _HAS_DIGIT.sub(" ", text).lower())  # "XJ-4471-QZ" is the number
        named = any(w in _REFERENCE_WORDS for w in words)  # "0/10" alone is a verdict, not a reference
        return named and all(
            (w in _REFERENCE_WORDS or w in _CONTACT_WORDS or w in STOP_WORDS) and w not in _SAYS_SOMETHING
            for w in words
        )

    return np.fromiter((empty(t) for t in texts), dtype=bool, count=len(texts))


# A clause that says there is no complaint: "no complaints", "can't fault them", "not a single problem"
_NOUNS = r"(complaints?|grumbles?|gripes?|moans?|quibbles?)"
_TROUBLES = r"(problems|issues|faults|hiccups|troubles)"
_CANT = r"(can ?not|can'?t|could ?n'?t|could not)"
_PUNCTUATION = r"($|[.,;:!)…\-–—])"
# What may follow a "no complaints": nothing, the words that scope it or stress it ("at all", "with the food")
_AFTER_NOUN = (
    rf"(?=\s*({_PUNCTUATION}|(at all|whatsoever|whatever|here|there|from|about|with|regarding|re|on|in|for|of|"
    r"since|so far|this time|today|overall|really|honestly|either|and|thanks|thank|"
    r"to (report|mention|speak of|note|raise|make))\b))"
)
# What may follow a "can't complain": not "to", "on" or "because" (unable to complain is a complaint)
_AFTER_VERB = (
    rf"(?=\s*({_PUNCTUATION}|(at all|really|here|there|about|with|so far|overall|honestly|either|and|thanks|thank|"
    r"one bit|in any way)\b))"
)
_FAULT_OBJECT = r"( (it|them|him|her|this|that|anything|anyone|(the|their|his|her|our|my|your|this) \w+))?"
# A word every NO_COMPLAINT phrase holds: a text without one says no such thing (substring tests first: ~1 us a text,
# where the phrases' regular expressions took 10 and an IGNORECASE alternation of these words 7)
_CUES = ("complain", "grumbl", "gripe", "moan", "quibbl", "problem", "issue", "fault", "hiccup", "troubl", "hitch",
         "hassle")  # fmt: skip
NO_COMPLAINT = re.compile(
    "|".join(
        (
            rf"\b(no|zero) {_NOUNS}{_AFTER_NOUN}",
            rf"\bno {_TROUBLES}{_AFTER_NOUN}",
            rf"\bnot (a single|one) (complaint|problem|issue|fault|hiccup|hitch){_AFTER_NOUN}",
            rf"\b(never (had|encountered|experienced)|did ?n'?t (have|get|encounter|experience)|did not (have|get|"
            rf"encounter|experience)|(have|has) ?(n'?t| not) (had|encountered|experienced)) any "
            rf"({_NOUNS}|problems?|issues?|faults?|trouble){_AFTER_NOUN}",
            rf"\bwithout (a (single )?(hitch|hiccup|problem|issue)|any (problems?|issues?|hassle|hiccups?|trouble))"
            rf"{_AFTER_NOUN}",
            rf"\bnothing( at all)? to (complain|grumble|moan) (about|of){_AFTER_NOUN}",
            rf"\bnothing( at all)? to fault{_AFTER_VERB}",
            rf"\b{_CANT} (really |honestly |possibly )?(complain|grumble|moan){_AFTER_VERB}",
            rf"\b{_CANT} (really |honestly |possibly )?fault{_FAULT_OBJECT}{_AFTER_VERB}",
        )
    ),
    re.IGNORECASE,
)

# Words that say something besides "no complaint": a turn ("but", "except", "until"), a negation of something else
# ("no refund", "never came"), someone else's word ("they said"), an unmet hope ("should", "supposed"), a repeat
_TURNS = frozenset(
    "but except excepting apart besides other otherwise although though however yet only until till unless if whereas "
    "while because before anymore instead despite unfortunately sadly shame pity wish should supposed expected meant "
    "no not never nothing none nobody nowhere neither nor without cannot cant still again "
    "said says say told tell tells telling promised promise promises assured claimed claims insisted apparently "
    "supposedly allegedly".split()
)
_NOT = re.compile(r"\b(ai|are|ca|could|did|does|do|had|has|have|is|might|must|need|sha|should|was|were|wo|would)n'?t\b")
_SCOPE_END = re.compile(r"[.,;:!?…()\-–—]")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")  # the punctuation around what follows a phrase
_VERB = frozenset("was were is are be been being has have had got gets get did does do will would could can".split())
# A phrase that names what it is about, not the clause as a whole: "no complaints about the staff", "no issues with
# my card", "can't fault the driver" (not "with it", "about anything", "can't fault this place")
_ABOUT_SOMETHING = re.compile(
    r"^\s*(about|with|regarding|re|concerning) (?!(it|them|this|that|these|those|anything|everything|any of it)\b)\w",
    re.IGNORECASE,
)
_FAULT_SOMEONE = re.compile(r"\bfault (the|their|his|her|our|my|your) \w+$", re.IGNORECASE)


def _scopes(text: str) -> list[tuple[int, int, str]]:
    """Each no-complaint phrase of `text`: where it starts, where it ends, and what it scopes, the words after it up
    to the next punctuation ("about the food")."""
    out = []
    for m in NO_COMPLAINT.finditer(text):
        scope = _SCOPE_END.split(text[m.end() :], maxsplit=1)[0]
        out.append((m.start(), m.end(), scope))
    return out


def what_follows(text: str) -> str:
    """What a clause says after its first no-complaint phrase, its phrases and what they scope taken out: "no
    complaints about the food, the room was filthy" -> "the room was filthy"; "" where nothing follows."""
    text = text.replace("’", "'")
    scopes = _scopes(text)
    if not scopes:
        return ""
    pieces, at = [], scopes[0][0]
    for start, end, scope in scopes:
        pieces.append(text[at:start])
        at = end + len(scope)
    pieces.append(text[at:])
    return _EDGES.sub("", " ".join(pieces))


def what_precedes(text: str) -> str:
    """What a clause says before its first no-complaint phrase where that phrase names what it is about: "The room
    was filthy, no complaints about the staff" -> "The room was filthy"; "" where the phrase is bare ("Refund arrived
    within a week, no complaints", "..., no issues with it"), since a bare phrase is a verdict on what precedes it."""
    text = text.replace("’", "'")
    scopes = _scopes(text)
    if not scopes:
        return ""
    start, end, scope = scopes[0]
    if _ABOUT_SOMETHING.match(scope) is None and _FAULT_SOMEONE.search(text[start:end]) is None:
        return ""
    return _EDGES.sub("", text[:start])


def said_no_complaint(texts: Sequence[str], complaint: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
    """Whether each text says there is no complaint ("Refund arrived within a week, no complaints") and nothing
    besides that could be one. `complaint` (a detector's reading: texts in, whether each is a complaint) reads what
    follows the phrase (`what_follows`) and what precedes one that names what it is about (`what_precedes`), so
    "can't fault the staff, the room was filthy" and "The room was filthy, no complaints about the staff" are not
    dropped; without it, the words alone decide."""

    def only_praise(text: str) -> bool:
        low = text.lower()
        if not any(cue in low for cue in _CUES):  # every NO_COMPLAINT phrase names one of these: most texts stop here
            return False
        text = text.replace("’", "'")
        if "?" in text or OUTRIGHT.search(text) is not None:
            return False
        scopes = _scopes(text)
        if not scopes:
            return False
        for _, _, scope in scopes:  # "not a single problem with my account was fixed": the phrase is a verb's subject
            if any(w in _VERB for w in re.findall(r"[a-z']+", scope.lower())):
                return False
        rest = NO_COMPLAINT.sub(" ", text).lower()
        return _NOT.search(rest) is None and not any(w in _TURNS for w in re.findall(r"[a-z']+", rest))

    said = np.fromiter((only_praise(t) for t in texts), dtype=bool, count=len(texts))
    if complaint is None:
        return said
    dropped = [(i, text) for i, text in enumerate(texts) if said[i]]
    parts = [(i, part) for i, text in dropped for part in (what_follows(text), what_precedes(text)) if part]
    if parts:
        read = complaint([part for _, part in parts])
        said[[i for (i, _), is_complaint in zip(parts, read, strict=True) if is_complaint]] = False
    return said


def complaint_parts(texts: Sequence[str]) -> list[str]:
    """Per text, what a clause that the words alone call no complaint says besides its phrase (`what_precedes`,
    `what_follows`), "" for any other: where the detector kept such a clause, its complaint is there, and the
    phrase's words would map it to what it praises ("can't fault the driver, my order was wrong")."""
    said = said_no_complaint(texts)
    return [
        ", ".join(part for part in (what_precedes(text), what_follows(text)) if part) if dropped else ""
        for text, dropped in zip(texts, said, strict=True)
    ]
