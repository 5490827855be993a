"""Conversations that grew: a transcript exported again with more turns replaces the version stored before.

Nightly exports of a helpdesk or chat tool hold each open conversation again, longer, until it closes: under
another file name (`2026-12-03.csv` after `2026-12-02.csv`) the longer version was stored as a second item beside
the first, so every complaint in the first was counted twice; in the same file exported again it was skipped and
the new turns never read. A stored transcript is an earlier version of a new one when both carry the same source
id and its turns are the new one's first turns (the last of them may have grown too). The new version is stored,
under an id of its own, with the stored one named as replaced in `replaced_documents`, in the import's transaction;
after it commits, `retire_replaced` forgets the replaced documents as an erasure does (their results taken out of
every run's counts and quotes), and any a crash left pending are retired by the next import.
A stored version that is longer (an older export read again) or the same keeps the new row out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence

import sqlite_utils

from miner.ingest.records import Record
from miner.segment.pii import PLACEHOLDER
from miner.store.db import in_chunks

Turns = list[tuple[str, str]]


def sort_versions(db: sqlite_utils.Database, records: list[Record]) -> set[int]:
    """`id()`s of the transcripts whose conversation is stored already in this version or a longer one, or whose
    customer an erasure forgot (`forgotten_conversations`). A newer version gets `replaces`: every stored version
    it extends (nights read in one `mine` are all stored until it ends: the third replaces the first and the
    second), and a version of the same export whose earlier turns were edited; where its own id is taken (the same
    file exported again), a `version` gives it another. A version of another export that differs in earlier turns
    is `diverged`: both are kept (two tools numbering alike, or an edited conversation), and `mine` says so."""
    by_source: dict[str, list[Record]] = {}
    for rec in records:
        if rec.kind == "transcript" and rec.source_id:
            rec.version, rec.replaces, rec.diverged = None, [], False  # judged afresh: redaction changes the text
            by_source.setdefault(rec.source_id, []).append(rec)
    skip = {id(r) for sid in forgotten_conversations(db, list(by_source)) for r in by_source[sid]}
    names = list(by_source)
    for chunk, marks in in_chunks(names):
        sql = f"""SELECT id, source_id, source, text, meta FROM documents
                  WHERE kind = 'transcript' AND source_id IN ({marks})"""
        for doc_id, source_id, source, text, meta in db.execute(sql, chunk):
            stored, same = stored_turns(text, meta), as_stored(text)
            for rec in by_source[source_id]:
                new = record_turns(rec)
                if new == stored or grew(new, stored) or (same is not None and same.fullmatch(rec.text)):
                    skip.add(id(rec))
                elif grew(stored, new) or source == rec.source:  # longer, or the same export's with turns edited
                    rec.replaces.append(doc_id)
                elif source != rec.source:
                    rec.diverged = True
    taken = _taken(db, [r for recs in by_source.values() for r in recs if r.replaces])
    for recs in by_source.values():
        for rec in recs:
            if rec.replaces and rec.document_id in taken:
                rec.version = hashlib.sha1(rec.text.encode("utf-8")).hexdigest()[:12]
    return skip


def grew(earlier: Sequence[tuple[str, str]], later: Sequence[tuple[str, str]]) -> bool:
    """Whether `later` is `earlier` with more said: its first turns are `earlier`'s, the last of which may have
    grown (consecutive lines of one speaker read as one turn), and it holds more."""
    if not earlier or len(later) < len(earlier) or list(later) == list(earlier):
        return False
    *head, (speaker, text) = earlier
    if list(later[: len(head)]) != head:
        return False
    next_speaker, next_text = later[len(head)]
    return next_speaker == speaker and next_text.startswith(text)


def note_replaced(db: sqlite_utils.Database, fresh: list[Record], stamp: str) -> int:
    """Name the documents the new versions among `fresh` replace; the caller holds the import's transaction."""
    rows = [{"document_id": old, "by": r.document_id, "found_at": stamp} for r in fresh for old in r.replaces]
    if rows:
        db.table("replaced_documents").insert_all(rows, pk="document_id", replace=True)
    return len(rows)


def retire_replaced(db: sqlite_utils.Database) -> int:
    """Forget every replaced document still stored (its results leave every run, as in an erasure); returns how
    many. Run after the import's transaction, and before the next one in case a crash came between."""
    from miner.store.erasure import forget

    pending = [r[0] for r in db.execute("SELECT document_id FROM replaced_documents")]
    if not pending:
        return 0
    stored = [r[0] for chunk, marks in in_chunks(pending)
              for r in db.execute(f"SELECT id FROM documents WHERE id IN ({marks})", chunk)]  # fmt: skip
    if stored:
        forget(db, stored, kind="replaced by a longer version")
    with db.atomic():
        for chunk, marks in in_chunks(pending):
            db.execute(f"DELETE FROM replaced_documents WHERE document_id IN ({marks})", chunk)
    return len(stored)


def forgotten_conversations(db: sqlite_utils.Database, source_ids: list[str]) -> set[str]:
    """The conversation ids a customer erasure forgot (`erasure.forget` keeps `conversation_tombstone`s): a
    cumulative export holds the conversation again every night, longer, under a new file name."""
    from miner.store.erasure import any_erased, erased_ids
    from miner.store.pii_key import pii_key

    if not source_ids or not any_erased(db):
        return set()
    key = pii_key(db)  # once: it is read from the database (a conversation each cost two queries)
    keys = {conversation_tombstone(key, s): s for s in source_ids}
    return {keys[k] for k in erased_ids(db, list(keys))}


def conversation_tombstone(key: str, source_id: str) -> str:
    """'conversation:' and a hash of the id keyed with the database's `key` (`pii_key`): an id can name the customer
    ('cust-4482913'), and an erasure keeps nothing that does."""
    digest = hmac.new(key.encode(), source_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"conversation:{digest[:24]}"


def item_tombstone(key: str, source_id: str, date: str | None, text: str) -> str:
    """'item:' and a hash, keyed with the database's `key` (`pii_key`), of an item's source id, day and text as
    stored: a document's id holds its file's name, so an erased customer's rows came back in the same export under
    another name (`march_export.csv`)."""
    said = f"{source_id}\x1f{(date or '')[:10]}\x1f{text}"
    return f"item:{hmac.new(key.encode(), said.encode('utf-8'), hashlib.sha256).hexdigest()[:24]}"


def as_stored(text: str | None) -> re.Pattern[str] | None:
    """A stored text that redaction changed, as a pattern any text it could have been redacted from matches: a file
    read before redaction (`new_records`' first pass) is then found stored as it is, and not redacted again each
    night it holds the same conversation; None for a text redaction did not change."""
    parts = PLACEHOLDER.split(text or "")
    if len(parts) == 1:
        return None
    return re.compile(".+?".join(map(re.escape, parts)), re.DOTALL)


def _taken(db: sqlite_utils.Database, records: list[Record]) -> set[str]:
    from miner.store.erasure import erased_ids

    ids = [r.document_id for r in records]
    out = erased_ids(db, ids)
    for chunk, marks in in_chunks(ids):
        out.update(r[0] for r in db.execute(f"SELECT id FROM documents WHERE id IN ({marks})", chunk))
    return out


def stored_turns(text: str, meta: str | None) -> Turns:
    turns = (json.loads(meta) if meta else {}).get("turns")
    if not turns:
        return [("", text or "")]
    return [(t.get("speaker", ""), t.get("text", "")) for t in turns]


def record_turns(rec: Record) -> Turns:
    if not rec.turns:
        return [("", rec.text)]
    return [(t.speaker, t.text) for t in rec.turns]
