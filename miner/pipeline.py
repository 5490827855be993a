"""The facade: `mine()` imports files and runs the stages; each stage lives in its own package."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from miner.embed import Embedder, EmbeddingCache, get_embedder
from miner.errors import InputError
from miner.ingest import ColumnMap, Record, discover, iter_file
from miner.progress import Progress
from miner.segment import Segment, Segmenter
from miner.segment.pii import pseudonymise_path, redact_records
from miner.store.documents import ImportResult, begin_import, finish_import, new_records, store_records
from miner.touchpoints import Taxonomy, load_taxonomy


@dataclass
class MineOptions:
    taxonomy: Taxonomy | None = None
    embedder: Embedder | None = None
    segmenter: Segmenter | None = None
    mapper: str = "examples"
    columns: ColumnMap = field(default_factory=ColumnMap)
    on_error: str = "fail"
    redact_pii: bool = True
    incremental: bool = False  # analyse only new segments against the last run's pain points (no refit)


def segment_records(segmenter: Segmenter, records: list[Record], progress: Progress) -> list[list[Segment]]:
    """Clause segments per record, from the customer's words only, with offsets into the stored text."""
    pieces = [(i, speaker, text) for i, rec in enumerate(records) for speaker, text in rec.mined_text()]
    out: list[list[Segment]] = [[] for _ in records]
    cursors = [0] * len(records)
    with progress.stage("Segmenting", len(pieces)) as advance:
        for (i, speaker, _), segs in zip(pieces, segmenter.segment(p[2] for p in pieces), strict=True):
            full = records[i].text
            for seg in segs:
                start = full.find(seg.text, cursors[i])
                if start >= 0:
                    cursors[i] = start + len(seg.text)
                out[i].append(
                    Segment(len(out[i]), seg.text, start, start + len(seg.text) if start >= 0 else -1, speaker)
                )
            advance(1)
    return out


def import_paths(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    options: MineOptions,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Stream every file in chunks into one transaction: all files or none, memory bounded by the chunk.

    A bad row anywhere rolls the whole import back, so the database is left as it was."""
    progress = progress or Progress()
    segmenter = options.segmenter or Segmenter()
    files = discover(paths)
    results = []
    with db.atomic():
        for path in files:
            results.append(_import_file(db, path, options, segmenter, progress))
    return results


def _import_file(
    db: sqlite_utils.Database, path: Path, options: MineOptions, segmenter: Segmenter, progress: Progress
) -> ImportResult:
    size = path.stat().st_size
    large = size > 1 << 24
    rejected: list[InputError] = []
    shown = Path(pseudonymise_path(str(path))) if options.redact_pii else path  # a file name can hold PII too
    import_id = begin_import(db, path, stored_as=shown)
    rows = added = 0
    with progress.stage(f"Importing {shown.name}"[:22], size if large else None) as advance:
        chunks = iter_file(path, options.columns, on_error=options.on_error, rejected=rejected,
                           progress=advance if large else None)  # fmt: skip
        for chunk in chunks:
            fresh = new_records(db, chunk)  # sees this transaction's earlier chunks: no duplicates
            if options.redact_pii:
                # Patterns, then person names (Presidio), in one batch. Stored ids are those of the redacted
                # record, so a record redaction changed is looked up again (a re-import stores nothing twice).
                fresh = new_records(db, redact_records(fresh))
            store_records(db, import_id, fresh, segment_records(segmenter, fresh, Progress()))
            rows, added = rows + len(chunk), added + len(fresh)
    finish_import(db, import_id, rows, added)
    for err in rejected[:20]:
        progress.note(f"skipped: {err}")
    if len(rejected) > 20:
        progress.note(f"... and {len(rejected) - 20} more rows of {shown.name} skipped")
    return ImportResult(str(shown), rows, added)


def mine(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    options: MineOptions | None = None,
    progress: Progress | None = None,
) -> tuple[list[ImportResult], int]:
    """Import the files, then analyse everything stored as a new run. Returns the imports and the run id."""
    from miner.analyze import analyze

    options = options or MineOptions()
    progress = progress or Progress()
    options.segmenter = options.segmenter or Segmenter()
    imports = import_paths(db, paths, options, progress)
    taxonomy = options.taxonomy or load_taxonomy()
    embedder = EmbeddingCache(options.embedder or get_embedder(), db)
    run_id = analyze(
        db,
        taxonomy,
        embedder,
        options.segmenter,
        mapper=options.mapper,
        progress=progress,
        incremental=options.incremental,
    )
    return imports, run_id
