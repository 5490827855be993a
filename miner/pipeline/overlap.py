"""Both cores on a large import: a second process redacts and segments the next piece of a file while this one
stores the last piece and embeds its segments ahead of the analysis (into the embedding cache, which the analysis
then reads instead of encoding). Where the second process is the slower one (redaction on the batch tier, whose
encoder is cheap), this one prepares pieces too while it would otherwise wait, so both cores redact.

Everything is still stored by this process, in the import's one transaction: a run killed half way stores nothing
(and no cached vector), so the next run starts again with no duplicates. Each piece is checked against the database
again just before it is stored, so a record repeated across pieces is stored once.

The same second process speeds up the start of a fresh `touchpoints mine` on a small file (`needs_spacy`): there it
loads spaCy and redacts while this process imports torch and fits the detector and the mapper (`meanwhile`), which
it would otherwise do one after the other (docs/lab/nightly.md).

The second process is started with `spawn`, which imports the main script again: a script of your own that mines a
large file must keep its work under `if __name__ == "__main__":` (the CLI and the server do). Where the second
process fails anyway, the pieces are prepared in this process instead."""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from miner.ingest import Record
from miner.pipeline.second import second_process
from miner.progress import Progress
from miner.segment import Segment, SegmenterLike
from miner.segment.rules import RULES_MODEL
from miner.segment.segmenter import DEFAULT_SPACY_MODEL, PACKAGED_SPACY_MODEL
from miner.store.documents import new_records

if TYPE_CHECKING:  # imported through miner.store, which keeps pandas out of the second process (~0.6 s of its start)
    import sqlite_utils

    from miner.embed.spans import Read
    from miner.pipeline.partner import EncoderSpec

PARALLEL_BYTES = 256 << 10  # files from this size (~700 airline conversations) use the second process
ENCODE_BYTES = 256 << 10  # files from this size have the second process encode too (miner/pipeline/partner.py)
PIECE = 500  # records a piece: small enough that the two processes overlap on a file of a few thousand rows
PIECE_ENCODED = 200  # records a piece where the second process encodes them too
MAX_AHEAD = 4  # pieces prepared but not yet stored, at most (memory stays bounded if the second process stalls)
QUEUED = 2  # pieces given to the second process at a time: it starts the next while this one prepares its own

LIGHT_MODELS = (DEFAULT_SPACY_MODEL, PACKAGED_SPACY_MODEL, RULES_MODEL)  # segmenters that need no torch
Prepared = tuple[int, list[Record], list[list[Segment]]]  # rows read, records to store, their segments
Redactor = Callable[[list[Record]], list[Record]]
Ahead = Callable[["Read"], object]  # takes what the second process read for a piece (miner/embed/spans.py)


def items_of(segments: list[list[Segment]]) -> list[list[str]]:
    """Each record's clause texts, in order: the items a run reads its clauses in (miner/embed/spans.py)."""
    return [[seg.text for seg in segs] for segs in segments]


def prepare(records: list[Record], segmenter: SegmenterLike, redactor: Redactor | None) -> tuple[list, list]:
    """Redact, then segment: what the second process does with a piece (or this one, for a small file)."""
    from miner.pipeline.imports import segment_records

    if redactor is not None:
        records = redactor(records)
    return records, segment_records(segmenter, records, Progress())


def needs_spacy(segmenter: SegmenterLike, redactor: Redactor | None) -> bool:
    """Whether preparing records loads spaCy (clauses or name redaction) and this process has not imported it yet:
    the case where a second process's start, without torch, costs less than loading spaCy here first."""
    return "spacy" not in sys.modules and (redactor is not None or segmenter.model != RULES_MODEL)


def worker_pool(segmenter: SegmenterLike | None = None, *, encoder: bool = False) -> ProcessPoolExecutor:
    """One process, started fresh (spawn: never a fork of a process that has loaded torch's threads), on one thread:
    this process's encoders have the other core. With the packaged spaCy model or the rules it starts without torch,
    which nothing there reads but thinc imports when installed: its start costs half the CPU and memory it did
    (docs/lab/spacyonce.md). With `encoder` it encodes too (miner/pipeline/partner.py), so torch is let in."""
    light = (segmenter is None or segmenter.model in LIGHT_MODELS) and not encoder
    return ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=second_process, initargs=(light,)
    )


def _pieces(chunks: Iterable[list[Record]], size: int) -> Iterator[list[Record]]:
    for chunk in chunks:
        for start in range(0, len(chunk), size):
            yield chunk[start : start + size]


def _submit(
    pool: ProcessPoolExecutor,
    records: list[Record],
    segmenter: SegmenterLike,
    redactor: Redactor | None,
    encoder: EncoderSpec | None,
) -> Future | None:
    try:
        if encoder is not None:
            from miner.pipeline.partner import prepare_ahead

            return pool.submit(prepare_ahead, records, segmenter, redactor, encoder)
        return pool.submit(prepare, records, segmenter, redactor)
    except BrokenProcessPool:  # the second process died earlier: this one prepares the piece (`_finish`)
        return None


class _Piece:
    """A piece of the file on its way to the store: in the second process (`future`) or prepared here (`ready`)."""

    def __init__(self, rows: int, fresh: list[Record]) -> None:
        self.rows, self.fresh = rows, fresh
        self.future: Future | None = None
        self.ready: tuple[list, list] | None = None
        self.read: Read | None = None  # what this process read of a piece it prepared, where the pool encodes

    def waiting(self) -> bool:
        """The second process has it and has not finished it yet."""
        return self.future is not None and not self.future.done()


def _finish(
    db: sqlite_utils.Database,
    piece: _Piece,
    segmenter: SegmenterLike,
    redactor: Redactor | None,
    ahead: Ahead | None = None,
) -> Prepared:
    """The piece's records that are still new now that the pieces before it are stored, with their segments; the
    vectors the second process computed for them go to `ahead` first."""
    if piece.ready is not None:
        records, segments = piece.ready
        if piece.read is not None and ahead is not None:
            ahead(piece.read)
    else:
        try:
            if piece.future is None:
                raise BrokenProcessPool
            records, segments, *vectors = piece.future.result()
        except BrokenProcessPool:
            records, segments, vectors = *prepare(piece.fresh, segmenter, redactor), []
        if vectors and ahead is not None:
            ahead(vectors[0])
    keep = {id(r) for r in new_records(db, records)}
    pairs = [(r, s) for r, s in zip(records, segments, strict=True) if id(r) in keep]
    return piece.rows, [r for r, _ in pairs], [s for _, s in pairs]


def overlapped(
    db: sqlite_utils.Database,
    chunks: Iterable[list[Record]],
    segmenter: SegmenterLike,
    redactor: Redactor | None,
    pool: ProcessPoolExecutor,
    meanwhile: Callable[[], object] | None = None,
    *,
    encoder: EncoderSpec | None = None,
    ahead: Ahead | None = None,
    read_here: Callable[[list[list[str]]], Read] | None = None,
) -> Iterator[Prepared]:
    """Each piece redacted and segmented in `pool`, up to `QUEUED` pieces ahead of the caller, who stores what is
    yielded (and embeds it) while the pool works on the next ones. When the pool is behind (redaction is the slow step,
    as with the batch encoder, or the pool encodes too), this process prepares the next pieces itself instead of
    waiting, so both cores redact. The first time it would wait it calls `meanwhile` instead (once), before it takes
    a piece of its own. With `encoder` the pool also embeds each piece's segments (miner/pipeline/partner.py) and
    hands what it read to `ahead(read)` before the piece is yielded; a piece this process prepares is then read at
    once (`read_here`, the same reading of the whole piece as the pool's), so that it weighs what the pool's do and
    this one is not left waiting on the pool with its own share undone.
    Pieces are yielded, and what was read of them handed to `ahead`, in file order whoever prepared them: what is
    stored, vectors included, does not depend on timing. (A vector depends a little on the batch it was computed in,
    so a piece read here skipping what earlier pieces cached, as the cache would, made it depend on which process
    prepared the piece: two runs of a file differed in a few hundred clauses, docs/lab/memory.md.)"""
    # Where the pool encodes, a piece costs it three times as much: smaller pieces, so that at the end of the file
    # this process waits less for the pool's last ones
    pieces = _pieces(chunks, PIECE if encoder is None else PIECE_ENCODED)
    pending: deque[_Piece] = deque()

    def take() -> _Piece | None:
        piece = next(pieces, None)
        return None if piece is None else _Piece(len(piece), new_records(db, piece))

    while True:
        while sum(p.waiting() for p in pending) < QUEUED and len(pending) < MAX_AHEAD and (fed := take()):
            fed.future = _submit(pool, fed.fresh, segmenter, redactor, encoder)
            pending.append(fed)
        if not pending:
            return
        if meanwhile is not None and pending[0].waiting():
            # First what only this process can do and must do anyway (the local engine fits its models): a piece
            # it prepared instead would be one the second process could have taken, and the fit would wait at the end.
            meanwhile()
            meanwhile = None
            continue
        if pending[0].waiting() and len(pending) < MAX_AHEAD and (mine := take()) is not None:
            mine.ready = prepare(mine.fresh, segmenter, redactor)
            if encoder is not None and read_here is not None:
                mine.read = read_here(items_of(mine.ready[1]))
            pending.append(mine)
            continue
        yield _finish(db, pending.popleft(), segmenter, redactor, ahead)


def in_process(
    db: sqlite_utils.Database, chunks: Iterable[list[Record]], segmenter: SegmenterLike, redactor: Redactor | None
) -> Iterator[Prepared]:
    """The same, one chunk at a time in this process."""
    from miner.pipeline.imports import segment_records

    for chunk in chunks:
        fresh = new_records(db, chunk)  # sees this transaction's earlier chunks: no duplicates
        if redactor is not None:
            # Patterns, then person names (Presidio), in one batch. Stored ids are those of the redacted record,
            # so a record redaction changed is looked up again (a re-import stores nothing twice).
            fresh = new_records(db, redactor(fresh))
        yield len(chunk), fresh, segment_records(segmenter, fresh, Progress())
