"""Complaints said in so many words: a wait that has not ended, a thing that has not come, a charge made twice.

Short complaints carry little for an encoder to read ("still waiting", "no refund yet", "on hold for 50 minutes"),
and on an industry the seeds never covered they score just under the corpus's threshold. A clause that says one
of these outright is a complaint at the corpus's threshold, whatever its score (`ComplaintDetector.lift`).

The patterns were written from the complaint types of issue 18 (late, unreachable, not refunded, overcharged),
before reading any dev set's errors; on the dev sets and the airline support turns they fire rarely and, where
they changed a decision, rightly (docs/lab/detector.md, "Rules beyond the mixture"). No negation or sarcasm
handling: each pattern is itself the complaint, so "not" cannot turn it round.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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
