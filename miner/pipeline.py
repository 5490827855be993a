"""The facade: `mine()` imports files and runs the stages; each stage lives in its own package."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from miner.embed import Embedder, EmbeddingCache, get_embedder
from miner.ingest import ColumnMap, Record, read_paths
from miner.progress import Progress
from miner.segment import Segment, Segmenter
from miner.segment.pii import redact_records
from miner.store.documents import ImportResult, new_records, store_import
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
    """Read and validate every file, then store new documents and segments in one transaction."""
    progress = progress or Progress()
    files = read_paths(paths, options.columns, on_error=options.on_error, progress=progress)
    segmenter = options.segmenter or Segmenter()
    batches = []
    for path, records in files:
        fresh = new_records(db, records)
        if options.redact_pii:
            fresh = redact_records(fresh)  # patterns, then person names (Presidio), in one batch
        batches.append((path, records, fresh, segment_records(segmenter, fresh, progress)))
    return store_import(db, batches)


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
