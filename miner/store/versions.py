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

from miner.ingest.email import quotes_earlier
from miner.ingest.records import Record
from miner.segment.segmenter import Segment, unwrap
from miner.store.continued import by_ids, continuation, join, stored_parts
from miner.store.db import in_chunks
from miner.store.quoting import quotes
from miner.store.stored_text import as_stored

Turns = list[tuple[str, str]]


def sort_versions(db: sqlite_utils.Database, records: list[Record]) -> set[int]:
    """`id()`s of the transcripts whose conversation is stored already in this version or a longer one, or whose
    customer an erasure forgot (`forgotten_conversations`). A newer version gets `replaces`: every stored version
    it extends (nights read in one `mine` are all stored until it ends: the third replaces the first and the
    second), and a version of the same export whose earlier turns were edited (`edited`); where its own id is taken
    (the same file exported again), a `version` gives it another. A part holding the messages since the stored
    version's (a chat export sliced by night), told by message ids or `mine --append` (continued.py), is joined to
    it and replaces it. A version of another export that differs in earlier turns, or of the same export that is
    neither an edit nor a part that can be told, is `diverged`: both are kept (two tools numbering alike, an edited
    conversation, a part without message ids), under a `version` of its own where its id is taken, and `mine` says
    so. A version the stored one holds whole (`held`) is skipped.
    Rows of another kind (a helpdesk export whose id column is a plain `id` is read as reviews) are versions of
    one e-mail thread where one quotes the other (`_sort_email`). An id that is a .txt file's name
    (`Record.id_from_name`) names no conversation: only its file's name's stored items are its versions, and one
    that is none of them, in other words, is another item, stored under a `version` (`_named_apart`)."""
    by_source: dict[str, list[Record]] = {}
    for rec in records:
        if rec.source_id:
            # judged afresh: redaction changes the text
            rec.version, rec.replaces, rec.carries, rec.diverged = None, [], [], False
            by_source.setdefault(rec.source_id, []).append(rec)
    # a numeric id, as redaction stored it before 2026-12-07 too (`Record.token_id`)
    of = {sid: sid for sid in by_source} | {r.token_id: sid for sid, rs in by_source.items() for r in rs if r.token_id}
    talks = [(s, r) for s in of for r in by_source[of[s]] if r.kind == "transcript"]
    keyed = {conversation_key(s, r.date, r.id_from_name) for s, r in talks}
    forgotten = forgotten_conversations(db, sorted(keyed))
    skip = {id(r) for s, r in talks if conversation_key(s, r.date, r.id_from_name) in forgotten}
    parts: dict[int, list[str]] = {}  # the stored versions each record continues (miner/store/continued.py)
    for chunk, marks in in_chunks(list(of)):
        # not a version this import replaced already (nights read in one `mine`): the replacing one holds it
        sql = f"""SELECT id, source_id, source, kind, text, meta, date FROM documents WHERE source_id IN ({marks})
                  AND id NOT IN (SELECT document_id FROM replaced_documents)"""
        for doc_id, source_id, source, kind, text, meta, date in db.execute(sql, chunk):
            # an id that is a .txt file's name is no id in a file of another name or of a call started at another
            # time (`Record.id_from_name`)
            recs = [r for r in by_source[of[source_id]] if not r.id_from_name or _same_named(r, source, date)]
            if kind == "transcript":
                _sort_conversation([r for r in recs if r.kind == kind], doc_id, source, text, meta, skip, parts)
            else:
                _sort_email([r for r in recs if r.kind != "transcript"], doc_id, text, meta, skip)
    judged = [r for recs in by_source.values() for r in recs]
    for rec in judged:
        if id(rec) in parts and id(rec) not in skip:
            join(db, rec, parts[id(rec)])
    taken = _taken(db, [r for r in judged if r.replaces or r.diverged])
    named = [r for r in judged if r.id_from_name and not r.replaces and id(r) not in skip]
    apart = _named_apart(db, named) | _named_erased(db, named)
    for rec in judged:
        if ((rec.replaces or rec.diverged) and rec.document_id in taken) or id(rec) in apart:
            rec.version = hashlib.sha1(rec.text.encode("utf-8")).hexdigest()[:12]
    return skip


def _named_apart(db: sqlite_utils.Database, records: list[Record]) -> set[int]:
    """`id()`s of the records whose id is their .txt file's name (`Record.id_from_name`) that a file of the same
    name stored in other words, and that are no version of it (`_sort_conversation`): another month's export of
    `calls.txt` in its own folder, which took the first one's id and replaced it (8 of 96 calls were left after a
    nightly month-by-month run). Each is kept beside it, under an id of its own (a `version`)."""
    by_id: dict[str, list[Record]] = {}
    for rec in records:
        by_id.setdefault(rec.document_id, []).append(rec)
    out: set[int] = set()
    for chunk, marks in in_chunks(list(by_id)):
        for doc_id, text, date in db.execute(f"SELECT id, text, date FROM documents WHERE id IN ({marks})", chunk):
            same = as_stored(text)  # a file read again before redaction is the item stored redacted
            for r in by_id[doc_id]:
                if not _same_named(r, r.source, date) or (r.text != text and not (same and same.fullmatch(r.text))):
                    out.add(id(r))
    return out


def _named_erased(db: sqlite_utils.Database, records: list[Record]) -> set[int]:
    """`id()`s of the records whose id is their .txt file's name, and whose document id an erasure took from a call
    of that name: one not forgotten by its own start (`conversation_key`, checked before) is another call, stored
    under an id of its own (`version`) where the erased one's id would have kept it out."""
    from miner.store.erasure import any_erased, erased_ids

    if not records or not any_erased(db):
        return set()
    erased = erased_ids(db, [r.document_id for r in records])
    return {id(r) for r in records if r.document_id in erased}


def _same_named(rec: Record, source: str, date: str | None) -> bool:
    """Whether a stored item of `source` dated `date` may be `rec`, whose id is its file's name: of that file's
    name, and dated alike where both are (a transcript's date is its first turn's stamp, which a longer export
    of the same call keeps; template calls of two months in the same words are two calls)."""
    return source == rec.source and (not date or not rec.date or date == rec.date)


def _sort_conversation(
    recs: list[Record],
    doc_id: str,
    source: str,
    text: str,
    meta: str | None,
    skip: set[int],
    parts: dict[int, list[str]],
) -> None:
    """Judge each transcript of `recs` against the stored conversation `doc_id` of its id (`sort_versions`); one
    that continues it (continued.py) is added to its `parts`, to be joined to it."""
    stored, same = stored_turns(text, meta), as_stored(text)
    for rec in recs:
        if doc_id in rec.continues:  # joined to it when first judged, before redaction: still its continuation
            rec.replaces.append(doc_id)
            continue
        new = record_turns(rec)
        ours = same_customer(meta, rec.meta)
        if new == stored or grew(new, stored) or held(stored, new) or (same is not None and same.fullmatch(rec.text)):
            if new != stored and not rec.continues and by_ids(stored_parts(meta), rec.turns or []):
                # messages whose ids are not stored, in words the conversation said before (an agent's canned reply,
                # "Still nothing." again): read as a slice of it read again, they were lost. The same turns, all of
                # them, are the conversation read again, whatever ids an export gives them
                parts.setdefault(id(rec), []).append(doc_id)
            else:
                skip.add(id(rec))
        elif ours and quotes(text, rec.text):  # an older e-mail of the thread read again (a backfill)
            skip.add(id(rec))
        elif grew(stored, new):  # longer
            rec.replaces.append(doc_id)
        elif (
            not rec.continues and (rest := continuation(stored_parts(meta), rec.turns or [], rec.appended)) is not None
        ):
            # the messages since the stored ones (before an edit is looked for: a part that shares a short turn with
            # the stored one, "Yes.", replaced it as an edit)
            if rest:
                parts.setdefault(id(rec), []).append(doc_id)
            else:
                skip.add(id(rec))
        elif (quoting := ours and quotes(rec.text, text)) or (
            source == rec.source and not rec.id_from_name and edited(stored, new)
        ):
            # an e-mail replying on top of the stored one (which it carries), or the same export's with turns edited
            # (a .txt file's conversation in other turns is another file's of that name: `_named_apart`)
            rec.replaces.append(doc_id)
            rec.carries += [doc_id] if quoting else []
        else:  # another export's, or a part of the conversation the stored one does not hold: both kept
            rec.diverged = True


def _sort_email(recs: list[Record], doc_id: str, text: str, meta: str | None, skip: set[int]) -> None:
    """Judge rows that are no conversation against the stored item `doc_id` of their id, where either is an e-mail
    holding an earlier one (`quotes_earlier`): a row quoting the stored text is its newer version and replaces it,
    one the stored text quotes is an older version read again (a backfill) and is skipped. Night 2 of an export
    with a plain `id` column held each ticket again, the reply on top, and both were counted. Rows in other words
    and no quote stay as they were (`edited_elsewhere`, `changed_texts`)."""
    stored_mail: bool | None = None  # read once, and only for a row in other words
    for rec in recs:
        if rec.text == text or not same_customer(meta, rec.meta):
            continue
        if stored_mail is None:
            stored_mail = quotes_earlier(text)
        if not stored_mail and not quotes_earlier(rec.text):
            continue
        if quotes(text, rec.text):
            skip.add(id(rec))
        elif quotes(rec.text, text):
            rec.replaces.append(doc_id)
            rec.carries.append(doc_id)


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


def held(earlier: Sequence[tuple[str, str]], later: Sequence[tuple[str, str]]) -> bool:
    """Whether `earlier` holds all of `later`: its turns, one after another (a slice of the conversation stored
    whole since, read again)."""
    size = len(later)
    return 0 < size <= len(earlier) and any(list(earlier[i : i + size]) == list(later) for i in range(len(earlier)))


def edited(earlier: Sequence[tuple[str, str]], later: Sequence[tuple[str, str]]) -> bool:
    """Whether `later` may be `earlier` with turns edited: a turn of it is where it was, or every turn of `earlier`
    is in `later`, in order. A chat export sliced by night (`messages.csv` in each day's folder) holds only the
    turns written since: replaced by it, the turns stored before were lost."""
    if any(a == b for a, b in zip(earlier, later, strict=False)):
        return True
    rest = iter(later)
    return all(turn in rest for turn in earlier)


def same_customer(stored_meta: str | None, meta: dict) -> bool:
    """Whether two versions may be one customer's thread: False where both name an e-mail address under one column
    (a ticket's requester) and the addresses differ (two customers' tickets of one number are never one thread), or
    where one is the address and the other a keyed token of one (a file is read before redaction, and its rows
    judged again after: only then are they comparable)."""
    stored = json.loads(stored_meta) if stored_meta else {}
    for key, value in meta.items():
        other = stored.get(key)
        if not isinstance(value, str) or not isinstance(other, str):
            continue
        kinds = {_address(value), _address(other)}
        if kinds == {"token", "plain"} or (kinds in ({"token"}, {"plain"}) and value.casefold() != other.casefold()):
            return False
    return True


_KEYED_ADDRESS = re.compile(r"\s*<EMAIL:[0-9a-f]{16}>\s*")
_PLAIN_ADDRESS = re.compile(r"\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*")


def _address(value: str) -> str | None:
    """The kind of e-mail address `value` is: "token" (keyed, once redacted), "plain", or None (no address)."""
    if _KEYED_ADDRESS.fullmatch(value):
        return "token"
    return "plain" if _PLAIN_ADDRESS.fullmatch(value) else None


def note_replaced(db: sqlite_utils.Database, fresh: list[Record], stamp: str) -> int:
    """Name the documents the new versions among `fresh` replace; the caller holds the import's transaction."""
    rows = [{"document_id": old, "by": r.document_id, "found_at": stamp} for r in fresh for old in r.replaces]
    if rows:
        db.table("replaced_documents").insert_all(rows, pk="document_id", replace=True)
    return len(rows)


def carried_segments(db: sqlite_utils.Database, fresh: list[Record], segments: list[list[Segment]]) -> list[dict]:
    """Segment rows (as `store_records` writes them) of the stored versions each new one quotes (`Record.carries`),
    for the new version: their customer's words are in its quoted lines, which are never mined (email.py), and a
    replaced version's segments leave with it, so without these the reply on top of a ticket lost the complaint the
    ticket opened with. Each is added once (by `Segment.hash`, as `segment_records` keeps an item's clauses), after
    the new version's own, located in its text where found there (else at -1, as a clause `segment_records` could
    not place). Read before the replaced versions are retired; a third version carries the second's, and so all."""
    wanted = [old for rec in fresh for old in rec.carries]
    if not wanted:
        return []
    said: dict[str, list[tuple[str | None, str, str]]] = {}
    for chunk, marks in in_chunks(wanted):
        sql = f"SELECT document_id, speaker, text, hash FROM segments WHERE document_id IN ({marks}) ORDER BY idx"
        for doc_id, speaker, text, key in db.execute(sql, chunk):
            said.setdefault(doc_id, []).append((speaker, text, key))
    rows: list[dict] = []
    for rec, segs in zip(fresh, segments, strict=True):
        held, full, at, idx = {s.hash for s in segs}, unwrap(rec.text), 0, len(segs)
        for speaker, text, key in (s for old in rec.carries for s in said.get(old, [])):
            if key in held:
                continue
            held.add(key)
            start = full.find(text, at)
            at = start + len(text) if start >= 0 else at
            rows.append({"document_id": rec.document_id, "idx": idx, "speaker": speaker, "text": text, "hash": key,
                         "start": start, "end": start + len(text) if start >= 0 else -1})  # fmt: skip
            idx += 1
    return rows


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
    cumulative export holds the conversation again every night, longer, under a new file name. `source_ids` may be
    `conversation_key`s."""
    from miner.store.erasure import any_erased, erased_ids
    from miner.store.pii_key import pii_key

    if not source_ids or not any_erased(db):
        return set()
    key = pii_key(db)  # once: it is read from the database (a conversation each cost two queries)
    keys = {conversation_tombstone(key, s): s for s in source_ids}
    return {keys[k] for k in erased_ids(db, list(keys))}


def conversation_key(source_id: str, date: str | None, named: bool) -> str:
    """What a conversation is forgotten by: its id, or where the id is only its .txt file's name (`named`:
    `Record.id_from_name`, `named_id`) that and the call's start (a transcript's date is its first turn's stamp,
    which a longer export of the call keeps). By the name alone, erasing one customer's call from `calls.txt`
    dropped every later month's `calls.txt` call, other customers' too."""
    return f"{source_id}\x1f{date or ''}" if named else source_id


def named_id(source: str, source_id: str) -> bool:
    """Whether a stored item's id is only its .txt file's name ('calls', 'calls#2' in `calls.txt`)."""
    stem, dot, ext = source.rpartition(".")
    return bool(dot) and ext.lower() == "txt" and (source_id == stem or source_id.startswith(f"{stem}#"))


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


def thread_tombstones(key: str, source_id: str, meta: dict, text: str) -> list[str]:
    """'thread:' and a hash, keyed with the database's `key` (`pii_key`), of a ticket's source id and its customer:
    one per e-mail address its row names (a requester's, as redaction keys it, so a row read before redaction
    finds it too), else one with none where its text holds an earlier message (`quotes_earlier`). A helpdesk
    export with a plain `id` column is read as reviews, whose `item_tombstone` is the exact row, so another version
    of an erased customer's ticket (an older export delivered again) came back; the customer in the key keeps a
    review of another export that only shares the id ("1") out of it."""
    from miner.segment.pii import pseudonym

    named = {v.strip().lower() if _address(v) == "token" else pseudonym(v.strip(), "EMAIL", key)
             for v in meta.values() if isinstance(v, str) and _address(v)}  # fmt: skip
    customers = sorted(named) or ([""] if quotes_earlier(text) else [])
    said = (f"{source_id}\x1f{c}".encode() for c in customers)
    return [f"thread:{hmac.new(key.encode(), s, hashlib.sha256).hexdigest()[:24]}" for s in said]


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
