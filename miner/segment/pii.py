"""PII redaction before anything is stored or embedded. Two layers: patterns (emails, phone numbers,
Luhn-checked card numbers, IBANs, street addresses) and, for person names, Microsoft Presidio's NER on the
project's spaCy model (miner/segment/presidio.py, loaded lazily). Placeholders keep the sentence readable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from miner.ingest.records import Record, Turn

Span = tuple[int, int, str]  # start, end, label (PERSON, EMAIL, PHONE, CARD, IBAN, ADDRESS)

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
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
_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
# "Flat 4, 27 Mill Road, Leeds LS6 2AB", "221B Baker Street", "1600 Pennsylvania Avenue NW"; then a postcode alone.
_ADDRESS = re.compile(
    r"(?:\b(?:Flat|Apartment|Apt|Unit|Suite)\s+\d+[A-Za-z]?,?\s+)?\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}"
    rf"(?:{_STREET_TYPES})\b\.?(?:,?\s+(?:[A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?)?(?:,?\s+{_POSTCODE}\b)?"
    rf"|\b{_POSTCODE}\b",
)
_ADDRESS_LOWER = re.compile(rf"\b\d{{1,5}}[a-z]?\s+(?:[a-z]+\s+){{1,2}}(?:{_STREET_TYPES.lower()})\b")


def luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _is_phone(match: re.Match[str]) -> bool:
    return 9 <= len(re.sub(r"\D", "", match.group(0))) <= 15


def _always(match: re.Match[str]) -> bool:
    return True


PATTERNS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool]]] = [
    ("EMAIL", _EMAIL, _always),
    ("IBAN", _IBAN, _always),
    ("CARD", _CARD, _is_card),
    ("ADDRESS", _ADDRESS, _always),
    ("ADDRESS", _ADDRESS_LOWER, _always),
    ("PHONE", _UK_PHONE, _always),
    ("PHONE", _PHONE, _is_phone),
]


def _overlaps(span: Span, taken: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end, _ in taken)


def pattern_spans(text: str) -> list[Span]:
    """PII found by the patterns, earlier patterns winning where two overlap."""
    spans: list[Span] = []
    for label, pattern, valid in PATTERNS:
        for match in pattern.finditer(text):
            span = (match.start(), match.end(), label)
            if valid(match) and not _overlaps(span, spans):
                spans.append(span)
    return sorted(spans)


def apply(text: str, spans: Iterable[Span]) -> str:
    """The text with each span replaced by its placeholder, e.g. <PERSON>."""
    out, pos = [], 0
    for start, end, label in sorted(spans):
        if start < pos:
            continue
        out += [text[pos:start], f"<{label}>"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str) -> str:
    """Replace pattern PII (emails, phones, cards, IBANs, addresses) with placeholders; no NER."""
    return apply(text, pattern_spans(text))


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
            for spans, extra in zip(found, names.find(list(texts)), strict=True):  # type: ignore[attr-defined]
                spans += [s for s in extra if not _overlaps(s, spans)]
                spans.sort()
        return found

    def redact_many(self, texts: Sequence[str]) -> list[str]:
        return [apply(t, s) for t, s in zip(texts, self.spans(texts), strict=True)]


@lru_cache(maxsize=2)
def default_redactor(names: bool = True) -> Redactor:
    """One redactor per process, so the NER model loads once."""
    return Redactor(names="presidio" if names else None)


_NAME_FIELD = re.compile(r"(?:^|[._\s])(?:name|nickname|author|reviewer|display_?name|user_?name)$", re.IGNORECASE)


def redact_records(records: list[Record], redactor: Redactor | None = None) -> list[Record]:
    """Redact the text, title, turns and string meta of each record in one batch; author-name fields in meta
    become <PERSON>."""
    from miner.ingest.records import Record

    redactor = redactor or default_redactor()
    slots: list[tuple[object, str]] = []  # (container, key) pairs to write back
    texts: list[str] = []
    for rec in records:
        slots.append((rec, "text"))
        texts.append(rec.text)
        if rec.title:
            slots.append((rec, "title"))
            texts.append(rec.title)
        for key, value in rec.meta.items():
            if isinstance(value, str) and value:
                if _NAME_FIELD.search(key) and not key.lower().endswith(("package name", "webshop name")):
                    rec.meta[key] = "<PERSON>"
                elif not value.startswith("http"):
                    slots.append((rec.meta, key))
                    texts.append(value)
    found = redactor.spans(texts)
    # A transcript's turns lie inside its text: they take the text's spans instead of a second NER pass (the
    # slowest step of a transcript import); a turn that is not found verbatim, or that a span crosses, gets its own.
    alone: list[Turn] = []
    for (owner, key), text, spans in zip(slots, texts, found, strict=True):
        if isinstance(owner, Record) and key == "text" and owner.turns:
            alone += _turns_from_text(owner.turns, text, spans)
    for (owner, key), text, spans in zip(slots, texts, found, strict=True):
        new = apply(text, spans)
        if isinstance(owner, dict):
            owner[key] = new
        else:
            setattr(owner, key, new)
    for turn, new in zip(alone, redactor.redact_many([t.text for t in alone]), strict=True):
        turn.text = new
    return records


def _turns_from_text(turns: list[Turn], text: str, spans: list[Span]) -> list[Turn]:
    """Redact each turn with the spans of the text it was found in; return the turns that need their own pass."""
    alone, cursor = [], 0
    for turn in turns:
        start = text.find(turn.text, cursor) if turn.text else -1
        end = start + len(turn.text)
        if start < 0 or any(s < end and start < e and not (start <= s and e <= end) for s, e, _ in spans):
            alone.append(turn)
            continue
        inside = [(s - start, e - start, label) for s, e, label in spans if start <= s and e <= end]
        turn.text = apply(turn.text, inside)
        cursor = end
    return alone
