"""`touchpoints mine --engine ray`: the same pipeline on Ray Data, for dumps that outgrow one machine.

- files are read and validated on the driver (all or nothing, as in `mine`), then records are redacted and
  segmented in parallel by an actor pool (each actor loads spaCy once);
- distinct segment texts are embedded by a second actor pool and written to the embedding cache;
- the driver stores the import and runs the usual analysis: every embedding is a cache hit, and the topic
  model is fitted on the driver (on a fixed-seed sample above 20k complaints) and applied to all.
`address` is a Ray cluster (`ray://head:10001` or `auto`); without it a local Ray starts on this machine.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from miner.defaults import DEFAULT_EMBEDDING
from miner.embed import EmbeddingCache, get_embedder
from miner.errors import ModelError
from miner.pipeline import MineOptions
from miner.progress import Progress


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ModelError("--engine ray needs Ray: pip install 'touchpoint-miner[ray]'") from None
    return ray


class _SegmentActor:
    """Redacts (optionally) and segments a batch of pickled records; spaCy loads once per actor."""

    def __init__(self, spacy_model: str, redact: bool) -> None:
        from miner.segment import get_segmenter

        self.segmenter = get_segmenter(spacy_model)
        self.redact = redact

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from miner.pipeline import segment_records
        from miner.segment.pii import redact_records

        records = [pickle.loads(b) for b in batch["record"]]
        if self.redact:
            records = redact_records(records)
        segments = segment_records(self.segmenter, records, Progress())
        out = [pickle.dumps((r, s)) for r, s in zip(records, segments, strict=True)]
        return {"pos": list(batch["pos"]), "out": out}


class _EmbedActor:
    """Embeds a batch of texts with the named embedder (loaded once per actor)."""

    def __init__(self, model: str) -> None:
        self.embedder = get_embedder(model)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        vectors = self.embedder.embed([str(t) for t in batch["text"]])
        return {"hash": list(batch["hash"]), "vector": [v.astype(np.float16).tobytes() for v in vectors]}


def mine_ray(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    options: MineOptions | None = None,
    progress: Progress | None = None,
    *,
    embedding_model: str = DEFAULT_EMBEDDING,
    address: str | None = None,
    actors: int = 2,
) -> tuple[list, int]:
    """`miner.pipeline.mine` with segmenting and embedding on Ray Data; returns (imports, run id)."""
    from miner.analyze import analyze
    from miner.ingest import read_paths
    from miner.segment import Segmenter
    from miner.store.documents import new_records, store_import
    from miner.touchpoints import load_taxonomy

    ray = _ray()
    options = options or MineOptions()
    progress = progress or Progress()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    files = read_paths(paths, options.columns, on_error=options.on_error, progress=progress)
    segmenter = options.segmenter or Segmenter()
    batches = []
    with progress.stage("Segmenting (Ray)", sum(len(r) for _, r in files)) as advance:
        for path, records in files:
            fresh = new_records(db, records)
            segmented = _segment(ray, fresh, segmenter.model, options.redact_pii, actors) if fresh else []
            kept = {id(r) for r in new_records(db, [r for r, _ in segmented])}  # redaction can change an id
            segmented = [(r, s) for r, s in segmented if id(r) in kept]
            batches.append((path, records, [r for r, _ in segmented], [s for _, s in segmented]))
            advance(len(records))
    imports = store_import(db, batches)
    cache = EmbeddingCache(get_embedder(embedding_model), db)  # the actors load the same model by name
    with progress.stage("Embedding (Ray)") as advance:
        _embed_missing(ray, db, cache, embedding_model, actors)
    taxonomy = options.taxonomy or load_taxonomy()
    run_id = analyze(db, taxonomy, cache, segmenter, mapper=options.mapper, progress=progress,
                     incremental=options.incremental)  # fmt: skip
    return imports, run_id


def _segment(ray: Any, records: list, spacy_model: str, redact: bool, actors: int) -> list[tuple]:
    items = [{"pos": i, "record": pickle.dumps(r)} for i, r in enumerate(records)]
    ds = ray.data.from_items(items).map_batches(
        _SegmentActor,
        fn_constructor_args=(spacy_model, redact),
        batch_size=256,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
    )
    rows = sorted(ds.take_all(), key=lambda r: r["pos"])
    return [pickle.loads(r["out"]) for r in rows]


def _embed_missing(ray: Any, db: sqlite_utils.Database, cache: EmbeddingCache, model: str, actors: int) -> None:
    """Embed every stored segment text the cache lacks for this model, on the actor pool."""
    sql = """SELECT s.hash, min(s.text) AS text FROM segments s
             WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = s.hash AND e.model = ?) GROUP BY s.hash"""
    todo = [{"hash": h, "text": t} for h, t in db.execute(sql, [cache.embedder.name]).fetchall()]
    if not todo:
        return
    ds = ray.data.from_items(todo).map_batches(
        _EmbedActor,
        fn_constructor_args=(model,),
        batch_size=1024,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
    )
    rows = [
        {"hash": r["hash"], "model": cache.embedder.name, "dim": len(r["vector"]) // 2, "vector": r["vector"]}
        for r in ds.iter_rows()
    ]
    with db.atomic():
        db.table("embeddings").insert_all(rows, pk=("hash", "model"), replace=True, batch_size=1000)
