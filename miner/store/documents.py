"""Writing imports: documents and their segments, all or nothing, skipping what is already stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from miner.checksum import file_sha256
from miner.errors import InputError
from miner.ingest.email import quotes_earlier
from miner.ingest.records import Record, Respondents
from miner.segment.pii import PLACEHOLDER
from miner.segment.scripts import unread_items
from miner.segment.segmenter import Segment
from miner.store.db import in_chunks
from miner.store.erasure import erased_ids, erased_items
from miner.store.import_result import ImportResult
from miner.store.stored_text import as_stored
from miner.store.versions import carried_segments, note_replaced, quotes, sort_versions

# a file re-read with other columns: this many of its rows, and half of them, found stored under other dates or ratings
REREAD_MIN = 5


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_records(db: sqlite_utils.Database, records: list[Record]) -> list[Record]:
    """Records whose document id is not stored yet, nor erased (miner/store/erasure.py), nor repeated in the batch,
    and that no other file stored already (`_stored_elsewhere`); a transcript stored with fewer turns comes back as
    its newer version (miner/store/versions.py)."""
    older = sort_versions(db, records)  # a conversation stored already in this version or a longer one
    if older:
        records = [r for r in records if id(r) not in older]
    ids = [r.document_id for r in records]
    known: set[str] = set()
    for chunk, marks in in_chunks(ids):
        known.update(row[0] for row in db.execute(f"SELECT id FROM documents WHERE id IN ({marks})", chunk))
    known |= erased_ids(db, ids)  # forgotten customers stay forgotten, even in a file that still holds them
    known |= erased_items(db, records)  # and in the same rows under another file name
    known |= _stored_by_text(db, records)
    known |= _stored_raw(db, records)
    fresh, seen = [], set()
    for rec in records:
        if rec.document_id not in known and rec.document_id not in seen:
            seen.add(rec.document_id)
            fresh.append(rec)
    again = _stored_elsewhere(db, fresh)
    return [r for r in fresh if id(r) not in again] if again else fresh


def _stored_raw(db: sqlite_utils.Database, records: list[Record]) -> set[str]:
    """Document ids of `records` a database holds under the id of their text before import made it plain
    (`Record.raw_id`): an export with HTML or invisible marks in it, mined again, added each such row a second time;
    or under their numeric source id's phone token (`Record.tokened_id`), as redaction stored it before."""
    by_raw = {r.raw_id: r.document_id for r in records if r.raw_id is not None}
    by_token = {r.tokened_id: r.document_id for r in records if r.tokened_id is not None}
    by_raw |= by_token
    out = {by_token[gone] for gone in erased_ids(db, list(by_token))}  # its customer forgotten under that id
    for chunk, marks in in_chunks(list(by_raw)):
        out.update(by_raw[row[0]] for row in db.execute(f"SELECT id FROM documents WHERE id IN ({marks})", chunk))
    return out


def _stored_by_text(db: sqlite_utils.Database, records: list[Record]) -> set[str]:
    """Document ids of `records` that a database written before 2026-12-06 holds under their text alone
    (`Record.legacy_id`; answers of the same words were one item then): the row of those words it stored, with the
    same date and rating, is not stored again; nor is any row of words whose item a customer erasure removed."""
    by_text: dict[str, list[Record]] = {}
    for rec in records:
        if (legacy := rec.legacy_id) is not None:
            by_text.setdefault(legacy, []).append(rec)
    out: set[str] = set()
    names = list(by_text)
    for chunk, marks in in_chunks(names):
        for doc_id, date, raw in db.execute(f"SELECT id, date, rating_raw FROM documents WHERE id IN ({marks})", chunk):
            out.update(r.document_id for r in by_text[doc_id] if not r.repeat and (r.date, r.rating_raw) == (date, raw))
    for gone in erased_ids(db, names):
        out.update(r.document_id for r in by_text[gone])
    return out


def changed_texts(db: sqlite_utils.Database, records: list[Record], import_id: int) -> int:
    """Records whose document id an earlier import stored with other text. Documents are immutable (the first
    version is kept and `new_records` skips these), but a silent skip hid a ticket that grew; counted so the import
    can say so. A stored text that redaction changed cannot be compared with the text read, and is not counted; nor
    is a conversation that grew, whose new version replaces the stored one (miner/store/versions.py)."""
    of = {r.document_id: r for r in records}
    ids = list(of)
    changed = 0
    for chunk, marks in in_chunks(ids):
        sql = f"SELECT id, text FROM documents WHERE id IN ({marks}) AND import_id != ?"
        for doc_id, text in db.execute(sql, [*chunk, import_id]):
            rec = of[doc_id]
            # a conversation's newer version replaces it (versions.py), as does an e-mail quoting the stored one; a
            # .txt file of the same name in other words is another item, kept beside it (`versions._named_apart`)
            replaced = rec.kind == "transcript" or rec.id_from_name
            replaced = replaced or (quotes_earlier(rec.text) and quotes(rec.text, text or ""))
            changed += text != rec.text and not replaced and not PLACEHOLDER.search(text or "")
    return changed


def reread_texts(db: sqlite_utils.Database, records: list[Record], import_id: int) -> int:
    """Records without a source id that an earlier import of the same file stored without the date or rating they
    have now, or on the same day written otherwise: the file read with other columns than before. Such a record's
    id (its text, date and rating) is new, so it would be a second item: `--date-col` named on a file first mined
    without a date doubled every item of it. The same words on another day are another customer's ("Great
    service" every night in a survey's nightly file), not counted."""
    by_text: dict[tuple, list[Record]] = {}
    for rec in records:
        if not rec.source_id:
            by_text.setdefault((rec.source, rec.kind, rec.title, rec.text), []).append(rec)
    stored: dict[tuple, set[tuple]] = {}
    for source in {key[0] for key in by_text}:
        texts = [key[3] for key in by_text if key[0] == source]
        for chunk, marks in in_chunks(texts):
            sql = (f"SELECT kind, title, text, date, rating_raw FROM documents WHERE source = ? AND import_id != ?"
                   f" AND text IN ({marks})")  # fmt: skip
            for kind, title, text, date, raw in db.execute(sql, [source, import_id, *chunk]):
                stored.setdefault((source, kind, title, text), set()).add((date, raw))

    def reread(r: Record, earlier: set[tuple]) -> bool:
        if (r.date, r.rating_raw) in earlier:
            return False
        return any(
            (date is None and r.date) or (raw is None and r.rating_raw is not None)
            or (date and r.date and date != r.date and _same_day(date, r.date))
            for date, raw in earlier
        )  # fmt: skip

    return sum(1 for key, recs in by_text.items() if key in stored for r in recs if reread(r, stored[key]))


def check_reread(name: str, rows: int, reread: int) -> None:
    """Refuse a file most of whose rows `reread_texts` found stored under other dates or ratings (the import's
    transaction rolls back): stored, each would count twice."""
    if reread >= REREAD_MIN and 2 * reread >= rows:
        raise InputError(
            name,
            f"{reread} of its {rows} rows repeat items this database holds from a file of this name, with another "
            "date or rating: the file was read with other columns than before (a --date-col or --rating-col named "
            "now?) or re-exported with its dates written otherwise. Stored, every such item would count twice, so "
            f"nothing was imported. To read it again with other columns, first `touchpoints forget --dataset {name}` "
            "on this database, then mine it again; or mine it into a new database",
        )


def fill_ratings(db: sqlite_utils.Database, records: list[Record], import_id: int) -> int:
    """Give a rating to each stored item that has none where a row of it read now has one (a helpdesk sends a
    ticket's CSAT after it is solved, in a later export of the same ticket and text): the row's twin is the stored
    item of its source id and text (as stored: its placeholders read as wildcards, `as_stored`), of the same day
    unless it is a conversation (as `_stored_elsewhere` and `versions.sort_versions` find it stored, and skip the
    row). A stored rating is never changed, and a row without a source id never fills one (its id holds its rating:
    `reread_texts`), nor does a row of the import storing it. Returns how many items took a rating; the caller
    holds the import's transaction. Nothing is analysed again: reports read ratings from the documents (rating
    impact, quotes); the item's segments keep the complaint scores read without it until the next full run."""
    by_id: dict[str, list[Record]] = {}
    for rec in records:
        if rec.source_id and rec.rating_raw is not None:
            by_id.setdefault(rec.source_id, []).append(rec)
    filled: dict[str, Record] = {}
    for chunk, marks in in_chunks(list(by_id)):
        sql = f"""SELECT id, source_id, kind, text, date FROM documents
                  WHERE source_id IN ({marks}) AND rating IS NULL AND rating_raw IS NULL AND import_id != ?"""
        for doc_id, source_id, kind, text, date in db.execute(sql, [*chunk, import_id]):
            same = as_stored(text)
            for r in by_id[source_id]:
                twin = r.kind == kind and (r.text == text or (same is not None and same.fullmatch(r.text) is not None))
                if twin and (kind == "transcript" or _same_day(r.date, date)) and doc_id not in filled:
                    filled[doc_id] = r
    for doc_id, r in filled.items():
        db.execute(
            "UPDATE documents SET rating = ?, rating_raw = ?, rating_scale = ? WHERE id = ? AND rating_raw IS NULL",
            [r.rating, r.rating_raw, r.rating_scale, doc_id],
        )
    return len(filled)


def _stored_elsewhere(db: sqlite_utils.Database, records: list[Record]) -> set[int]:
    """`id()`s of records another file already stored: the same source id, text and day. A document's id holds
    its file's name (two exports may number their rows alike), so without this an overlapping or renamed nightly
    export (`2026-12-03.csv` holding some of the 2nd's rows) stored every item it shared again."""
    by_id: dict[str, list[Record]] = {}
    for rec in records:
        for sid in dict.fromkeys([rec.source_id, rec.token_id]):  # and as redaction stored a number before
            if sid:
                by_id.setdefault(sid, []).append(rec)
    names = list(by_id)
    out: set[int] = set()
    for chunk, marks in in_chunks(names):
        sql = f"SELECT source_id, text, date FROM documents WHERE source_id IN ({marks})"
        for source_id, text, date in db.execute(sql, chunk):
            # a text redaction changed matches the row read before redaction too (`as_stored`): an overlapping
            # export's rows with a name in them were redacted again, only to be found stored
            same = as_stored(text)
            for r in by_id[source_id]:
                if _same_day(r.date, date) and (r.text == text or (same is not None and same.fullmatch(r.text))):
                    out.add(id(r))
    return out


def edited_elsewhere(db: sqlite_utils.Database, records: list[Record]) -> int:
    """Records (new ones, not conversations) whose source id another file stored with other text: both are kept,
    and said, for an edited review in a nightly export named by its day was stored again beside the first version
    with no word (the same file's name says "an id already stored with other text")."""
    by_id: dict[str, list[Record]] = {}
    for rec in records:
        if rec.source_id and rec.kind != "transcript" and not rec.replaces:  # a newer version is said so
            by_id.setdefault(rec.source_id, []).append(rec)
    edited: set[int] = set()
    for chunk, marks in in_chunks(list(by_id)):
        for source_id, source, text in db.execute(
            f"SELECT source_id, source, text FROM documents WHERE source_id IN ({marks})", chunk
        ):
            same = as_stored(text)
            for r in by_id[source_id]:
                if r.source != source and r.text != text and not (same is not None and same.fullmatch(r.text)):
                    edited.add(id(r))
    return len(edited)


def _same_day(a: str | None, b: str | None) -> bool:
    """One day however each export wrote it: a CSV's `2026-03-07` is stored `2026-03-07T00:00:00`, an API dump's
    `2026-03-07T00:00:00Z` `...+00:00`, and the same row of both was stored twice."""
    return (a or "")[:10] == (b or "")[:10]


def _document_row(rec: Record, import_id: int) -> dict:
    meta = dict(rec.meta)
    if rec.turns:
        meta["turns"] = [{"speaker": t.speaker, "text": t.text} | ({"message": t.message} if t.message else {})
                         for t in rec.turns]  # fmt: skip
    return {
        "id": rec.document_id,
        "import_id": import_id,
        "source": rec.source,
        "source_id": rec.source_id,
        "kind": rec.kind,
        "title": rec.title,
        "text": rec.text,
        "rating": rec.rating,
        "rating_raw": rec.rating_raw,
        "rating_scale": rec.rating_scale,
        "date": rec.date,
        "meta": json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
    }


def begin_import(db: sqlite_utils.Database, path: Path, stored_as: Path | None = None) -> int:
    """An `imports` row for one file, named `stored_as` where given (the path with PII redacted); its counts are
    filled in by `finish_import`."""
    name = stored_as or path
    # Above every run's `last_import` too: SQLite gives a new row the largest id plus one, so once the newest dataset
    # was deleted the next import took its id, and a run that had read the deleted one counted the new one's items.
    sql = "SELECT max(coalesce((SELECT max(id) FROM imports), 0), coalesce((SELECT max(last_import) FROM runs), 0))"
    row = {"id": db.execute(sql).fetchone()[0] + 1, "path": str(name), "source": name.name,
           "sha256": file_sha256(path), "rows": 0, "added": 0, "imported_at": now()}  # fmt: skip
    return int(db.table("imports").insert(row).last_pk)  # type: ignore[arg-type]


def store_records(
    db: sqlite_utils.Database, import_id: int, fresh: list[Record], segments: list[list[Segment]]
) -> None:
    """New documents and their segments, and the documents new versions replace (an e-mail reply takes the segments
    of those it quotes: `carried_segments`); the caller holds the transaction."""
    carried = carried_segments(db, fresh, segments)  # read while the versions they replace are stored
    note_replaced(db, fresh, now())
    db.table("documents").insert_all((_document_row(r, import_id) for r in fresh), batch_size=500)
    db.table("segments").insert_all(
        (
            {
                "document_id": rec.document_id,
                "idx": s.idx,
                "speaker": s.speaker,
                "text": s.text,
                "hash": s.hash,
                "start": s.start,
                "end": s.end,
            }  # fmt: skip
            for rec, segs in zip(fresh, segments, strict=True)
            for s in segs
        ),
        batch_size=1000,
    )
    if carried:
        db.table("segments").insert_all(carried, batch_size=1000)


def finish_import(db: sqlite_utils.Database, import_id: int, rows: int, added: int, skipped: int = 0) -> None:
    """The import's counts: rows read, items stored and bad rows left out under `--on-error skip`."""
    db.table("imports").update(import_id, {"rows": rows, "added": added, "skipped": skipped})


def store_import(
    db: sqlite_utils.Database,
    batches: list[tuple[Path, list[Record], list[Record], list[list[Segment]]]],
    respondents: dict[Path, Respondents] | None = None,
    skipped: dict[Path, int] | None = None,
    shown: Callable[[Path], Path] | None = None,
) -> list[ImportResult]:
    """Store every file's new documents and segments, the scores of the survey respondents who wrote nothing
    (`respondents`, by file) and the counts of its rows left out as unreadable (`skipped`, by file), in one
    transaction: all files or none. `shown` gives the name each file is stored under (its PII pseudonymised)."""
    from miner.store.scores import store_scores

    results = []
    with db.atomic():
        for path, records, fresh, segments in batches:
            name = (shown or Path)(path)
            import_id = begin_import(db, path, stored_as=name)
            rated = fill_ratings(db, records, import_id)
            store_records(db, import_id, fresh, segments)
            read = (respondents or {}).get(path, Respondents())
            store_scores(db, import_id, read.scores)
            bad = (skipped or {}).get(path, 0)
            finish_import(db, import_id, len(records), len(fresh), bad)
            grown, diverged = sum(bool(r.replaces) for r in fresh), sum(r.diverged for r in fresh)
            foreign, empty, tongues = unread_items(fresh, segments)
            results.append(ImportResult(str(name), len(records), len(fresh), foreign, empty, grown=grown,
                                        diverged=diverged, rated=rated, languages=tongues, skipped=bad,
                                        respondents=read.read))  # fmt: skip
    return results


def date_orders(db: sqlite_utils.Database) -> dict[str, bool]:
    """The order each date column last showed: {column: day-first?}."""
    return {name: bool(first) for name, first in db.execute("SELECT name, dayfirst FROM date_orders")}


def save_date_orders(db: sqlite_utils.Database, orders: dict[str, bool]) -> None:
    """Remember what the import's files showed; the caller holds its transaction, so a failed import forgets it."""
    stamp = now()
    rows = [{"name": name, "dayfirst": int(first), "decided_at": stamp} for name, first in orders.items()]
    if rows:
        db.table("date_orders").upsert_all(rows, pk="name")
