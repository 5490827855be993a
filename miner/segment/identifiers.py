"""A customer's identifier said bare: an account number, a meter serial, a membership or policy number given as the
answer to an agent who asked for it ("Agent: Can I take your account number? / Customer: 40718823"), or named in
the same clause ("meter serial K12A 04553", "my MPAN is 1200023456789"). Alone such a value has no shape of its own
(an order number, a flight, a price look the same), so it is taken only on one of these cues, as `<ACCOUNT>`.
Order, booking and ticket references stay, as the project's policy keeps them (docs/guide/input.md)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from miner.ingest.records import Turn
    from miner.segment.pii import Span

# A number that a word before it names as an order's or a ticket's ("Order number 4829173650 never arrived"): no
# phone number, and support needs it to find the order (it was stored as "Order number <PHONE>")
_REFERENCE_BEFORE = re.compile(
    r"\b(?:order|ticket|case|ref|reference|invoice|booking|tracking|confirmation|transaction|receipt|claim|incident|"
    r"consignment|parcel|shipment)(?:[ \t]*(?:number|no\.?|num|id|ref))?[ \t]*(?:is|was|[:=#])?[ \t]*#?[ \t]*\Z",
    re.IGNORECASE,
)
# Codes that name a thing or a report, not a customer: "flight DL4047", "voucher SAVE2024", "Bag Tag no. DL854731",
# "claim report 1320127", "conf # G7594X" (airline customers' words for a booking's or a lost bag's reference)
_THING_BEFORE = re.compile(
    r"\b(?:flights?|flt|seat|gate|terminal|room|model|version|item|product|sku|part|voucher|promo|coupon|discount|"
    r"code|complaint|report|tag|bag|conf|pnr|locator|message)"
    r"[ \t]*(?:number|no\.?|code)?[ \t]*(?:is|was|[:=#])?[ \t]*#?[ \t]*\Z",
    re.IGNORECASE,
)
_NUMBER = r"(?:number|no\.?|num|id|ref(?:erence)?|#)"
# What an agent asks for and a customer names: "account/customer/membership/policy number", "meter serial", "serial
# number", "MPAN"; not "account" alone ("miles post to your account"), nor "reference number", an order's or a
# booking's. The lookahead of their first letters halves the time the pattern takes over a text.
ID_NAME = (
    r"(?=[acdfklmnprs])(?:(?:account|acct|a/c|customer|membership|member|policy|loyalty(?:[ \t]+card)?"
    r"|rewards?(?:[ \t]+card)?|frequent[ \t-]?fl[yi]er|passport|(?:driving[ \t]+)?licen[cs]e|patient|nhs"
    rf"|known[ \t]+travell?er|redress|supply)[ \t]+{_NUMBER}"
    r"|meter(?:[ \t]+serial)?[ \t]+(?:number|no\.?|id)|meter[ \t]+serial|serial(?:[ \t]+(?:number|no\.?))?"
    r"|s/n|mpan|mprn)"
)
# A run of 6 to 20 digits, or a serial of letters and digits ("K12A 04553"): each part holds a digit, parts apart by
# one space or dash; not a decimal's or a price's part ("1250000.00", "£1250000"), a time's ("10:30") nor a handle
ID_VALUE = (
    r"(?<![\w£$€¥.,/@])(?<!\d[:-])(?:[A-Za-z]{1,4}-)?[A-Za-z]*\d[A-Za-z0-9]*(?:[ -][A-Za-z]*\d[A-Za-z0-9]*)*"
    r"(?![\w£$€¥@/-]|[.,:]\d)"
)
_ID_VALUE = re.compile(ID_VALUE)
# A card's or a scheme's number named without "number": "my Nectar card 9826 3341 2290 1187", "Avios membership
# 12345678", "my ID: 88231177". Only a digit run, six digits or more (`identifier_like`): "graphics card RTX4090" is a
# product, and a quantity stays ("membership for 12 months", "3 loyalty points", "rewards 250000 points")
CARD_OR_SCHEME_ID = re.compile(
    r"\b(?:(?:club)?card|membership|member(?:[ \t]+id)?|loyalty(?:[ \t]+id)?|rewards?|(?:my|your)[ \t]+id)"
    r"[ \t]*(?:is|was|:|-|=)?[ \t]*#?[ \t]*((?<![\w£$€¥.,/@])\d+(?:[ -]\d+)*(?![\w£$€¥@/-]|[.,:]\d))",
    re.IGNORECASE,
)
# An amount, a measure or a count after the number: "250000 points", "120000 miles", "1500 mAh"
_UNIT_AFTER = re.compile(
    r"[ \t]*(?:%|percent|pounds?|quid|pence|dollars?|bucks|euros?|gbp|usd|eur|points?|pts|miles?|kms?"
    r"|kilomet(?:re|er)s?|met(?:re|er)s?|minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|weeks?|months?|years?|items?|pieces?|units?"
    r"|people|times|kwh|kw|mbps|gbps|mb|gb|tb|kg|g|lbs?|ml|l)\b",
    re.IGNORECASE,
)
# A whole value that is no identifier: a date ("15-03-2024", "16 2018"), a season ("2017-18"), a Boeing ("737-800")
_NOT_ID = re.compile(
    r"\d{1,2}[ -]\d{1,2}[ -](?:19|20)?\d\d|(?:19|20)\d\d[ -]\d{1,2}(?:[ -]\d{1,2})?|\d{1,2}[ -](?:19|20)\d\d"
    r"|7[0-8]7[ -]\d00"
)
# A part that makes the whole no serial: a measure ("1500mah", "1080p", "90min", "25k"), a size ("50x18x18"), a
# date or a time ("Oct24", "25th", "19h50"), a flight ("DL4102", "U21234": an airline's two characters and up to four
# digits; "flight1287", "flt1865")
_NOT_SERIAL = re.compile(
    r"\d+[a-z]{1,4}|\d+x\d+(?:x\d+)?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\d+|\d{1,2}h\d\d"
    r"|(?:[a-z]{2}|[a-z]\d|\d[a-z])\d{1,4}|fl(?:igh)?t\d+",
    re.IGNORECASE,
)
# An agent's sentence that asks: a question, or a request ("please", "can I take", "confirm", "DM us")
ASKS = re.compile(
    r"\?|\b(?:please|pls|can|could|may|would|what|what's|which|confirm|provide|give|tell|send|share|dm|need|read)\b",
    re.IGNORECASE,
)
_ASKS_FOR_ID = re.compile(rf"\b(?:{ID_NAME})(?!\w)", re.IGNORECASE)
# A money amount, which the number patterns read as an account's or a phone's digits ("charged 1234567.89" was
# "charged <ACCOUNT>.89" or "<PHONE>"): decimals ("1 234 567.89", "1234567,89"), thousands separators
# ("1,234,567", "1.234.567,89"), or a currency beside it ("£1234567", "USD 1234567", "1234567 GBP")
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d[\d ]*[.,]\d{1,2}")
_CODES = r"gbp|usd|eur|aud|cad|nzd|chf|inr|jpy|rs"
_CURRENCY_BEFORE = re.compile(rf"(?:[£$€¥₹]|\b(?:{_CODES})\.?)[ \t]?-?\Z", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    rf"[ \t]?(?:[£$€¥₹]|(?:{_CODES}|pounds?|quid|pence|dollars?|bucks|euros?|cents?|rupees?|yen)\b)", re.IGNORECASE
)


def _in_number(text: str, i: int) -> bool:
    """Whether `text[i]` is a digit, or a point or a comma between two."""
    if not 0 <= i < len(text):
        return False
    return text[i].isdigit() or (text[i] in ".," and text[i - 1 : i].isdigit() and text[i + 1 : i + 2].isdigit())


def an_amount(text: str, start: int, end: int) -> bool:
    """Whether the digits at `text[start:end]` are (part of) a money amount: the whole number they stand in, taken
    over its decimal point and separators, has an amount's shape, or a currency stands just before or after it."""
    while _in_number(text, start - 1):
        start -= 1
    while _in_number(text, end):
        end += 1
    if _AMOUNT.fullmatch(text, start, end):
        return True
    return bool(_CURRENCY_BEFORE.search(text, max(0, start - 5), start) or _CURRENCY_AFTER.match(text, end))


def a_reference(text: str, start: int) -> bool:
    """Whether a word just before `start` names the number there as an order's, a ticket's or a booking's."""
    return _REFERENCE_BEFORE.search(text, max(0, start - 40), start) is not None


def identifier_like(text: str, start: int, end: int) -> bool:
    """Whether an `ID_VALUE` found at `text[start:end]` reads as an identifier: 6 digits or more, or 4 or more with
    letters among them; not a date, an amount, a measure ("12 Mbps", "250000 points"), a reference or a thing's code."""
    value = text[start:end]
    digits = sum(ch.isdigit() for ch in value)
    if digits < 4 or (digits < 6 and not any(ch.isalpha() for ch in value)) or digits > 20:
        return False
    if _NOT_ID.fullmatch(value) or any(_NOT_SERIAL.fullmatch(part) for part in re.split(r"[ -]", value)):
        return False
    if _UNIT_AFTER.match(text, end) or an_amount(text, start, end):
        return False
    if text[start - 1 : start] == "#" and any(ch.isalpha() for ch in value):
        return False  # a hashtag ("#acrdallas2017")
    return not (a_reference(text, start) or _THING_BEFORE.search(text, max(0, start - 30), start))


def asks_for_id(text: str) -> bool:
    """An agent's turn with a sentence that asks for an account, a membership, a policy number or a meter serial."""
    return any(_ASKS_FOR_ID.search(s) and ASKS.search(s) for s in re.split(r"(?<=[.!?])\s+", text))


def answered_ids(turns: Sequence[Turn]) -> list[str]:
    """The identifiers customers gave when an agent had asked for one: in each customer turn up to the agent's next."""
    values: list[str] = []
    asked = False
    for turn in turns:
        if turn.speaker != "customer":
            asked = asks_for_id(turn.text)
        elif asked:
            values += [m.group(0) for m in _ID_VALUE.finditer(turn.text) if identifier_like(turn.text, *m.span())]
    return values


def with_answers(text: str, spans: list[Span], values: Sequence[str], label: str = "ACCOUNT") -> list[Span]:
    """`spans` and every place in `text` where one of `values` stands, spaced or dashed as it may be: the agent's
    reading it back too. Such a value read as a phone number ("7731 0042 9981") is an account's (or `label`'s)."""
    out = list(spans)
    for value in values:
        chars = re.sub(r"[ -]", "", value)
        pattern = r"[ -]?".join(map(re.escape, chars))
        for m in re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", text, re.IGNORECASE):
            if an_amount(text, *m.span()):
                continue  # the account's digits inside an amount ("1234567.89")
            over = [s for s in out if m.start() < s[1] and s[0] < m.end()]
            if all(s[2] == "PHONE" and m.start() <= s[0] and s[1] <= m.end() for s in over):
                out = [s for s in out if s not in over] + [(m.start(), m.end(), label)]
    return sorted(out)
