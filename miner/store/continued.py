"""Conversations exported in parts: a night's export that holds only the messages since the last one.

Some chat platforms export each night only the messages added since the previous export, under the conversation's
id. Judged as another version (miner/store/versions.py), night 2's messages 4-5 of conversation A share no turn
with the stored messages 1-3: A was kept twice, one conversation counted as two (and as the same export's edit, a
part replaced the stored one, night 1's complaint lost). A new part continues the stored conversation of its id
where that can be told:

- each message carries the export's own id (a `message_id` column, a message list's `id`: `Turn.message`), in the
  stored version and the new one, and no id of the new one is stored with other words: the messages not stored yet
  are put after the stored ones (an export that repeats a message holds it once);
- or the file is said to hold only the messages since (`mine --append`, `Record.appended`): the new turns after the
  longest run of them the stored conversation ends with are put after it.

The joined version is stored under an id of its own and replaces the stored one, as a grown conversation does, in
the import's transaction: read again, or after a crash, the part is found held and adds nothing. Exports without
message ids and without `--append` are kept as they were, beside the stored part (`mine` says so).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlite_utils

from miner.ingest.records import Record, Turn
from miner.ingest.transcripts import outcome
from miner.store.db import in_chunks
from miner.store.stored_text import as_stored


def stored_parts(meta: str | None) -> list[Turn]:
    """A stored conversation's turns with their message ids (`Turn.message`), as `documents` keeps them in its meta."""
    said = (json.loads(meta) if meta else {}).get("turns") or []
    return [Turn(t.get("speaker", ""), t.get("text", ""), t.get("message")) for t in said]


def continuation(stored: Sequence[Turn], new: Sequence[Turn], appended: bool) -> list[Turn] | None:
    """The turns of `new` that `stored` lacks where `new` continues it ([] where it holds them all); None where it is
    no continuation that can be told (module docstring)."""
    if stored and new and all(t.message for t in (*stored, *new)):
        return by_ids(stored, new)
    if not appended or not stored or not new:
        return None
    if any(_run(stored[i : i + len(new)], new) for i in range(len(stored) - len(new) + 1)):
        return []  # a part the stored conversation holds whole (read again, or an older night)
    ends = next((k for k in range(min(len(stored), len(new)), 0, -1) if _run(stored[-k:], new[:k])), 0)
    return list(new[ends:])


def by_ids(stored: Sequence[Turn], new: Sequence[Turn]) -> list[Turn] | None:
    """The turns of `new` whose message ids `stored` lacks, where every turn of both carries one (`Turn.message`) and
    no id of `new` is stored with other words; None where the ids cannot tell."""
    if not (stored and new and all(t.message for t in (*stored, *new))):
        return None
    held = {t.message: t for t in stored}
    if any(t.message in held and not _same(held[t.message], t) for t in new):
        return None  # an id of other words: another conversation's, or the same one's edited
    return [t for t in new if t.message not in held]


def _same(stored: Turn, new: Turn) -> bool:
    """One turn: the same speaker and words, the stored one's placeholders read as what redaction took (`as_stored`)."""
    if stored.speaker != new.speaker:
        return False
    pattern = as_stored(stored.text) if stored.text != new.text else None
    return stored.text == new.text or (pattern is not None and pattern.fullmatch(new.text) is not None)


def _run(stored: Sequence[Turn], new: Sequence[Turn]) -> bool:
    return len(stored) == len(new) and all(map(_same, stored, new))


# What a stored version's meta says of the whole conversation, which the joined one says again
_OF_THE_WHOLE = ("turns", "messages", "outcome", "language")


def join(db: sqlite_utils.Database, rec: Record, doc_ids: list[str]) -> None:
    """Make `rec` the whole conversation: the stored versions it continues (`doc_ids`, oldest first, as one where a
    database kept them apart before), then its own turns they lack; it replaces them, and takes their start, title,
    rating and columns where it has none of its own."""
    rows = _stored(db, doc_ids)
    turns, columns, messages = _whole(rows)
    own = rec.turns or []
    rest = continuation(turns, own, True) or []
    first = rows[0]
    rec.turns = turns + rest
    # the first stored version's text as it stands, then a line for each turn after it (another stored part's text
    # may repeat a message the first holds)
    after = rec.turns[len(stored_parts(first[2])) :]
    rec.text = "\n".join(
        [first[1], *(f"{'Customer' if t.speaker == 'customer' else 'Agent'}: {t.text}" for t in after)]
    )
    rec.date, rec.title = first[3] or rec.date, rec.title or first[4]
    if rec.rating_raw is None and (rated := next((r for r in reversed(rows) if r[6] is not None), None)):
        rec.rating, rec.rating_raw, rec.rating_scale = rated[5], rated[6], rated[7]
    ours = {k: v for k, v in rec.meta.items() if k != "outcome"}
    rec.meta = {**columns, **ours}
    if "messages" in ours:  # the rows of messages it holds: the stored ones and its own not stored yet
        rec.meta["messages"] = messages + int(ours["messages"]) - (len(own) - len(rest))
    if ended := outcome(rec.turns):
        rec.meta["outcome"] = ended
    rec.continues = [row[0] for row in rows]
    rec.replaces = list(dict.fromkeys([*rec.replaces, *rec.continues]))


def _stored(db: sqlite_utils.Database, doc_ids: list[str]) -> list[tuple]:
    """The stored versions' rows, oldest import first."""
    rows: list[tuple] = []
    for chunk, marks in in_chunks(doc_ids):
        sql = f"""SELECT id, text, meta, date, title, rating, rating_raw, rating_scale, import_id FROM documents
                  WHERE id IN ({marks})"""
        rows += db.execute(sql, chunk).fetchall()
    return sorted(rows, key=lambda row: (row[8], row[3] or ""))


def _whole(rows: list[tuple]) -> tuple[list[Turn], dict, int]:
    """The stored versions as one conversation: their turns (each message once), their columns (the oldest's where
    they differ) and how many message rows they held."""
    turns: list[Turn] = []
    columns: dict = {}
    messages = 0
    for row in rows:
        stored = json.loads(row[2]) if row[2] else {}
        part = stored_parts(row[2])
        turns += (continuation(turns, part, True) or []) if turns else part
        messages += int(stored.get("messages") or 0)
        columns = {**{k: v for k, v in stored.items() if k not in _OF_THE_WHOLE}, **columns}
    return turns, columns, messages
