"""`build_pipeline`: the one place a `Pipeline` is assembled from settings (`MineOptions`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from miner.embed import Embedder, cluster_embedder_for, complaint_embedder_for, get_embedder
from miner.pipeline.core import Encoders, LocalEngine, Pipeline
from miner.pipeline.imports import MineOptions, database_redactor
from miner.progress import Progress
from miner.segment import Segmenter
from miner.store.documents import ImportResult

ENGINES = ("local", "ray")


def build_encoders(embedder: Embedder) -> Encoders:
    """The encoder bundle for a mapping encoder: its complaint and clustering encoders, where it has them."""
    return Encoders(embedder, complaint_embedder_for(embedder), cluster_embedder_for(embedder))


def get_engine(name: str, **options: Any) -> Any:
    """An engine by name: `local` (this process) or `ray` (Ray Data; `address`, `actors`, `embedding_model`)."""
    if name == "local":
        return LocalEngine()
    if name == "ray":
        from miner.engines.ray import RayEngine

        return RayEngine(**options)
    raise ValueError(f"unknown engine '{name}': use one of {', '.join(ENGINES)}")


def build_pipeline(
    db: sqlite_utils.Database,
    options: MineOptions | None = None,
    *,
    encoders: Encoders | None = None,
    cache_db: sqlite_utils.Database | None = None,
) -> Pipeline:
    """A pipeline on `db` as `options` say; `encoders` (loaded once by a caller that builds many pipelines) wins
    over the options' embedder; `cache_db` keeps the embeddings in another database than `db`."""
    from miner.touchpoints import load_taxonomy

    options = options or MineOptions()
    options.segmenter = options.segmenter or Segmenter()  # kept on the options: a caller's next run reuses spaCy
    if encoders is None:
        encoders = build_encoders(options.embedder or get_embedder(options.embedding_model))
    engine = get_engine(options.engine) if isinstance(options.engine, str) else options.engine
    return Pipeline(
        db,
        encoders,
        options.taxonomy or load_taxonomy(),
        options.segmenter,
        redactor=database_redactor(db) if options.redact_pii else None,
        mapper=options.mapper,
        engine=engine,
        cache_db=cache_db,
    )


def mine(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    options: MineOptions | None = None,
    progress: Progress | None = None,
) -> tuple[list[ImportResult], int | None]:
    """Import the files, then analyse everything stored as a new run. Returns the imports and the run id (None:
    `--incremental` found nothing stored at all, and made no run; `Pipeline.mine`)."""
    options = options or MineOptions()
    return build_pipeline(db, options).mine(paths, columns=options.columns, on_error=options.on_error,
                                            incremental=options.incremental, progress=progress)  # fmt: skip
