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
import json
from collections.abc import Sequence

import sqlite_utils

from miner.ingest.records import Record
from miner.store.db import in_chunks

Turns = list[tuple[str, str]]


def sort_versions(db: sqlite_utils.Database, records: list[Record]) -> set[int]:
    """`id()`s of the transcripts whose conversation is stored already in this version or a longer one. A newer
    version gets `replaces` (the stored document's id) and, where its own id is taken (the same file exported
    again), a `version` that gives it another."""
    by_source: dict[str, list[Record]] = {}
    for rec in records:
        if rec.kind == "transcript" and rec.source_id:
            rec.version = rec.replaces = None  # judged afresh: redaction may have changed the text since
            by_source.setdefault(rec.source_id, []).append(rec)
    skip: set[int] = set()
    names = list(by_source)
    for chunk, marks in in_chunks(names):
        sql = f"SELECT id, source_id, text, meta FROM documents WHERE kind = 'transcript' AND source_id IN ({marks})"
        for doc_id, source_id, text, meta in db.execute(sql, chunk):
            stored = stored_turns(text, meta)
            for rec in by_source[source_id]:
                new = record_turns(rec)
                if new == stored or grew(new, stored):
                    skip.add(id(rec))
                elif grew(stored, new) and rec.replaces is None:
                    rec.replaces = doc_id
    taken = _taken(db, [r for recs in by_source.values() for r in recs if r.replaces is not None])
    for recs in by_source.values():
        for rec in recs:
            if rec.replaces is not None and rec.document_id in taken:
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
    rows = [{"document_id": r.replaces, "by": r.document_id, "found_at": stamp} for r in fresh if r.replaces]
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
