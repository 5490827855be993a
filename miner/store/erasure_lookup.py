"""Finding what to forget (the right to erasure, miner/store/erasure.py forgets it): the documents a dataset's import
paths brought in, and every item naming a customer, by the value in clear or by its keyed token, in an id, a column
or the text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

import sqlite_utils

from miner.ingest.records import Record
from miner.store.db import in_chunks
from miner.store.pii_key import pii_key

MIN_CUSTOMER_CHARS = 3  # a shorter value would match inside too many unrelated items


def documents_of_paths(db: sqlite_utils.Database, paths: Iterable[str]) -> list[str]:
    """Documents first imported from any of these files (an `imports.path`, exactly as stored)."""
    wanted = sorted(set(paths))
    out: list[str] = []
    for chunk, marks in in_chunks(wanted):
        sql = f"""SELECT d.id FROM documents d JOIN imports i ON i.id = d.import_id
                  WHERE i.path IN ({marks}) ORDER BY d.id"""
        out += [r[0] for r in db.execute(sql, chunk)]
    return out


def import_paths_matching(db: sqlite_utils.Database, dataset: str) -> list[str]:
    """Stored import paths a user's `dataset` names: the path itself, the file's name, or a folder (an API
    dataset id is the folder its files were uploaded to)."""
    from miner.segment.pii import pseudonymise_path

    rows = [r[0] for r in db.execute("SELECT DISTINCT path FROM imports")]
    out: list[str] = []
    for name in dict.fromkeys([dataset, pseudonymise_path(dataset, pii_key(db))]):  # a redacted import stored the token
        parts = _parts(name)
        out += [p for p in rows if p not in out and (p == name or p.rsplit("/", 1)[-1] == name or _under(p, parts)
                                                     or _tail(p, parts))]  # fmt: skip
    return out


def _parts(path: str) -> list[str]:
    return [p for p in re.split(r"[\\/]", path) if p and p != "."]


def _tail(stored: str, given: list[str]) -> bool:
    """Whether the path `mine` was given (as typed: "data/survey.xlsx") ends the `given` one, or its folder does: a
    full path ("/tmp/h8/data/survey.xlsx", "$PWD/data") or "./data/..." named no mined file."""
    parts = _parts(stored)
    return (len(parts) > 1 and given[-len(parts) :] == parts) or (
        len(parts) > 1 and given[-(len(parts) - 1) :] == parts[:-1]
    )


def import_sources(db: sqlite_utils.Database) -> list[str]:
    """Every mined file's source name, sorted: what `--dataset` can name."""
    return sorted({r[0] for r in db.execute("SELECT source FROM imports")})


def _under(path: str, folder: list[str]) -> bool:
    names = [p for p in re.split(r"[\\/]", path) if p][:-1]
    return bool(folder) and any(names[i : i + len(folder)] == folder for i in range(len(names)))


def customer_pattern(value: str) -> re.Pattern[str]:
    """The value as a whole token, case-insensitive: 'C-1042' matches 'order C-1042 late', not 'C-10421'."""
    return re.compile(rf"(?<![\w@.+-]){re.escape(value.strip())}(?![\w@+-]|\.\w)", re.IGNORECASE)


def _mentions(pattern: re.Pattern[str], value: object) -> bool:
    if isinstance(value, str):
        return bool(pattern.search(value))
    if isinstance(value, dict):
        return any(_mentions(pattern, v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(pattern, v) for v in value)
    return value is not None and bool(pattern.search(str(value)))


def stored_forms(db: sqlite_utils.Database, value: str) -> list[str]:
    """The value as an import may have stored it: as given, and as the keyed token PII redaction puts in place of
    an email or phone number in an id (`pseudonymise`, with the database's key). An email inside an id
    ("conv-ann@example.com") is one token with its prefix, so an email is tokenised after each prefix the
    database's ids in clear begin with too ("conv-0002": "conv-")."""
    from miner.segment.pii import pseudonymise

    key = pii_key(db)
    forms = [value]
    for variant in phone_forms(value):
        if (token := pseudonymise(variant, key)) != variant:
            forms.append(token)
    if "@" in value:
        forms += [t for p in _id_prefixes(db) if _TOKEN.fullmatch(t := pseudonymise(p + value, key))]
    return list(dict.fromkeys(forms))


# Country codes a national number ("07700 900123") is tried with, as an export may store it international
COUNTRY_CODES = ("44", "1", "353", "61", "64", "27", "91", "33", "49", "34", "39", "31")


def phone_forms(value: str) -> list[str]:
    """The value, and the forms an export may have stored the same phone number in: a keyed token is made of the
    digits as written, so each form is its own token. An international number ("+44 7700 900123") also without
    its country code, with a trunk 0 or not ("07700 900123", "7700 900123"), and one written with its trunk 0 ("+44
    (0)161 496 0000") without it ("+441614960000"); a national one with a trunk 0 under the usual country codes
    ("+447700900123"), a 10-digit one under +1 ("(415) 555-0142" for "+1 415 555 0142"). An erasure found nothing
    for a number written otherwise than the export, and said the customer was not stored."""
    forms = [value]
    bare = re.sub(r"[\s().-]", "", value)
    if re.fullmatch(r"\+\d{8,16}", bare):
        for cc in range(1, 4):  # the country code's length is unknown: 1 to 3 digits, each tried
            national = bare[1 + cc :]
            if national.startswith("0"):
                forms += [bare[: 1 + cc] + national[1:], national]
            elif len(national) >= 7:
                forms += [national, "0" + national]
    elif re.fullmatch(r"00\d{8,15}", bare):
        forms.append("+" + bare[2:])
    elif re.fullmatch(r"0\d{8,11}", bare):
        forms += ["+" + cc + bare[1:] for cc in COUNTRY_CODES]
    elif re.fullmatch(r"\d{10}", bare):
        forms += ["+1" + bare, "1" + bare]
    return list(dict.fromkeys(forms))


_TOKEN = re.compile(r"<[A-Z]+:[0-9a-f]{16}>")
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9]*[-_.:#/]")
MAX_PREFIXES = 100


def _id_prefixes(db: sqlite_utils.Database) -> list[str]:
    """The prefixes ids in clear begin with ('conv-', 'acct-'), the most used first."""
    counts: dict[str, int] = {}
    for (source_id,) in db.execute("SELECT source_id FROM documents WHERE source_id IS NOT NULL"):
        if (m := _PREFIX.match(source_id)) is not None:
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return sorted(counts, key=lambda p: -counts[p])[:MAX_PREFIXES]


def id_pattern(value: str) -> re.Pattern[str]:
    """The value inside an id or a one-word column: a token anywhere ('conv-<EMAIL:...>'), any other value between
    word boundaries ('4482913' in 'acct-4482913', not in 'acct-44829130')."""
    if _TOKEN.fullmatch(value):
        return re.compile(re.escape(value), re.IGNORECASE)
    return re.compile(rf"(?<![^\W_]){re.escape(value.strip())}(?![^\W_])", re.IGNORECASE)


def documents_of_customer(db: sqlite_utils.Database, value: str) -> list[str]:
    """Documents whose source id, text, title or any meta value names the customer (an id or an email).

    Redacted text no longer holds an email, so the source id and meta are where most matches come from."""
    return sorted({d for ids in customer_matches(db, value).values() for d in ids})


def customer_matches(db: sqlite_utils.Database, value: str) -> dict[str, list[str]]:
    """Where the customer was found ('source id', 'text', 'title', "column 'customer_email'") and in which
    documents: what `forget --customer --dry-run` reports."""
    value = value.strip()
    if len(value) < MIN_CUSTOMER_CHARS:
        raise ValueError(f"a customer value needs at least {MIN_CUSTOMER_CHARS} characters")
    if not re.search(r"[\d@]", value) and not _whole_field(db, value):
        raise ValueError(
            f"'{value}' is a plain word, not a customer id or email, and would erase every item that uses it: give "
            "the id or email as the export stores it (with a digit or an @), or a value that is a whole id or "
            "column of some item"
            + (
                " (a person's name is stored as <PERSON> wherever redaction found it, so give the customer's id, "
                "email or phone number instead)"
                if re.fullmatch(r"[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)+", value)
                else ""
            )
        )
    out: dict[str, set[str]] = {}
    for form in stored_forms(db, value):
        for doc_id, where in _documents_naming(db, form):
            out.setdefault(where, set()).add(doc_id)
    return {where: sorted(ids) for where, ids in sorted(out.items())}


def _whole_field(db: sqlite_utils.Database, value: str) -> bool:
    """Whether some document's source id, or one of its other columns (meta), is exactly `value` (any case): a
    username-like id without digits names a customer only as a field of its own, never as a word of the text."""
    needle = value.lower()
    if db.execute("SELECT 1 FROM documents WHERE lower(source_id) = ? LIMIT 1", [needle]).fetchone():
        return True
    sql = "SELECT meta FROM documents WHERE meta IS NOT NULL AND instr(lower(meta), ?) > 0"
    return any(
        isinstance(m := json.loads(meta), dict) and any(str(v).strip().lower() == needle for v in m.values())
        for (meta,) in db.execute(sql, [needle])
    )


def _documents_naming(db: sqlite_utils.Database, value: str) -> Iterable[tuple[str, str]]:
    """(document, where) for each field naming the value: the id, and a column of one word, hold it as a part
    (`id_pattern`); text, a title and a column of several words as a whole token (`customer_pattern`)."""
    words, part = customer_pattern(value), id_pattern(value)
    needle = value.lower()
    # instr() narrows the scan cheaply; the patterns then insist on a whole token or part.
    sql = """SELECT id, source_id, title, text, meta FROM documents
             WHERE instr(lower(coalesce(source_id, '')), ?) > 0 OR instr(lower(text), ?) > 0
                OR instr(lower(coalesce(title, '')), ?) > 0 OR instr(lower(coalesce(meta, '')), ?) > 0"""
    for doc_id, source_id, title, text, meta in db.execute(sql, [needle, needle, needle, needle]):
        if (source_id or "").lower() == needle or part.search(source_id or ""):
            yield doc_id, "source id"
        for where, field in (("title", title), ("text", text)):
            if _mentions(part if _TOKEN.fullmatch(value) else words, field):
                yield doc_id, where
        columns = json.loads(meta) if meta else None
        for name, column in columns.items() if isinstance(columns, dict) else []:
            if _in_column(words, part, column):
                yield doc_id, f"column '{name}'"


def scores_of_customer(db: sqlite_utils.Database, value: str) -> list[str]:
    """Scores of respondents who wrote nothing (`silent_scores`) whose response id, or a column their row kept
    (`meta`, redacted and keyed as a commenter's), names the customer: found as a document is by its source id and
    columns (`_documents_naming`), so an e-mail or a customer id finds the score beside the comments. Before, only a
    response id given as stored found one, and an erasure by e-mail left the respondent's score and columns."""
    found: set[str] = set()
    for form in stored_forms(db, value.strip()):
        words, part, needle = customer_pattern(form), id_pattern(form), form.lower()
        sql = """SELECT id, response_id, meta FROM silent_scores
                 WHERE instr(lower(coalesce(response_id, '')), ?) > 0 OR instr(lower(coalesce(meta, '')), ?) > 0"""
        for score_id, response_id, meta in db.execute(sql, [needle, needle]):
            if (response_id or "").lower() == needle or part.search(response_id or ""):
                found.add(score_id)
            elif _in_column(words, part, json.loads(meta) if meta else None):
                found.add(score_id)
    return sorted(found)


def records_naming(records: Iterable[Record], value: str) -> list[Record]:
    """The records, as read from a file not imported yet (in clear), that name the customer where a stored
    document would be found (`_documents_naming`): the id and one-word columns as a part, text, title, a
    transcript's turns and longer columns as a whole token."""
    words, part = customer_pattern(value), id_pattern(value)
    needle = value.strip().lower()
    out = []
    for rec in records:
        turns = [t.text for t in rec.turns or ()]
        if (
            (rec.source_id or "").lower() == needle
            or part.search(rec.source_id or "")
            or any(_mentions(words, field) for field in (rec.title, rec.text, *turns))
            or _in_column(words, part, rec.meta)
        ):
            out.append(rec)
    return out


def labels_naming(labels: Iterable[str], value: str) -> list[str]:
    """The speaker labels an upload was read with (an author's id or e-mail address: `customer_speaker`) that name
    the customer, as a one-word column would (`_in_column`), a phone number in each form it may be written in: an
    e-mail domain ('@buyer.org') names a company, not the customer at it."""
    forms = [(customer_pattern(form), id_pattern(form)) for form in phone_forms(value.strip())]
    return [label for label in labels if any(_in_column(words, part, label) for words, part in forms)]


def without_customer(text: str, value: str) -> str:
    """`text` (a failed run's error, which may quote a file's author ids or its first row) with each whole token
    naming the customer, in any form their phone number may be written in, as '<erased>'."""
    for form in phone_forms(value.strip()):
        text = customer_pattern(form).sub("<erased>", text)
    return text


def _in_column(words: re.Pattern[str], part: re.Pattern[str], value: object) -> bool:
    if isinstance(value, dict):
        return any(_in_column(words, part, v) for v in value.values())
    if isinstance(value, list):
        return any(_in_column(words, part, v) for v in value)
    if value is None:
        return False
    text = str(value)
    return bool((part if len(text.split()) <= 1 else words).search(text))
