"""Forgetting data (the right to erasure): a dataset's documents, or every item that names a customer, are
deleted with their segments, results and cached vectors, and the runs that counted them are recounted.

What a run stored is corrected, not recomputed: each run's pain point counts, its totals and its quotes lose
exactly the erased items, keywords and label words no remaining complaint holds go, a pain point left with no
complaint is dropped, and every run whose items held an erased one (a complaint or not, an unread item, a survey
score) is stamped `erased_at`, so what the API keeps of it in memory (its index, item and read tables) is rebuilt.
Pain point centroids and a run's corpus head are averages and weights over many items; they stay. The deleted
rows are zeroed in the file (secure_delete) and the write-ahead log is checkpointed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlite_utils

from miner.segment.segmenter import text_hash
from miner.store.db import in_chunks
from miner.store.erasure_lookup import documents_of_customer, documents_of_paths, scores_of_customer
from miner.store.pii_key import pii_key
from miner.store.scores import forget_scores

log = logging.getLogger("touchpoints.erasure")


@dataclass
class Erased:
    """What one erasure removed: counts only."""

    documents: int = 0
    segments: int = 0
    embeddings: int = 0
    runs: int = 0
    pain_points: int = 0
    scores: int = 0  # survey scores of respondents who wrote nothing (miner/store/scores.py)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def value_hash(value: str, key: str) -> str:
    """The prefix logged in place of a value: enough to match two log lines, not to recover the value nor to confirm
    a guess at it. Keyed with the database's key, as its pseudonyms are (`pseudonym`): a plain sha256 of
    'jane.doe@example.com' is one any reader of the log can compute and compare."""
    from miner.segment.pii import pseudonym

    token = pseudonym(value.strip(), "ERASED", key)  # "<ERASED:3f0c1a9be2d4...>"; the value is lower-cased inside
    return token.partition(":")[2][:8]


# --- forgetting ------------------------------------------------------------------------------------------------


def forget(
    db: sqlite_utils.Database,
    document_ids: list[str],
    *,
    kind: str,
    tombstone: bool = False,
    import_paths: Iterable[str] = (),
) -> Erased:
    """Delete the documents and all that was derived from them (and the `import_paths` records), in one
    transaction. `tombstone` keeps their ids in `erased_documents`, so importing a file that still holds them
    skips them (a customer erasure)."""
    ids = sorted(set(document_ids))
    erased = Erased(documents=len(ids))
    # Deleted rows stay readable in free pages and the write-ahead log until overwritten: secure_delete zeroes
    # them, and the checkpoint below moves the zeroed pages into the file and empties the log.
    secure, checks = (db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("secure_delete", "foreign_keys"))
    db.execute("PRAGMA secure_delete = ON")
    # Children are deleted before their parents here; SQLite's own check of each deleted segment would scan the
    # run results (no index by segment): 450 s instead of 2 s for 5,000 of 100,000 documents.
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        _forget(db, ids, erased, kind, tombstone, sorted(set(import_paths)))
    finally:
        db.execute(f"PRAGMA secure_delete = {int(secure)}")
        db.execute(f"PRAGMA foreign_keys = {int(checks)}")
    if not db.conn.in_transaction:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return erased


def _forget(
    db: sqlite_utils.Database, ids: list[str], erased: Erased, kind: str, tombstone: bool, paths: list[str]
) -> None:
    from miner.store.versions import conversation_key, named_id  # versions reads erasures: imported here

    with db.atomic():
        _stage(db, ids)
        # a forgotten customer's conversations stay forgotten in a cumulative export, which holds each again every
        # night, longer, under another file name (a document's id holds its file's): their ids are tombstoned too
        # (by the call's start too where the id is only a .txt file's name: `conversation_key`)
        conversations = sorted({conversation_key(sid, date, named_id(source, sid)) for sid, source, date in db.execute(
            """SELECT source_id, source, date FROM documents WHERE id IN (SELECT id FROM temp.erasing_documents)
               AND kind = 'transcript' AND source_id IS NOT NULL""")}) if tombstone else []  # fmt: skip
        # and every item with an id of its export, under any file name (`item_tombstone`), and a ticket's id with
        # its customer: another version of the ticket comes in an older export delivered again (`thread_tombstones`)
        items = list(db.execute(
            """SELECT source_id, date, text, kind, meta FROM documents WHERE source_id IS NOT NULL
               AND id IN (SELECT id FROM temp.erasing_documents)""")) if tombstone else []  # fmt: skip
        segs = db.execute("SELECT id, hash FROM segments WHERE id IN (SELECT id FROM temp.erasing_segments)").fetchall()
        erased.segments = len(segs)
        hashes = {h for _, h in segs} | _item_hashes(db)
        touched = _recount_runs(db)
        erased.runs = len(touched)
        sql = "SELECT DISTINCT import_id FROM documents WHERE id IN (SELECT id FROM temp.erasing_documents)"
        imports = {i for (i,) in db.execute(sql)}  # the runs that counted them are stamped, read or not
        # One pass over each table, the erased ids looked up in the staged sets (the results have no index by
        # segment, so chunks of ids would scan them once a chunk).
        db.execute("DELETE FROM assignments WHERE segment_id IN (SELECT id FROM temp.erasing_segments)")
        db.execute("DELETE FROM segment_results WHERE segment_id IN (SELECT id FROM temp.erasing_segments)")
        db.execute("DELETE FROM segments WHERE id IN (SELECT id FROM temp.erasing_segments)")
        db.execute("DELETE FROM documents WHERE id IN (SELECT id FROM temp.erasing_documents)")
        scores = forget_scores(db, import_paths=paths)  # before their imports: found through them
        erased.scores = len(scores)
        stamp_runs(db, imports | set(scores.values()))
        for chunk, marks in in_chunks(paths):
            db.execute(f"DELETE FROM imports WHERE path IN ({marks})", chunk)
        erased.embeddings = _drop_vectors(db, sorted(hashes))
        erased.pain_points = _drop_empty_points(db, touched)
        for run_id, points in touched.items():
            _drop_quotes(db, run_id, {s for s, _ in segs})
            _scrub_words(db, run_id, sorted(points))
        if tombstone:
            stamp = now()
            from miner.store.pii_key import pii_key
            from miner.store.versions import conversation_tombstone, item_tombstone, thread_tombstones

            key = pii_key(db)

            tombstones = [*ids, *(conversation_tombstone(key, c) for c in conversations),
                          *(item_tombstone(key, sid, date, text) for sid, date, text, _, _ in items),
                          *(t for sid, _, text, kind, meta in items if kind != "transcript"
                            for t in thread_tombstones(key, sid, json.loads(meta or "{}"), text))]  # fmt: skip
            db.table("erased_documents").insert_all(
                ({"document_id": d, "erased_at": stamp} for d in tombstones), pk="document_id", replace=True
            )
        db.table("erasures").insert({"erased_at": now(), "kind": kind, "documents": erased.documents,
                                     "segments": erased.segments})  # fmt: skip
        db.execute("DELETE FROM temp.erasing_documents")
        db.execute("DELETE FROM temp.erasing_segments")


def _stage(db: sqlite_utils.Database, ids: list[str]) -> None:
    """The documents to erase and their segments, in temporary tables the deletes look ids up in."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS erasing_documents (id TEXT PRIMARY KEY)")
    db.execute("CREATE TEMP TABLE IF NOT EXISTS erasing_segments (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.erasing_documents")
    db.execute("DELETE FROM temp.erasing_segments")
    db.conn.executemany("INSERT OR IGNORE INTO temp.erasing_documents (id) VALUES (?)", [(i,) for i in ids])
    db.execute("""INSERT INTO temp.erasing_segments SELECT id FROM segments
                  WHERE document_id IN (SELECT id FROM temp.erasing_documents)""")


def _item_hashes(db: sqlite_utils.Database) -> set[str]:
    """Hashes of what a run caches beyond each segment's own text: its document's segments joined (an item's
    context, also as the mapper reads it), each clause read inside them (miner/embed/spans.py) and each clause as
    the mapper reads it (`for_mapping`)."""
    from miner.embed.spans import erasable_hashes
    from miner.touchpoints.normalise import for_mapping

    texts: dict[str, list[str]] = {}
    sql = """SELECT document_id, text FROM segments WHERE id IN (SELECT id FROM temp.erasing_segments)
             ORDER BY document_id, id"""
    for doc, text in db.execute(sql):
        texts.setdefault(doc, []).append(text)
    hashes = set()
    for parts in texts.values():
        hashes.update(erasable_hashes(parts))
        hashes.add(text_hash(for_mapping(" ".join(parts))))
        hashes.update(text_hash(for_mapping(p)) for p in parts)
    return hashes


def _drop_vectors(db: sqlite_utils.Database, hashes: list[str]) -> int:
    """Cached vectors of the erased texts that no remaining segment shares."""
    dropped = 0
    for chunk, marks in in_chunks(hashes):
        sql = f"""DELETE FROM embeddings WHERE hash IN ({marks})
                  AND hash NOT IN (SELECT hash FROM segments WHERE hash IN ({marks}))"""
        dropped += db.execute(sql, [*chunk, *chunk]).rowcount
    return dropped


def _recount_runs(db: sqlite_utils.Database) -> dict[int, set[str]]:
    """Take the staged segments out of every run's stored counts, and its fit; returns the pain points touched per
    run."""
    per_run: dict[int, dict] = {}
    sql = """SELECT r.run_id, COUNT(*), SUM(r.complaint), COUNT(DISTINCT s.document_id)
             FROM segment_results r JOIN segments s ON s.id = r.segment_id
             WHERE r.segment_id IN (SELECT id FROM temp.erasing_segments) GROUP BY r.run_id"""
    for run_id, n, complaints, docs in db.execute(sql):
        per_run[run_id] = {"segments": n, "complaints": complaints or 0, "documents": docs, "points": {}}
    sql = """SELECT run_id, pain_point_id, COUNT(*) FROM assignments
             WHERE segment_id IN (SELECT id FROM temp.erasing_segments) AND pain_point_id IS NOT NULL
             GROUP BY run_id, pain_point_id"""
    for run_id, pid, n in db.execute(sql):
        entry = per_run.setdefault(run_id, {"segments": 0, "complaints": 0, "documents": 0, "points": {}})
        entry["points"][pid] = n
    stamp = now()
    for run_id, e in per_run.items():
        # The fit (miner/touchpoints/fit.py) reads each complaint's two best similarities, which are not stored:
        # it cannot be recomputed without the erased complaints, so it goes rather than describe them.
        db.execute(
            """UPDATE runs SET segments = max(0, coalesce(segments, 0) - ?),
               complaints = max(0, coalesce(complaints, 0) - ?), documents = max(0, coalesce(documents, 0) - ?),
               fit = NULL, erased_at = ? WHERE id = ?""",
            [e["segments"], e["complaints"], e["documents"], stamp, run_id],
        )
        for pid, n in e["points"].items():
            db.execute("UPDATE pain_points SET complaints = max(0, complaints - ?) WHERE run_id = ? AND id = ?",
                       [n, run_id, pid])  # fmt: skip
    return {run_id: set(e["points"]) for run_id, e in per_run.items()}


def stamp_runs(db: sqlite_utils.Database, imports: set[int | None]) -> None:
    """Stamp `erased_at` on every run whose items held an item (or a score) of these imports (`run_items`: those up
    to its last import, every item for a run that recorded none): an erased item with no segment (in another
    language) took nothing out of `_recount_runs`' counts, and the run's tables in memory kept counting it."""
    if not imports:
        return
    known = [i for i in imports if i is not None]
    sql = "UPDATE runs SET erased_at = ? WHERE last_import IS NULL" + (" OR last_import >= ?" if known else "")
    db.execute(sql, [now(), *([min(known)] if known else [])])


def _drop_empty_points(db: sqlite_utils.Database, touched: dict[int, set[str]]) -> int:
    """Pain points left with no complaint: their label and keywords came from erased items alone."""
    dropped = 0
    for run_id, points in touched.items():
        for pid in sorted(points):
            sql = "DELETE FROM pain_points WHERE run_id = ? AND id = ? AND complaints = 0"
            dropped += db.execute(sql, [run_id, pid]).rowcount
    return dropped


def _drop_quotes(db: sqlite_utils.Database, run_id: int, gone: set[int]) -> None:
    for pid, reps in db.execute("SELECT id, representatives FROM pain_points WHERE run_id = ?", [run_id]).fetchall():
        kept = [s for s in json.loads(reps or "[]") if s not in gone]
        if len(kept) != len(json.loads(reps or "[]")):
            db.execute("UPDATE pain_points SET representatives = ? WHERE run_id = ? AND id = ?",
                       [json.dumps(kept), run_id, pid])  # fmt: skip


def hand_over(db: sqlite_utils.Database, paths: list[str], kept: list[str]) -> int:
    """Give the imports of `paths` that read the same bytes as an import of `kept` that import's path, so that
    forgetting `paths` leaves their documents: an API client that uploaded a file twice (a retry) and deleted the
    first upload lost the rows the second one still said it held (its import had found them stored). The documents
    keep their import, and so every run that analysed them keeps counting them (`miner.store.filters.run_items`).
    Returns the documents handed over."""
    mine = [r for chunk, marks in in_chunks(sorted(set(paths)))
            for r in db.execute(f"SELECT id, sha256 FROM imports WHERE path IN ({marks})", chunk)]  # fmt: skip
    same: dict[str, str] = {}
    for chunk, marks in in_chunks(sorted(set(kept) - set(paths))):
        for path, sha in db.execute(f"SELECT path, sha256 FROM imports WHERE path IN ({marks})", chunk):
            same.setdefault(sha, path)
    moved = 0
    with db.atomic():
        for import_id, sha in mine:
            if sha and sha in same:
                db.execute("UPDATE imports SET path = ? WHERE id = ?", [same[sha], import_id])
                moved += db.execute("SELECT COUNT(*) FROM documents WHERE import_id = ?", [import_id]).fetchone()[0]
    return moved


def forget_files(db: sqlite_utils.Database, paths: list[str], *, kind: str = "dataset") -> Erased:
    """Forget everything imported from these files (`imports.path` values), and the import records themselves."""
    erased = forget(db, documents_of_paths(db, paths), kind=kind, import_paths=paths)
    log.info("erased %s: %d files, %d documents, %d segments", kind, len(set(paths)), erased.documents,
             erased.segments)  # fmt: skip
    return erased


def would_forget(db: sqlite_utils.Database, document_ids: list[str], score_ids: Iterable[str] = ()) -> Erased:
    """A dry run: the documents and segments an erasure of these documents would delete, and the scores of
    `score_ids` (`scores_of_customer`); nothing is changed."""
    ids = sorted(set(document_ids))
    segments = sum(
        db.execute(f"SELECT COUNT(*) FROM segments WHERE document_id IN ({marks})", chunk).fetchone()[0]
        for chunk, marks in in_chunks(ids)
    )
    return Erased(documents=len(ids), segments=segments, scores=len(set(score_ids)))


def forget_customer(
    db: sqlite_utils.Database, value: str, pending: Iterable[str] = (), conversations: Iterable[str] = ()
) -> Erased:
    """Forget every item naming the customer; their ids are kept so a re-import skips them, as are the ids of
    `pending` items (read from files not imported yet, `erasure_lookup.records_naming`), which an import of those
    files then skips, and the ids of their `conversations` (a later cumulative export holds them again, longer:
    miner/store/versions.py). Logged by a hash prefix of the value, never the value."""
    erased = forget(db, [*documents_of_customer(db, value), *pending], kind="customer", tombstone=True)
    with db.atomic():
        scores = forget_scores(db, ids=scores_of_customer(db, value))  # a respondent's who wrote nothing
        erased.scores = len(scores)
        stamp_runs(db, set(scores.values()))
        rows = [{"document_id": s, "erased_at": now()} for s in scores]
        if conversations:
            from miner.store.versions import conversation_tombstone

            key = pii_key(db)
            rows += [{"document_id": conversation_tombstone(key, c), "erased_at": now()} for c in set(conversations)]
        if rows:
            db.table("erased_documents").insert_all(rows, pk="document_id", replace=True)
    log.info("erased customer #%s: %d documents, %d segments", value_hash(value, pii_key(db)), erased.documents,
             erased.segments)  # fmt: skip
    return erased


def erased_items(db: sqlite_utils.Database, records: list) -> set[str]:
    """Document ids of the records with an export's id that an erasure removed from another file of the same rows
    (`item_tombstone`; the text is compared as stored, so a record is found once it is redacted), or that are
    another version of an erased customer's ticket (`thread_tombstones`: its id and customer)."""
    from miner.store.pii_key import pii_key
    from miner.store.versions import item_tombstone, thread_tombstones

    if not any(r.source_id for r in records) or not any_erased(db):
        return set()
    key = pii_key(db)
    by_stone: dict[str, set[str]] = {}  # a ticket's versions in one batch share its thread's
    for r in records:
        # token_id: a numeric id as redaction stored it before (`Record`)
        for sid in dict.fromkeys([r.source_id, r.token_id] if r.source_id else []):
            threads = thread_tombstones(key, sid, r.meta, r.text) if sid and r.kind != "transcript" else []
            for stone in [item_tombstone(key, sid, r.date, r.text), *threads] if sid else []:
                by_stone.setdefault(stone, set()).add(r.document_id)
    return {d for s in erased_ids(db, list(by_stone)) for d in by_stone[s]}


def any_erased(db: sqlite_utils.Database) -> bool:
    """Whether an erasure ever kept an id here: where none did, an import hashes no tombstone (`item_tombstone`,
    `conversation_tombstone`, `thread_tombstones`) to look for."""
    return db.execute("SELECT 1 FROM erased_documents LIMIT 1").fetchone() is not None


def erased_ids(db: sqlite_utils.Database, ids: list[str]) -> set[str]:
    """Which of these document ids a customer erasure removed (an import skips them)."""
    out: set[str] = set()
    for chunk, marks in in_chunks(ids):
        sql = f"SELECT document_id FROM erased_documents WHERE document_id IN ({marks})"
        out.update(r[0] for r in db.execute(sql, chunk))
    return out


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _scrub_words(db: sqlite_utils.Database, run_id: int, point_ids: list[str]) -> None:
    """Keywords, and label words, that no remaining complaint of the pain point holds came from erased items
    (a name, an order number): the keywords go, and such a label falls back to its kept parts."""
    run = db.execute("SELECT taxonomy FROM runs WHERE id = ?", [run_id]).fetchone()
    known = _tokens(run[0] or "") | {"other", "issues"}  # the taxonomy's names make labels too
    for pid in point_ids:
        row = db.execute(
            "SELECT label, keywords FROM pain_points WHERE run_id = ? AND id = ?", [run_id, pid]
        ).fetchone()
        if row is None:
            continue
        sql = """SELECT s.text FROM assignments a JOIN segments s ON s.id = a.segment_id
                 WHERE a.run_id = ? AND a.pain_point_id = ?"""
        words: set[str] = set().union(*(_tokens(t) for (t,) in db.execute(sql, [run_id, pid])))
        keywords = [k for k in json.loads(row[1] or "[]") if _tokens(str(k)) <= words]
        label = row[0] if _tokens(row[0]) <= words | known else _relabel(row[0], keywords, words | known)
        db.execute("UPDATE pain_points SET label = ?, keywords = ? WHERE run_id = ? AND id = ?",
                   [label, json.dumps(keywords), run_id, pid])  # fmt: skip


def _relabel(label: str, keywords: list[str], allowed: set[str]) -> str:
    """The label's parts ('Sub-touchpoint: phrase (word)') whose words are all allowed, else its first kept
    keyword, else 'Other issues'."""
    kept = [p.strip() for p in re.split(r"[:()]", label) if p.strip() and _tokens(p) <= allowed]
    if not kept:
        kept = [keywords[0][:1].upper() + keywords[0][1:]] if keywords else ["Other issues"]
    return ": ".join(kept)
