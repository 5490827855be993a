"""Importing files: read, keep new records, redact, segment and store them, all files in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from miner.errors import InputError
from miner.ingest import ColumnMap, Record, discover, iter_file
from miner.ingest.columns import stored_before
from miner.ingest.records import Respondents
from miner.ingest.silent import redact_kept
from miner.pipeline.overlap import (
    ENCODE_BYTES,
    PARALLEL_BYTES,
    Ahead,
    Redactor,
    in_process,
    items_of,
    overlapped,
    worker_pool,
)
from miner.progress import Bytes, Progress, label
from miner.segment import Segment, Segmenter, SegmenterLike
from miner.segment.language import other_language
from miner.segment.pii import pseudonymise_path
from miner.segment.rules import RULES_MODEL
from miner.segment.scripts import unread_items
from miner.segment.segmenter import unwrap
from miner.store.documents import (
    ImportResult,
    begin_import,
    changed_texts,
    check_reread,
    date_orders,
    edited_elsewhere,
    fill_ratings,
    finish_import,
    reread_texts,
    save_date_orders,
    store_records,
)
from miner.store.pii_key import pii_key
from miner.store.scores import store_scores

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from miner.embed import Embedder
    from miner.embed.spans import Read
    from miner.pipeline.partner import EncoderSpec, Partner
    from miner.touchpoints import Taxonomy

Stored = Callable[[list[list[str]]], None]  # called with the clauses of each item of each piece stored


@dataclass
class MineOptions:
    """What a `mine` is built from (see `build_pipeline`); every field has the CLI's default."""

    taxonomy: Taxonomy | None = None
    embedder: Embedder | None = None  # an embedder instance; else `embedding_model` names one
    segmenter: SegmenterLike | None = None
    mapper: str = "examples"
    columns: ColumnMap = field(default_factory=ColumnMap)
    on_error: str = "fail"
    redact_pii: bool = True
    incremental: bool = False  # analyse only new segments against the last run's pain points (no refit)
    embedding_model: str | None = None  # a name for `get_embedder` (the default encoder when None)
    engine: Any = "local"  # "local", "ray" or an engine instance (miner/pipeline/engines.py)


def readable(record: Record) -> list[tuple[str | None, str]]:
    """The record's pieces to segment (`Record.mined_text`); of one whose words read as another language
    (miner/segment/language.py), which its meta then names, only an English title: a ticket "Charged twice and no
    refund" over a Spanish body was left unread whole."""
    parts = record.mined_text()
    if not (code := other_language("\n".join(text for _, text in parts))):
        return parts
    record.meta = {**(record.meta or {}), "language": code}
    return [(s, t) for s, t in parts if record.title and t == record.title and not other_language(t)]


def segment_records(segmenter: SegmenterLike, records: list[Record], progress: Progress) -> list[list[Segment]]:
    """Clause segments per record, from the customer's words only, with offsets into the stored text. A clause an
    item repeats word for word (an email quoting its own thread, a customer saying it twice) is one segment: 400
    copies of "The delivery was late again." made half a corpus's complaints, and moved its complaint threshold.
    A record whose words read as another language gives none but its English title (`readable`)."""
    pieces = [(i, speaker, text) for i, rec in enumerate(records) for speaker, text in readable(rec)]
    out: list[list[Segment]] = [[] for _ in records]
    cursors = [0] * len(records)
    said: list[set[str]] = [set() for _ in records]  # each record's clause hashes (`Segment.hash`: any case, spacing)
    fulls = [unwrap(rec.text) for rec in records]  # a clause over a soft line break reads a space there (`unwrap`)
    with progress.stage("Segmenting", len(pieces)) as advance:
        for (i, speaker, piece), segs in zip(pieces, segmenter.segment(p[2] for p in pieces), strict=True):
            full = fulls[i]
            if (at := records[i].text.find(piece, cursors[i])) > 0:  # an e-mail's part after a quote it may echo
                cursors[i] = at
            for seg in segs:
                start = full.find(seg.text, cursors[i])
                if start >= 0:
                    cursors[i] = start + len(seg.text)
                if (key := seg.hash) in said[i]:
                    continue
                said[i].add(key)
                kept = Segment(len(out[i]), seg.text, start, start + len(seg.text) if start >= 0 else -1, speaker)
                kept.__dict__["hash"] = key  # the cached `Segment.hash` of the same text: storing reads it again
                out[i].append(kept)
            advance(1)
    return out


def import_files(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    segmenter: SegmenterLike,
    redactor: Redactor | None,
    *,
    columns: ColumnMap | None = None,
    on_error: str = "fail",
    progress: Progress | None = None,
    stored: Stored | None = None,
    parallel_bytes: int = PARALLEL_BYTES,
    meanwhile: Callable[[], object] | None = None,
    partner: Partner | None = None,
    ahead: Ahead | None = None,
) -> list[ImportResult]:
    """Stream every file in chunks into one transaction: all files or none, memory bounded by the chunk.

    A bad row anywhere rolls the whole import back, so the database is left as it was. Files of `parallel_bytes`
    or more are redacted and segmented in a second process (miner/pipeline/overlap.py) while this one stores and
    calls `stored` with the segment texts of each piece stored, one list per item (the local engine embeds them
    ahead), and calls `meanwhile` once, the first time it would wait for that process (the local engine fits its
    models). With a `partner` (miner/pipeline/partner.py) that process is the partner's, which the caller closes;
    where it encodes, what it read for a piece goes to `ahead(read)` (miner/embed/spans.py `Read`) before `stored`
    is called, and a piece this process prepares is read here the same way (`Partner.read`). Where that process
    encodes but there is nothing to redact and the clauses are the rules', the import runs here alone and reads
    nothing ahead: the analysis shares the reading with it (`Partner.read_spans`, `Partner.embed`)."""
    progress = progress or Progress()
    files = discover(paths)
    results = []
    once = [meanwhile] if meanwhile is not None else []

    def first_wait() -> None:
        if once:
            once.pop()()

    sizes = [f.stat().st_size for f in files]
    pool = None
    if any(size >= parallel_bytes for size in sizes):
        encode = any(size >= ENCODE_BYTES for size in sizes)
        pool = partner.pool(encode) if partner is not None else worker_pool(segmenter)
    encoder = partner.spec if partner is not None else None
    read_here = partner.read if partner is not None else None
    # Without redaction and with the rules' clauses a piece costs little to prepare, and the encoder far more: the
    # import then runs here alone (handing pieces to the second process to segment was slower), and the second
    # process keeps its encoder for the analysis, which shares the whole corpus's reading with it (longest first
    # over all of it, each text once) instead of a piece at a time (docs/lab/compact.md, section 9)
    light = encoder is not None and redactor is None and segmenter.model == RULES_MODEL
    try:
        with db.atomic():
            for path, size in zip(files, sizes, strict=True):
                use = pool if size >= parallel_bytes and not light else None
                results.append(_import_file(db, path, segmenter, redactor, columns or ColumnMap(), on_error,
                                            progress, use, stored, first_wait, encoder, ahead, read_here))  # fmt: skip
    finally:
        if pool is not None and partner is None:  # a partner's process lives until its owner closes it
            pool.shutdown(cancel_futures=True)
    return results


def database_redactor(db: sqlite_utils.Database) -> Redactor:
    """`redact_records` with the database's pseudonym key bound, so a worker (the second process, a Ray actor) makes
    the same tokens as this process without opening the database."""
    from miner.segment.pii import redact_records

    return partial(redact_records, key=pii_key(db))


def shown_as(db: sqlite_utils.Database, path: Path, redact: bool) -> Path:
    """The file as an import stores and names it: where it redacts, with PII in its path pseudonymised (a file's
    name holds PII too: `chats-jane.doe@example.com.csv`)."""
    return Path(pseudonymise_path(str(path), pii_key(db))) if redact else path


def files_with_rows(
    db: sqlite_utils.Database, paths: Iterable[Path | str], progress: Progress, *, redact: bool
) -> tuple[list[Path], list[ImportResult]]:
    """The files of `paths` that hold a row, and an ImportResult of state "empty" or "no rows" for each left out, with
    a warning: a nightly export with nothing in it is no error for an incremental mine (a full one refuses it, as it
    refuses any unreadable file). The results go into `--json-out`'s `imports`, where a job tells an empty file from
    a missing one."""
    from miner.ingest import has_rows

    kept, left = [], []
    for path in discover(paths):
        empty = path.stat().st_size == 0  # a quiet night's JSONL export has no header: 0 bytes
        if not empty and has_rows(path):
            kept.append(path)
        else:
            shown = str(shown_as(db, path, redact))
            progress.note(f"Warning: {shown}: {'empty (0 bytes)' if empty else 'no rows (a header only)'}: nothing "
                          "to import")  # fmt: skip
            left.append(ImportResult(shown, 0, 0, state="empty" if empty else "no rows"))
    return kept, left


def import_paths(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    options: MineOptions,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """`import_files` with a `MineOptions`' segmenter, redaction, columns and error policy."""
    return import_files(
        db,
        paths,
        options.segmenter or Segmenter(),
        database_redactor(db) if options.redact_pii else None,
        columns=options.columns,
        on_error=options.on_error,
        progress=progress,
    )


def _import_file(
    db: sqlite_utils.Database,
    path: Path,
    segmenter: SegmenterLike,
    redactor: Redactor | None,
    columns: ColumnMap,
    on_error: str,
    progress: Progress,
    pool: ProcessPoolExecutor | None,
    stored: Stored | None,
    meanwhile: Callable[[], object],
    encoder: EncoderSpec | None = None,
    ahead: Ahead | None = None,
    read_here: Callable[[list[list[str]]], Read] | None = None,
) -> ImportResult:
    size = path.stat().st_size
    rejected: list[InputError] = []
    notes: list[str] = []
    respondents = Respondents()  # of a survey: how many, and the scores of those who wrote nothing (silent.py)
    shown = shown_as(db, path, redactor is not None)
    import_id = begin_import(db, path, stored_as=shown)
    rows = added = other_script = no_segments = grown = diverged = edited = 0
    languages: Counter[str] = Counter()
    # rows an earlier import stored with other text; rows it stored under another date or rating; stored items the
    # file's rows gave the rating they lacked (`fill_ratings`)
    changed = [0, 0, 0]
    orders = date_orders(db)  # what earlier files showed of each date column's day-first order
    remembered = dict(orders)
    # bytes read of every file, not of large ones only: the API's run stood at its import's start for a 6,000-row file
    with progress.stage(label("Importing", shown.name), Bytes(size) if size else None) as advance:
        chunks = _counting_changed(db, iter_file(path, columns, on_error=on_error, rejected=rejected,
                                   progress=advance, notes=notes, orders=orders, respondents=respondents),
                                   import_id,
                                   changed)  # fmt: skip
        prepared = (
            overlapped(
                db, chunks, segmenter, redactor, pool, meanwhile, encoder=encoder, ahead=ahead, read_here=read_here
            )
            if pool is not None
            else in_process(db, chunks, segmenter, redactor)
        )
        for read, fresh, segments in prepared:
            edited += edited_elsewhere(db, fresh)
            store_records(db, import_id, fresh, segments)
            if stored is not None and pool is not None:  # while the other process prepares the next piece
                stored(items_of(segments))
            rows, added = rows + read, added + len(fresh)
            grown += sum(bool(r.replaces) for r in fresh)
            diverged += sum(r.diverged for r in fresh)
            foreign, empty, tongues = unread_items(fresh, segments)
            other_script, no_segments = other_script + foreign, no_segments + empty
            languages += tongues
    check_reread(shown.name, rows, changed[1])
    if redactor is not None:
        redact_kept(respondents.scores, redactor)
    store_scores(db, import_id, respondents.scores)
    finish_import(db, import_id, rows, added, len(rejected))
    save_date_orders(db, {k: v for k, v in orders.items() if remembered.get(k) != v})
    for note in notes:
        progress.note(f"{shown.name}: {stored_before(note) if rows and not added and not rejected else note}")
    for err in rejected[:20]:
        progress.note(f"skipped: {err}")
    if len(rejected) > 20:
        progress.note(f"... and {len(rejected) - 20} more rows of {shown.name} skipped")
    return ImportResult(str(shown), rows, added, other_script, no_segments, changed[0], grown=grown, diverged=diverged,
                        edited=edited, rated=changed[2], languages=languages, skipped=len(rejected),
                        respondents=respondents.read)  # fmt: skip


def _counting_changed(
    db: sqlite_utils.Database, chunks: Iterable[list[Record]], import_id: int, changed: list[int]
) -> Iterator[list[Record]]:
    """The chunks as read, adding to `changed[0]` the rows whose id an earlier import stored with other text, and
    to `changed[1]` the rows without an id whose text it stored under another date or rating (`reread_texts`), and
    to `changed[2]` the stored items a row of the same id and text gave the rating they lacked (`fill_ratings`)."""
    for chunk in chunks:
        changed[0] += changed_texts(db, chunk, import_id)
        changed[1] += reread_texts(db, chunk, import_id)
        changed[2] += fill_ratings(db, chunk, import_id)
        yield chunk
