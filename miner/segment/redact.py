"""Redacting whole records before they are stored: the text, title and turns, every meta value whatever its type
(numbers as text, lists, nested objects, URLs), the source's own id and the file name. Free text takes readable
placeholders (<PHONE>); ids and file names take keyed tokens (<EMAIL:3f0c...>) so they stay unique and stable."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from miner.ingest.columns import id_field
from miner.segment.identifiers import answered_ids, with_answers
from miner.segment.pii import (
    Redactor,
    Span,
    apply,
    default_redactor,
    pattern_spans,
    pseudonymise,
    pseudonymise_path,
    redact,
)
from miner.segment.postal import answered_postcodes

if TYPE_CHECKING:
    from miner.ingest.records import Record, Turn

_NAME_FIELD = re.compile(
    r"(?:^|[._\s])(?:name|nickname|author|reviewer|display_?name|user_?name|surname|assignee)$", re.IGNORECASE
)
# A column that names a thing, not a person, though its name ends in "name": Google Play's `App Version Name`
# ("5.2.0" was stored as <PERSON>), `Product Name`, `Brand Name`, `File Name`, `Package Name`
_THING_NAME = re.compile(
    r"(?i)(?:^|[^a-z])(?:version|product|brand|file|package|app|store|shop|webshop|company|business|device|item|sku|"
    r"category|campaign|host|domain|model|variant|collection|retailer|merchant|vendor|seller|site|channel|platform|"
    r"event|plan|hotel|restaurant|venue|branch|location|city|country|region|market|team|department|queue|group|"
    r"project|tag|survey|question|field|column|sheet|page|screen|feature|service|carrier|courier|airline|bank|"
    r"browser|image|attachment|document|folder|sender_?domain)[._\s-]*name$"
)
# A column of a company's or a product's name ("Brand": "Maison Vera"): NER read it as a person. Its value keeps the
# patterns' redaction (an email in it is still one); the same words in the text are still read by NER there
_THING_FIELD = re.compile(
    r"(?i)(?:^|[^a-z])(?:brand|vendor|manufacturer|merchant|retailer|store|shop|company|seller|product)(?:[^a-z]|$)"
)
# A column of a time as a number ("Review Submit Millis Since Epoch": 1773600000000 was stored as <PHONE:...>)
_CLOCK_FIELD = re.compile(r"(?i)millis|epoch|timestamp|unix")
_CONTACT_FIELD = re.compile(r"(?i)phone|mobile|tel|msisdn|caller|contact|fax")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_URL = re.compile(r"^[a-z][a-z0-9+.-]{1,15}:", re.IGNORECASE)  # https:, mailto:, tel:
Answers = tuple[list[str], list[str]]  # a record's answered identifiers (`answered_ids`) and postcodes


class _Batch:
    """Strings to redact in one pass (patterns and names), and where each result goes back."""

    def __init__(self) -> None:
        self.slots: list[tuple[Any, Any]] = []  # (container, key): a record and an attribute, or a dict/list and a key
        self.texts: list[str] = []

    def add(self, owner: Any, key: Any, text: str) -> None:
        self.slots.append((owner, key))
        self.texts.append(text)


def number_text(value: int | float) -> str:
    """A number as a person would have typed it: 7700900123.0 from a spreadsheet cell is 7700900123."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e19:
        return str(int(value))
    return str(value)


def _words(key: str) -> str:
    """A column's name with its camelCase parts apart: App Store's `reviewerNickname` ("JohnSmith88" was kept, and
    the assignments export carried it) reads as `reviewer_Nickname`, `appVersionName` as `app_Version_Name`."""
    return _CAMEL.sub("_", key)


def _person_field(key: object) -> bool:
    return isinstance(key, str) and bool(_NAME_FIELD.search(_words(key))) and not _THING_NAME.search(_words(key))


def _thing_field(key: object) -> bool:
    return isinstance(key, str) and bool(_THING_FIELD.search(key))


def _clock(key: object, value: object) -> bool:
    """A whole number under a time's name: a timestamp, which the phone patterns fit (13 digits of epoch millis)."""
    plain = isinstance(value, str | int) and not isinstance(value, bool) and _plain_number(str(value).strip())
    return isinstance(key, str) and bool(_CLOCK_FIELD.search(key)) and not _CONTACT_FIELD.search(key) and plain


# A column that holds a place a customer lives at: its value is an address whatever it looks like ("62704" in a
# `Postcode` column stayed, where "NW1 6XE" beside it was redacted)
_ADDRESS_FIELD = re.compile(r"(?i)(?:^|[^a-z])(?:zip|zipcode|postcode|postal|post_code|street|address)(?:[^a-z]|$)")


def _address_field(key: object) -> bool:
    return isinstance(key, str) and bool(_ADDRESS_FIELD.search(key)) and "email" not in key.lower()


def _plain_number(value: str) -> bool:
    """Digits alone, which the patterns read as a phone number at most: a card number in an id is still a card's
    (a 16-digit number that passes the Luhn check)."""
    return bool(re.fullmatch(r"[0-9]+", value)) and all(label == "PHONE" for _, _, label in pattern_spans(value))


def redacted_id(source_id: str, column: str | None, key: str | None = None) -> str:
    """A source id as stored: a number read from a column that numbers the rows (`Record.id_column`) as it is, with
    what a survey's or several text columns' id adds after it ("114230987000:Q12") tokenised as any id; else
    `pseudonymise`d, so an email or a phone number in an id, or an id from a phone column, takes its keyed token."""
    head, colon, rest = source_id.partition(":")
    if column and _plain_number(head):
        return head + colon + pseudonymise(rest, key) if colon else head
    return pseudonymise(source_id, key)


def _all_person(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _all_person(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_all_person(v) for v in value]
    return "<PERSON>" if isinstance(value, str) and value else value


def _one_identifier(value: str) -> bool:
    """The whole value is one email, phone number or other pattern PII (a `customer_email` column), not text with
    one inside: it is stored as a keyed token like a source id, so `forget --customer` can match it."""
    stripped = value.strip()
    spans = pattern_spans(stripped)
    return len(spans) == 1 and spans[0][0] == 0 and spans[0][1] == len(stripped)


def _walk(
    container: dict | list, batch: _Batch, key: str | None, ids: bool = True, header: tuple[str, ...] = ()
) -> None:
    """Queue every string of a meta value for redaction and redact numbers and URLs in place, at any depth. With
    `ids`, a number under an id's name ("response_id", "Collector ID") stays, as the source id does (`redacted_id`).
    The fields named in `header` hold the file's own header, not anyone's words (`Record.header_fields`): kept."""
    items = container.items() if isinstance(container, dict) else enumerate(container)
    for field, value in list(items):
        if field in header:
            continue
        if ids and id_field(field) and isinstance(value, str | int) and _plain_number(str(value).strip()):
            continue
        if _clock(field, value):
            continue
        if _person_field(field):
            container[field] = _all_person(value)
        elif _address_field(field) and isinstance(value, str | int | float) and not isinstance(value, bool):
            container[field] = "<ADDRESS>" if str(value).strip() else value
        elif isinstance(value, dict | list):
            _walk(value, batch, key, ids)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            text = number_text(value)
            if redact(text) != text:
                container[field] = pseudonymise(text, key) if _one_identifier(text) else redact(text)
        elif isinstance(value, str) and _URL.match(value):
            container[field] = redact(value.replace("%40", "@"))
        elif isinstance(value, str) and _one_identifier(value):
            container[field] = pseudonymise(value.strip(), key)  # an email or phone column: a token erasure finds
        elif isinstance(value, str) and _thing_field(field):
            container[field] = redact(value)  # a brand or a shop: patterns only
        elif isinstance(value, str) and value:
            batch.add(container, field, value)


def redact_records(records: list[Record], redactor: Redactor | None = None, *, key: str | None = None) -> list[Record]:
    """Redact every stored field of each record in one batch; author-name fields in meta become <PERSON>. Ids and
    file names take tokens made with `key`, the database's (`miner.store.pii_key.pii_key`)."""
    from miner.ingest.records import Record

    redactor = redactor or default_redactor()
    batch = _Batch()
    known: dict[int, list[str]] = {}  # per record, the names its own name columns hold (`known_names`)
    answered: dict[int, Answers] = {}  # per record, the identifiers and postcodes its customer gave when asked
    for rec in records:
        rec.source = pseudonymise_path(rec.source, key)
        if rec.source_id:
            stored = redacted_id(rec.source_id, rec.id_column, key)
            if stored != (token := pseudonymise(rec.source_id, key)):
                rec.token_id = token  # what a database written before 2026-12-07 holds it under (`Record.token_id`)
            rec.source_id = stored
        if names := known_names(rec.meta):
            known[id(rec)] = names
        if rec.turns:  # the agent's question is in the turn before: a turn alone has lost it
            answered[id(rec)] = (answered_ids(rec.turns), answered_postcodes(rec.turns))
        batch.add(rec, "text", rec.text)
        if rec.title:
            batch.add(rec, "title", rec.title)
        # an id from a phone column, or one of phone numbers and emails, may stand in meta under an id's name too (a
        # survey's response_id): then no number in meta stays for its name
        _walk(rec.meta, batch, key, ids=not rec.source_id or rec.id_column is not None, header=rec.header_fields)
    found = [
        _with_names(text, _with_answered(text, spans, answered.get(id(owner))), known.get(id(owner), []))
        for (owner, _), text, spans in zip(batch.slots, batch.texts, redactor.spans(batch.texts), strict=True)
    ]
    # A transcript's turns lie inside its text: they take the text's spans instead of a second NER pass (the
    # slowest step of a transcript import); a turn that is not found verbatim, or that a span crosses, gets its own.
    alone: list[tuple[Turn, Record]] = []
    for (owner, slot), text, spans in zip(batch.slots, batch.texts, found, strict=True):
        if isinstance(owner, Record) and slot == "text" and owner.turns:
            alone += [(t, owner) for t in _turns_from_text(owner.turns, text, spans)]
    for (owner, slot), text, spans in zip(batch.slots, batch.texts, found, strict=True):
        if isinstance(owner, Record):
            setattr(owner, slot, apply(text, spans))
        else:
            owner[slot] = apply(text, spans)
    for (turn, rec), spans in zip(alone, redactor.spans([t.text for t, _ in alone]), strict=True):
        new = apply(turn.text, _with_answered(turn.text, spans, answered.get(id(rec))))
        turn.text = apply(new, _with_names(new, [], known.get(id(rec), [])))
    return records


def _with_answered(text: str, spans: list[Span], answers: Answers | None) -> list[Span]:
    """`spans` and where the record's answered identifiers (<ACCOUNT>) and postcodes (<ADDRESS>) stand in `text`."""
    if answers is None:
        return spans
    ids, postcodes = answers
    return with_answers(text, with_answers(text, spans, ids), postcodes, label="ADDRESS")


def known_names(meta: dict) -> list[str]:
    """The words of the person names a record's own columns hold (`requester_name`: "Priyanka Sharma"), before they
    become <PERSON>: the same name in the record's text is a name whatever NER says of it. NER missed "Hi
    Priyanka" and "Callback request for Priyanka Sharma" while the column beside them was redacted."""
    words: set[str] = set()
    for field, value in meta.items():
        if _person_field(field) and isinstance(value, str) and "@" not in value:
            words.update(re.findall(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*", value))  # "françois dupont" too
    return sorted(words, key=len, reverse=True)


def _with_names(text: str, spans: list[Span], names: list[str]) -> list[Span]:
    """`spans` and the record's known name words where they stand in `text` as words: any case for a word that is
    no common word, capitalised only for one that is ("Will", "Rose"); a run of them one span ("Priyanka Sharma")."""
    if not names:
        return spans
    from miner.segment.namefilter import common_words, is_given_name

    common = common_words()
    hits: list[tuple[int, int]] = []
    for word in names:
        if word.lower() in common and not is_given_name(word):
            continue  # "Anonymous", "Verified Buyer", "Customer": a column's placeholder, not a name
        flags = 0 if word.lower() in common else re.IGNORECASE
        word = word[:1].upper() + word[1:] if flags == 0 else word  # a column's "rose" is "Rose" in the text
        hits += [(m.start(), m.end()) for m in re.finditer(rf"(?<![\w<]){re.escape(word)}(?![\w>])", text, flags)]
    merged: list[list[int]] = []
    for start, end in sorted(hits):
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out = list(spans)
    for a, b in merged:  # a name NER found in part ("<PERSON>ễn Văn An") is taken whole
        over = [sp for sp in out if a < sp[1] and sp[0] < b]
        if not over:
            out.append((a, b, "PERSON"))
        elif all(label == "PERSON" for _, _, label in over):
            out = [sp for sp in out if sp not in over]
            out.append((min(a, *(sp[0] for sp in over)), max(b, *(sp[1] for sp in over)), "PERSON"))
    return sorted(out)


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
