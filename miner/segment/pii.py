"""PII redaction before anything is stored or embedded. Two layers: patterns (emails, spelt-out emails, phone
numbers, Luhn-checked card numbers, IBANs, US social security and UK National Insurance numbers, street addresses,
IPv4 addresses, account numbers, dates of birth and sort codes after their name, UK number plates named as one,
a customer's identifiers said bare: identifiers.py)
and, for person names, Microsoft Presidio's NER on the project's spaCy model
(miner/segment/presidio.py, loaded lazily).
Placeholders keep the sentence readable; ids and file names take keyed tokens (`pseudonym`) so they stay unique."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from miner.segment.foreign import cued_names, name_language
from miner.segment.identifiers import CARD_OR_SCHEME_ID, ID_NAME, ID_VALUE, a_reference, an_amount, identifier_like
from miner.segment.namefilter import is_given_name
from miner.segment.postal import POSTCODE, UK_CAPITALS, UK_SPACED, UK_UNSPACED, ZIP, a_zip, after_a_cue, real_or_named

if TYPE_CHECKING:
    from miner.ingest.records import Record

Span = tuple[int, int, str]  # start, end, label (one of LABELS)
LABELS = ("PERSON", "EMAIL", "PHONE", "CARD", "IBAN", "SSN", "NINO", "ADDRESS", "ACCOUNT", "DOB", "SORT_CODE", "PLATE",
          "IP")  # fmt: skip

# What redaction puts in place of a value: "<EMAIL>", or a keyed token "<PHONE:3f0c1a9be2d41a7e>" (`pseudonym`)
PLACEHOLDER = re.compile(r"<[A-Z_]+(?::[0-9a-f]{16})?>")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_CARD = re.compile(r"\b(?:\d[ .-]?){12,18}\d\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_IBAN_ANY_CASE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
# US social security numbers: 123-45-6789 (never 000, 666 or 9xx first), or nine digits after "SSN".
_SSN = re.compile(
    r"\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b"
    r"|(?<=\bssn)[:#\s]*\d{9}\b|(?<=social security number)[:#\s]*\d{9}\b",
    re.IGNORECASE,
)
# UK National Insurance numbers: AB 12 34 56 C, ab123456c.
_NINO = re.compile(r"\b[A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-D]\b", re.IGNORECASE)
_PHONE = re.compile(
    r"(?<![\w])(?<!\d[ .-])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,5}\)[ .-]?)?"
    r"\d{3,5}[ .-]?\d{3,4}(?:[ .-]?\d{2,4})?(?![\w])(?![ .-]\d)"
)
# UK numbers the generic pattern misses: +44 (0)20 7946 0958, 020 7946 0958, 0161 496 0754, 07700 900 123.
_UK_PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?\(0\)\s?|\+44\s?|0)(?:\d{2}\s?\d{4}\s?\d{4}|\d{3}\s?\d{3}\s?\d{4}|\d{4}\s?\d{3}\s?\d{3,4}"
    r"|\d{4}\s?\d{6})(?!\d)"
)
_STREET_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Place|Pl|Crescent|Cres|Terrace|Gardens|"
    r"Grove|Boulevard|Blvd|Hill|Square|Sq|Park|Mews|Row|Walk|Parade|Rise|View|Green|Highway|Hwy|Parkway"
)
# "Flat 4, 27 Mill Road, Leeds LS6 2AB", "221B Baker Street", "1600 Pennsylvania Avenue NW" (a postcode alone: postal)
# A town follows on the same line and not after a full stop: "at 22 Mill Lane. Would you like..." keeps "Would".
_ADDRESS = re.compile(
    r"(?:\b(?:Flat|Apartment|Apt|Unit|Suite)\s+\d+[A-Za-z]?,?\s+)?\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}"
    rf"(?:{_STREET_TYPES})\b(?:\.(?=,))?(?:,?[ \t]+(?:[A-Z][a-z]+)(?:[ \t]+[A-Z][a-z]+)?)?(?:,?[ \t]+{POSTCODE}\b)?"
)
# An account, customer, membership or policy number after its name: "my account number is 4482913", "policy no.
# PL-2231987", "acct #77120934". Only the value is taken (`_is_account`: five digits or more), so the sentence reads
# "my account number is <ACCOUNT>". Ids keep it (`pseudonymise`): there it is the key `forget --customer` is given.
_ACCOUNT = re.compile(
    r"\b(?:(?:account|acct|a/c)(?:\s+(?:number|no\.?|num|id))?|(?:customer|membership|member|policy)\s+"
    r"(?:number|no\.?|num|id|ref(?:erence)?))\s*(?:is\s+|was\s+|:\s*|-\s*)?#?\s*"
    r"([A-Z]{0,4}[-/]?\d+(?:[- ]\d{3,})*)(?![\w@])",
    re.IGNORECASE,
)
# A customer's identifier after its name in the same clause, as `_ACCOUNT` does not take it: a serial of letters and
# digits ("account number K12A04553"), a meter's ("meter serial K12A 04553", "the serial on the meter is ..."), an
# MPAN ("my MPAN is 1200023456789"): miner/segment/identifiers.py
_NAMED_ID = re.compile(
    rf"\b(?:{ID_NAME})(?:[ \t]+(?:on|of|for)[ \t]+(?:the|my|our|your)[ \t]+\w+)?[ \t]*(?:is|was|:|-|=)?[ \t]*"
    rf"(?:it'?s[ \t]+)?#?[ \t]*({ID_VALUE})",
    re.IGNORECASE,
)
# A date after "DOB", "date of birth" or "born on": "DOB 14/02/1987", "date of birth: 3 March 1990". Only the date
# is taken, so the sentence reads "DOB <DOB>"; a date alone is no personal data.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = (
    rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
)
_DOB = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|born\s+on)\s*(?:is\s+|was\s+|:\s*|-\s*)?({_DATE})(?!\d)",
    re.IGNORECASE,
)
# A UK bank sort code after its name: "sort code 20-00-00", "sort code: 200000".
_SORT_CODE = re.compile(r"\bsort\s*code\s*(?:is\s+|:\s*)?(\d{2}[- ]?\d{2}[- ]?\d{2})(?![\d-])", re.IGNORECASE)
# An email written out to fool spam bots: "john dot smith at gmail dot com", "john.smith [at] gmail [dot] com". It
# must spell out "dot" or bracket "at" (`_is_obfuscated`): "we booked at expedia.com" is no email.
_SPELT_DOT = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+|\.)"
_SPELT_AT = r"(?:\s*[\[({]\s*at\s*[\])}]\s*|\s+at\s+)"
_SPELT_EMAIL = re.compile(
    rf"\b[a-z0-9][\w+-]*(?:{_SPELT_DOT}[\w+-]+)*{_SPELT_AT}[a-z0-9][\w-]*(?:{_SPELT_DOT}[\w-]+)*{_SPELT_DOT}"
    r"(?:com|net|org|co|uk|io|edu|gov|ie|info|me|us|ca|au|de|fr|in)\b",
    re.IGNORECASE,
)
# A current UK vehicle registration in capitals ("AB12 CDE", "AB12CDE": two letters, the age digits, three letters)
# named as one in the words before it (`_is_plate`: "reg", "plate", "registration", "car", "van", "vehicle"): alone
# the shape is a flight and an airport ("BA92 YYZ-LHR", 23 times in the airline file) or a booking reference.
_PLATE = re.compile(r"\b[A-Z]{2}\d{2} ?[A-HJ-PR-Z]{3}\b")
_PLATE_CUE = re.compile(r"\b(?:reg|registration|plates?|car|van|vehicle|motorbike|taxi|cab)\b[^.!?\n]{0,25}\Z", re.I)
# An IPv4 address (each part 0-255); not a version number ("v1.2.3.4", "version 10.0.0.1").
_IP = re.compile(
    r"(?<![\w.])(?<!version )(?<!v)(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?![\w.]?\d)",
    re.IGNORECASE,
)
# ... not a distance or a time: "a 10 minute walk", "the 20 minute drive", "a 2 mile drive" are no addresses
_MEASURE = (
    r"(?:minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|weeks?|months?|years?|miles?|kms?|kilomet(?:re|er)s?"
    r"|met(?:re|er)s?|blocks?|yards?|feet|foot|steps?|stops?)"
)
# Written in lower case, only the street types that are no everyday word: "0 stars no way", "1 empty row of seats",
# "2 kids walk home", "a 4 wheel drive" and an error's "1 more row" were taken for addresses and lost
_LOWER_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|boulevard|blvd|crescent|cres|terrace|mews|parade|parkway|highway|hwy|gardens"
)
_ADDRESS_LOWER = re.compile(rf"\b\d{{1,5}}[a-z]?\s+(?!{_MEASURE}\b)(?:[a-z]+\s+){{1,2}}(?:{_LOWER_STREET_TYPES})\b")


# Any other run of 9 to 15 digits with single spaces, dashes, dots or brackets between them: 07700.900.123,
# +1-415-555-0132, 447700900123 (a phone number that a spreadsheet kept as a number).
_PHONE_ANY = re.compile(r"(?<![\w.+-])(?:\+|\(\+?)?\d(?:(?:[ .-]|\) ?| ?\()?\d){8,16}(?![\w:])")
# Dates, times and amounts that have enough digits to look like a phone number.
# An agent signing a turn with initials or a first name ("... on its way. *TMT", "^Lisa", "^Linda W.", "-Sara"),
# as support teams on social media do: a staff member's name or pseudonym, at the end of an agent turn (`__rep>` in
# the markup of tweet threads, after a "2/2" counter or not) or of a line; a caret may follow a full stop ("sorry.^Kim")
_SIGNATURE = re.compile(
    r"(?:(?<=\s)|(?<=[.!?])(?=\^))(?:[*^]\s?(?:[A-Z]{2,4}|[A-Z][a-z]+(?:[ \t]+[A-Z]\.?)?)|[-–~]\s?[A-Z][a-z]+)"
    r"(?=\.?[ \t]*(?:\d/\d[ \t]*)?(?:__rep>|$))",
    re.MULTILINE,
)
_NOT_PHONE = re.compile(r"(?:19|20)\d\d[-./ ]\d\d?[-./ ]\d\d?|\d\d?[-./ ]\d\d?[-./ ](?:19|20)\d\d|[\d ]+\.\d{1,2}$")


def luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    """The ISO 13616 check: the country and check digits moved to the end, letters as numbers, mod 97 is 1."""
    compact = re.sub(r"[ -]", "", value).upper()
    if not 15 <= len(compact) <= 34:
        return False
    return int("".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])) % 97 == 1


Check = Callable[[re.Match[str]], "tuple[int, int] | None"]  # the span to take, or None


def _is_card(match: re.Match[str]) -> tuple[int, int] | None:
    digits = re.sub(r"\D", "", match.group(0))
    return match.span() if 13 <= len(digits) <= 19 and luhn_ok(digits) else None


def _is_iban(match: re.Match[str]) -> tuple[int, int] | None:
    """An IBAN in any case ("gb82 west 1234 ...") must pass the check; the pattern may have run on into the next
    short word ("... 7034 for"), so shorter prefixes are tried too."""
    value = match.group(0)
    for cut in [len(value)] + [m.start() for m in re.finditer(r"[ -]", value)][::-1]:
        if iban_ok(value[:cut]):
            return match.start(), match.start() + cut
    return None


def _is_uk_phone(match: re.Match[str]) -> tuple[int, int] | None:
    return None if a_reference(match.string, match.start()) else match.span()


def _is_phone(match: re.Match[str]) -> tuple[int, int] | None:
    digits = len(re.sub(r"\D", "", match.group(0)))
    return match.span() if 9 <= digits <= 15 and not a_reference(match.string, match.start()) else None


def _is_any_phone(match: re.Match[str]) -> tuple[int, int] | None:
    return None if _NOT_PHONE.match(match.group(0)) else _is_phone(match)


def _is_account(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span(1) if 5 <= len(re.sub(r"\D", "", match.group(1))) <= 20 else None


def _is_named_id(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span(1) if identifier_like(match.string, *match.span(1)) else None


def _value(match: re.Match[str]) -> tuple[int, int] | None:
    """The value after its name ("DOB <DOB>", "sort code <SORT_CODE>")."""
    return match.span(1)


def _is_plate(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span() if _PLATE_CUE.search(match.string, max(0, match.start() - 40), match.start()) else None


def _is_spelt_email(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span() if re.search(r"\bdot\b|[\[({]\s*at\s*[\])}]", match.group(0), re.IGNORECASE) else None


def _is_signature(match: re.Match[str]) -> tuple[int, int] | None:
    """A dash or a tilde signs with a given name only ("-Sara"; not "- Thanks"); a caret or a star with any."""
    value = match.group(0)
    return match.span() if value[0] in "*^" or is_given_name(value.lstrip("-–~ ")) else None


def _always(match: re.Match[str]) -> tuple[int, int] | None:
    start, end = match.span()
    while start < end and match.string[start] in ":# ":  # the SSN pattern's "ssn: 123456789"
        start += 1
    return start, end


PATTERNS: list[tuple[str, re.Pattern[str], Check]] = [
    ("EMAIL", _EMAIL, _always),
    ("EMAIL", _SPELT_EMAIL, _is_spelt_email),
    ("IP", _IP, _always),  # before the phones, which would take "203.0.113.77"
    ("DOB", _DOB, _value),  # before the phones: "DOB 14.02.1987"
    ("SORT_CODE", _SORT_CODE, _value),
    ("IBAN", _IBAN, _always),  # in capitals, as banks print them, taken as it is
    ("IBAN", _IBAN_ANY_CASE, _is_iban),
    ("CARD", _CARD, _is_card),
    ("SSN", _SSN, _always),
    ("NINO", _NINO, _always),
    ("PLATE", _PLATE, _is_plate),
    ("ADDRESS", _ADDRESS, _always),
    ("ADDRESS", UK_CAPITALS, real_or_named),  # alone in a real area: "The F150XL" is a truck
    ("ADDRESS", _ADDRESS_LOWER, _always),
    ("ADDRESS", UK_UNSPACED, _always),  # a postcode in any case ("m11ae"), spaced ones after a cue: postal.py
    ("ADDRESS", UK_SPACED, after_a_cue),
    ("ADDRESS", ZIP, a_zip),  # before the phones and accounts: a ZIP's digits alone ("TX <ADDRESS>")
    ("ACCOUNT", _ACCOUNT, _is_account),  # before the phones: "account number 0123456789" is no phone number
    ("ACCOUNT", _NAMED_ID, _is_named_id),
    ("ACCOUNT", CARD_OR_SCHEME_ID, _is_named_id),  # "my Nectar card 9826 3341 2290 1187", "Avios membership 12345678"
    ("PHONE", _UK_PHONE, _is_uk_phone),
    ("PHONE", _PHONE, _is_phone),
    ("PHONE", _PHONE_ANY, _is_any_phone),
    ("PERSON", _SIGNATURE, _is_signature),
]


def _overlaps(span: Span, taken: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end, _ in taken)


def _hashtag(text: str, span: Span) -> bool:
    """A name the NER backend found right after '#' is a hashtag ("#Ryanair", "#Brian"): a public tag that names no
    customer, and "#<PERSON>" in a report hides what the tweet was about."""
    return span[0] > 0 and text[span[0] - 1] == "#"


def first_line(text: str, span: Span) -> Span | None:
    """A name span cut at its first line break: no name runs over one, and the NER model's "Rachel\nAgent" (in
    "ask for Rachel\nAgent: Thank you") would take the next turn's speaker with it. None when nothing is left."""
    start, end, label = span
    while start < end and text[start].isspace():
        start += 1
    cut = text.find("\n", start, end)
    end = cut if cut >= 0 else end
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end, label) if end > start else None


def pattern_spans(text: str) -> list[Span]:
    """PII found by the patterns, earlier patterns winning where two overlap; an amount is no account or phone."""
    spans: list[Span] = []
    for label, pattern, valid in PATTERNS:
        for match in pattern.finditer(text):
            found = valid(match)
            if found and label in ("ACCOUNT", "PHONE") and an_amount(text, *found):
                continue
            if found and not _overlaps((*found, label), spans):
                spans.append((*found, label))
    return sorted(spans)


def apply(text: str, spans: Iterable[Span], token: Callable[[str, str], str] | None = None) -> str:
    """The text with each span replaced by its placeholder, e.g. <PERSON>, or by `token(value, label)`."""
    out, pos = [], 0
    for start, end, label in sorted(spans):
        if start < pos:
            continue
        out += [text[pos:start], token(text[start:end], label) if token else f"<{label}>"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str) -> str:
    """Replace pattern PII (`PATTERNS`: emails, phones, cards, IBANs, SSNs, NI numbers, addresses, account numbers,
    dates of birth, sort codes, number plates, IP addresses) with placeholders; no NER."""
    return apply(text, pattern_spans(text))


# The key of databases made before each had its own (miner/store/pii_key.py): published here, so tokens made with it
# can be recomputed from a value; such a database keeps it (erasure and de-duplication compare tokens).
DEFAULT_KEY = "touchpoint-miner pseudonyms: set TOUCHPOINTS_PII_KEY to a secret of your own"
# Names shown and never stored (a path in an error message) take a key of this process: random, never published.
_PROCESS_KEY = secrets.token_urlsafe(32)


def pseudonym(value: str, label: str, key: str | None = None) -> str:
    """A keyed token for a value that must stay distinct, e.g. an email used as a row id: `<EMAIL:3f0c1a9be2d4...>`.
    The same value (ignoring case and separators) always gives the same token under the same key (the database's,
    `miner.store.pii_key.pii_key`), so de-duplication and incremental imports still work; 64 bits keep distinct
    values apart. Without a key (a name only shown): TOUCHPOINTS_PII_KEY, else a random key of this process."""
    key = key or os.environ.get("TOUCHPOINTS_PII_KEY") or _PROCESS_KEY
    canonical = re.sub(r"[\s().-]", "", value) if label in ("PHONE", "CARD", "IBAN", "SSN", "NINO") else value
    digest = hmac.new(key.encode(), f"{label}:{canonical.lower()}".encode(), hashlib.sha256).hexdigest()
    return f"<{label}:{digest[:16]}>"


def pseudonymise(value: str, key: str | None = None) -> str:
    """`value` with each pattern PII replaced by its keyed token (ids, file names); %40 in URLs counts as @. An account
    number stays: in an id ("acct-4482913") it is the customer's key, which `forget --customer` is given."""
    if "%40" in value:
        value = value.replace("%40", "@")
    spans = [s for s in pattern_spans(value) if s[2] != "ACCOUNT"]
    return apply(value, spans, lambda text, label: pseudonym(text, label, key))


def pseudonymise_path(path: str, key: str | None = None) -> str:
    """A file path or name with PII in any part replaced by keyed tokens; the extension is kept."""
    stem, dot, ext = path.rpartition(".")
    if not dot or not ext.isalnum():
        return pseudonymise(path, key)
    return f"{pseudonymise(stem, key)}.{ext}"


@dataclass
class Redactor:
    """Patterns plus person names from an NER backend (Presidio by default, loaded on first use).
    `names=None` means patterns only; a test can hand in any object with `find(texts) -> list[list[Span]]`."""

    names: object | None = "presidio"
    batch_size: int = 64

    def _names(self) -> object | None:
        if self.names == "presidio":
            from miner.segment.presidio import PresidioNames

            self.names = PresidioNames(batch_size=self.batch_size)
        return self.names

    def spans(self, texts: Sequence[str]) -> list[list[Span]]:
        found = [pattern_spans(t) for t in texts]
        names = self._names()
        if names is not None:
            # text in another language, read as written, takes only names on a strong cue (foreign.py): NER read
            # German nouns as people ("<PERSON> hat elf Tage gedauert")
            other = [name_language(t) is not None for t in texts]
            by_ner = iter(names.find([t for t, o in zip(texts, other, strict=True) if not o]))  # type: ignore[attr-defined]
            for text, spans, o in zip(texts, found, other, strict=True):
                extra = cued_names(text) if o else next(by_ner)
                extra = [cut for s in extra if (cut := first_line(text, s)) is not None]
                spans += [s for s in extra if not _overlaps(s, spans) and not _hashtag(text, s)]
                spans.sort()
        return found

    def redact_many(self, texts: Sequence[str]) -> list[str]:
        return [apply(t, s) for t, s in zip(texts, self.spans(texts), strict=True)]


@lru_cache(maxsize=2)
def default_redactor(names: bool = True) -> Redactor:
    """One redactor per process, so the NER model loads once."""
    return Redactor(names="presidio" if names else None)


def redact_records(records: list[Record], redactor: Redactor | None = None, *, key: str | None = None) -> list[Record]:
    """Every stored field of each record (text, title, turns, every meta value, id, file name): see redact.py.
    `key` is the database's (`miner.store.pii_key.pii_key`): the pipeline binds it before a worker gets this."""
    from miner.segment.redact import redact_records as redact_all

    return redact_all(records, redactor, key=key)


__all__ = ["LABELS", "Redactor", "apply", "default_redactor", "pattern_spans", "pseudonym", "pseudonymise",
           "pseudonymise_path", "redact", "redact_records"]  # fmt: skip
