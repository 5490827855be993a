"""Postal codes beyond the one after a street (pii.py `_ADDRESS`): a UK postcode alone, in capitals ("LS6 2AB") and as
customers type it, in lower or mixed case and unspaced ("m11ae", "Sw1a1aa", "e16up"), and a US ZIP code after a state
or "zip", or alone as the answer to a line asking for one ("What's your zip code?\nCustomer: 90210").

Unspaced, a postcode is taken where it is a whole token of a real postcode's shape: one of the UK's postcode areas,
its district, then an inward code whose letters are never C, I, K, M, O or V. No product code, model or chat word of
those tried fits it ("A380", "MP3", "COVID19", "B2B", "4K", "PS5", "iPhone15", "AB12345"; "h265hd": H is no area).
Spaced in lower case it needs a cue before it ("postcode", "address", "deliver to", "live at", a street): there the
shape alone is chat-speak ("see you b4 2nd" reads as Birmingham's B4 2ND); the line before asking for a postcode or an
address is such a cue ("Agent: Can I take your postcode?\nCustomer: ls6 2ab"). In capitals, spaced or not, a real area
is needed too, as the shape alone is a product's model ("The F150XL", "X100VI", "RX100VA", "PS5 1TB", "GT40 1AA"),
but not after the word "postcode" or "zip code", nor as the answer to a line asking for a postcode or an address: a
made-up or mistyped postcode is still the customer's. The cue words are one list for all these rules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from miner.segment.identifiers import ASKS

if TYPE_CHECKING:
    from miner.ingest.records import Turn

_AREAS = (
    "AB|AL|B|BA|BB|BD|BF|BH|BL|BN|BR|BS|BT|BX|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL|DN|DT|DY|E|EC|EH|EN|EX|"
    "FK|FY|G|GL|GU|GY|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|JE|KA|KT|KW|KY|L|LA|LD|LE|LL|LN|LS|LU|M|ME|MK|ML|N|NE|NG|NN|"
    "NP|NR|NW|OL|OX|PA|PE|PH|PL|PO|PR|RG|RH|RM|S|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|TA|TD|TF|TN|TQ|TR|TS|TW|UB|"
    "W|WA|WC|WD|WF|WN|WR|WS|WV|YO|ZE"
)
# the lookahead first: the areas' alternation tried at every word's start took six times as long over a corpus
_OUTWARD = rf"(?=[A-Z]{{1,2}}\d)(?:{_AREAS})\d[A-Z\d]?"
_INWARD = r"\d[ABD-HJLNP-UW-Z]{2}"
# a whole token: not part of a handle, a path, a file name or a longer code
UK_UNSPACED = re.compile(rf"(?<![\w./@#-]){_OUTWARD}{_INWARD}(?![\w@/-]|\.\w)", re.IGNORECASE)
UK_SPACED = re.compile(rf"(?<![\w./@#-]){_OUTWARD}[ \t]{_INWARD}(?![\w@/-]|\.\w)", re.IGNORECASE)
# in capitals, whatever the area: pii.py `_ADDRESS` takes it after a street, `UK_CAPITALS` alone (`real_or_named`)
POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
UK_CAPITALS = re.compile(rf"\b{POSTCODE}\b")
_REAL = re.compile(rf"{_OUTWARD}\s?{_INWARD}")
# The cues, one list for all the rules here: words that name a postcode or a ZIP code, an address (not an email's), a
# delivery's destination, a place ("moved to", "live at", a street). In capitals the code needs the word for a
# postcode itself or a question for one: beside the others it is as often a model ("change the delivery address for
# my PS5 1TB", "I drive the F150XL"). A bare "zip" names a ZIP code before its digits or in a question; before a
# postcode's shape it is as often a coat's ("the zip on the T5 2XL").
_POSTCODE_WORDS = r"post[ \t]?codes?|postal[ \t]+codes?|zip[ \t]*codes?"
_ZIP_WORDS = r"zip(?:[ \t]*codes?)?"
_ADDRESS_WORDS = r"(?<!mail[ \t])address"
_DESTINATIONS = r"deliver(?:ed|y)?[ \t]+to|ship(?:ped)?[ \t]+to|sen[dt][ \t]+to"
_PLACES = r"moved[ \t]+to|lives?[ \t]+(?:at|in)|street|road|lane|avenue|close|crescent|terrace|drive"
_CUE = re.compile(
    rf"\b(?:{_POSTCODE_WORDS}|{_ADDRESS_WORDS}|{_DESTINATIONS}|{_PLACES})\b[^.!?\n]{{0,40}}\Z", re.IGNORECASE
)
# "postcode" in the same turn or in the question this answers: "the billing postcode?\nCustomer: 4417, and KL4 9RT"
_NAMED = re.compile(rf"\b(?:{_POSTCODE_WORDS})\b[^\n]{{0,40}}\n?[^\n]{{0,40}}\Z", re.IGNORECASE)


def _asking_for(words: str) -> re.Pattern[str]:
    """A question for one of `words`: the word in its line's last sentence, near its end ("what's the postcode
    please?", "Can I take the first line of your address?")."""
    return re.compile(rf"\b(?:{words})\b[^.!?\n]{{0,30}}[.!?]?[ \t]*\Z", re.IGNORECASE)


_ASKED = _asking_for(f"{_POSTCODE_WORDS}|{_ZIP_WORDS}|{_ADDRESS_WORDS}")
# not "postcode?": no UK postcode is five digits, so five digits that answer one are likelier an order's number
_ASKED_FOR_A_ZIP = _asking_for(_ZIP_WORDS)
# A US ZIP code after a state's code or after "zip" ("Austin, TX 78701", "zip 90210", "zip code's 90210-1234"), or
# alone in answer to a line asking for one (`a_zip`): alone, five digits are an order's number as often as not. Only
# the number is taken
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|"
    "RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
ZIP = re.compile(
    rf"(?:\b(?:{_US_STATES}),?[ \t]+|\b(?i:{_ZIP_WORDS})(?:[ \t]*(?i:is|was|['’]s))?[ \t]*[:#=-]?[ \t]*"
    r"|(?<![\w.,/#£$€-]))(\d{5}(?:-\d{4})?)(?!\w|[.,/-]\d)"
)


def _answers_a_question(text: str, start: int, asked_for: re.Pattern[str] = _ASKED) -> bool:
    """Whether `text[start]` is in the first 60 characters of a line whose line before asks for a postcode: the
    customer's answer to the agent's question ("Customer: it's sw1a 1aa"), which the cue's search stops before."""
    line = text.rfind("\n", 0, start)
    if line < 0 or start - line > 60:
        return False
    line_before = text.rfind("\n", 0, line) + 1
    if (asked := asked_for.search(text, line_before, line)) is None:
        return False
    sentence = re.split(r"[.!?]\s+", text[line_before : asked.start()])[-1] + asked[0]
    return ASKS.search(sentence) is not None  # "Can I take", "what's", a question mark


def after_a_cue(match: re.Match[str]) -> tuple[int, int] | None:
    """A spaced postcode in lower case is taken after a cue in the 60 characters before it, or in answer to the line
    before."""
    text, start = match.string, match.start()
    return match.span() if _CUE.search(text, max(0, start - 60), start) or _answers_a_question(text, start) else None


def real_or_named(match: re.Match[str]) -> tuple[int, int] | None:
    """A capital postcode alone is taken in a real area; in any, after "postcode" or "zip code" in the 80 characters
    before it, or in answer to the line before ("What's the address for delivery?\nCustomer: ZZ9 9ZZ")."""
    text, start = match.string, match.start()
    if _REAL.fullmatch(match.group(0)) or _NAMED.search(text, max(0, start - 80), start):
        return match.span()
    return match.span() if _answers_a_question(text, start) else None


def a_zip(match: re.Match[str]) -> tuple[int, int] | None:
    """A ZIP code's digits after a state's code or "zip", or alone in answer to a line asking for a ZIP code ("What's
    your zip?\nCustomer: 90210")."""
    named = match.start(1) > match.start()
    return match.span(1) if named or _answers_a_question(match.string, match.start(), _ASKED_FOR_A_ZIP) else None


# the rules that read the line before, which a turn redacted on its own has lost
_ANSWERS = ((UK_SPACED, after_a_cue), (UK_CAPITALS, real_or_named), (ZIP, a_zip))


def answered_postcodes(turns: Sequence[Turn]) -> list[str]:
    """The postcodes and ZIP codes a turn gives, named or in answer to the turn before: a turn redacted on its own (one
    its reader cleaned, not found in the record's text) has lost the question, so these are found in it by value, as
    they are where the agent reads one back ("Delivery to 94110 is $3.99")."""
    values: list[str] = []
    for asked, said in pairwise(turns):
        pair = f"{asked.text}\n{said.text}"
        for pattern, check in _ANSWERS:
            spans = [check(m) for m in pattern.finditer(pair, len(asked.text) + 1)]
            values += [pair[span[0] : span[1]] for span in spans if span]
    return values
