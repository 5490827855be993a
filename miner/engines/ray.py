"""`touchpoints mine --engine ray`: the same pipeline on Ray Data, for dumps that outgrow one machine.

- files are read and validated on the driver (all or nothing, as in `mine`), then records are redacted and
  segmented in parallel by an actor pool (each actor loads spaCy once);
- distinct segment texts are embedded by a second actor pool and written to the embedding cache;
- the driver stores the import and runs the usual analysis: every embedding is a cache hit, and the topic
  model is fitted on the driver (on a fixed-seed sample above 20k complaints) and applied to all.
`address` is a Ray cluster (`ray://head:10001` or `auto`); without it a local Ray starts on this machine.
"""

from __future__ import annotations

import json
import logging
import pickle
import socket
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlite_utils

from miner.defaults import DEFAULT_EMBEDDING
from miner.embed import EmbeddingCache, get_embedder
from miner.errors import EngineError, ModelError
from miner.ingest import ColumnMap
from miner.pipeline.imports import MineOptions, Redactor, shown_as
from miner.progress import Progress

if TYPE_CHECKING:
    from miner.pipeline import Pipeline

# Seconds to wait for a cluster address to answer: Ray itself retries an address where nothing listens 20 times,
# about 40 s each, before a traceback (a nightly job's `--address` to a head that is down hung for 14 minutes)
CONNECT_S = 5.0


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ModelError("--engine ray needs Ray: pip install 'touchpoint-miner[ray]'") from None
    return ray


class _SegmentActor:
    """Redacts (with the pipeline's redactor, if any) and segments a batch of pickled records; spaCy loads once
    per actor."""

    def __init__(self, spacy_model: str, redactor: Redactor | None) -> None:
        from miner.segment import get_segmenter

        self.segmenter = get_segmenter(spacy_model)
        self.redactor = redactor

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from miner.pipeline import segment_records

        records = [pickle.loads(b) for b in batch["record"]]
        if self.redactor is not None:
            records = self.redactor(records)
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


class _ReadActor:
    """Reads a batch of feedback items as a run reads them (clauses inside their items, miner/embed/spans.py)."""

    def __init__(self, model: str, read_as: Callable[[str], str] | None) -> None:
        self.embedder = get_embedder(model)
        self.read_as = read_as

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list]:
        from miner.embed.spans import read_items

        items = [json.loads(str(i)) for i in batch["item"]]
        return {"read": [pickle.dumps(read_items(self.embedder, items, spans=True, clause=self.read_as))]}


class RayEngine:
    """The pipeline's engine for `--engine ray`: imports with segmenting on an actor pool, then embeds every
    stored segment the cache lacks on a second pool before the analysis (which then only hits the cache)."""

    name = "ray"

    def __init__(
        self, *, embedding_model: str = DEFAULT_EMBEDDING, address: str | None = None, actors: int = 2
    ) -> None:
        self.embedding_model = embedding_model  # the actors load the pipeline's mapping encoder by this name
        self.address = address
        self.actors = actors

    def _started(self) -> Any:
        ray = _ray()
        if not ray.is_initialized():
            answering(self.address)
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)  # fmt: skip
            except (ConnectionError, RuntimeError, ValueError) as err:  # Ray's own words say what is missing
                where = f" --address {self.address}" if self.address else ""
                first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise EngineError(f"--engine ray{where}: Ray did not start: {first}") from None
        _quiet_data()
        return ray

    def import_paths(
        self,
        p: Pipeline,
        paths: Iterable[Path | str],
        columns: ColumnMap,
        on_error: str,
        progress: Progress,
        meanwhile: Callable[[], object] | None = None,
    ) -> list:
        """Files are read and validated on the driver (all or nothing), segmented on the actors, stored here.
        `meanwhile` is left to the analysis, which fits the models first anyway."""
        from miner.ingest import read_paths
        from miner.ingest.silent import redact_kept
        from miner.store.documents import (
            check_reread,
            date_orders,
            new_records,
            reread_texts,
            save_date_orders,
            store_import,
        )

        ray = self._started()
        orders = date_orders(p.db)  # a file of days 1-12 reads dates as the database's earlier files showed
        remembered = dict(orders)
        respondents: dict[Path, Any] = {}  # a survey's: how many, the scores of those who wrote nothing
        skipped: dict[Path, int] = {}  # rows left out under --on-error skip, stored with their file's import
        shown = partial(shown_as, p.db, redact=p.redactor is not None)  # as the local engine names and stores files
        files = read_paths(paths, columns, on_error=on_error, progress=progress, orders=orders,
                           respondents=respondents, skipped=skipped, shown=shown)  # fmt: skip
        batches = []
        with progress.stage("Segmenting (Ray)", sum(len(r) for _, r in files)) as advance:
            for path, records in files:
                # before anything is stored
                check_reread(shown(path).name, len(records), reread_texts(p.db, records, -1))
                fresh = new_records(p.db, records)
                segmented = _segment(ray, fresh, p.segmenter.model, p.redactor, self.actors) if fresh else []
                kept = {id(r) for r in new_records(p.db, [r for r, _ in segmented])}  # redaction can change an id
                segmented = [(r, s) for r, s in segmented if id(r) in kept]
                batches.append((path, records, [r for r, _ in segmented], [s for _, s in segmented]))
                advance(len(records))
        if p.redactor is not None:  # here: a survey's scores share a few sets of kept values
            for read in respondents.values():
                redact_kept(read.scores, p.redactor)
        imported = store_import(p.db, batches, respondents, skipped, shown)
        save_date_orders(p.db, {k: v for k, v in orders.items() if remembered.get(k) != v})
        return imported

    def embed_ahead(self, p: Pipeline, progress: Progress) -> None:
        with progress.stage("Embedding (Ray)"):
            _embed_missing(self._started(), p.db, p.cache, self.embedding_model, self.actors)


def _quiet_data() -> None:
    """Ray Data's INFO lines, and its progress, which it logs line by line where stdout is no terminal (about 20
    lines a night in a cron job's log, beside `mine`'s one line a stage), go to Ray's session logs only; its
    warnings still reach stderr."""
    import ray.data  # configures its loggers on import: after it, or they are set again

    for handler in logging.getLogger(ray.data.__name__).handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setLevel(logging.WARNING)


def answering(address: str | None) -> None:
    """Refuse at once a cluster address (`HOST:PORT`, `ray://HOST:PORT`) where nothing answers; `auto`, and no
    address (a local Ray), are Ray's to find."""
    if not address or address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # not an address this can try: Ray says what is wrong with it
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_S).close()
    except OSError as err:
        why = err.strerror or str(err) or type(err).__name__
        raise EngineError(
            f"--address {address}: no Ray cluster answers there ({why}): start one there (`ray start --head`, then "
            "--address HEAD:6379, or ray://HEAD:10001 through Ray Client), or leave out --address for a local Ray"
        ) from None


def mine_ray(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    options: MineOptions | None = None,
    progress: Progress | None = None,
    *,
    embedding_model: str = DEFAULT_EMBEDDING,
    address: str | None = None,
    actors: int = 2,
) -> tuple[list, int | None]:
    """`miner.pipeline.mine` with segmenting and embedding on Ray Data; returns (imports, run id)."""
    from miner.pipeline import build_pipeline

    engine = RayEngine(embedding_model=embedding_model, address=address, actors=actors)
    options = replace(options or MineOptions(), engine=engine, embedding_model=embedding_model)
    return build_pipeline(db, options).mine(paths, columns=options.columns, on_error=options.on_error,
                                            incremental=options.incremental, progress=progress)  # fmt: skip


def _segment(ray: Any, records: list, spacy_model: str, redactor: Redactor | None, actors: int) -> list[tuple]:
    items = [{"pos": i, "record": pickle.dumps(r)} for i, r in enumerate(records)]
    ds = ray.data.from_items(items).map_batches(
        _SegmentActor,
        fn_constructor_args=(spacy_model, redactor),
        batch_size=256,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
    )
    rows = sorted(ds.take_all(), key=lambda r: r["pos"])
    return [pickle.loads(r["out"]) for r in rows]


def _embed_missing(ray: Any, db: sqlite_utils.Database, cache: EmbeddingCache, model: str, actors: int) -> None:
    """Embed every stored segment text the cache lacks for this model, on the actor pool; where the run reads
    clauses inside their items (miner/embed/spans.py), read every item that has anything uncached instead. An
    encoder whose vectors are not stored (the fast tier) is left to the run."""
    from miner.store.embeddings import unembedded_texts

    if not cache.stores:  # the run encodes as it reads: nothing to read ahead
        return
    if cache.reads_spans():
        _read_missing(ray, db, cache, model, actors)
        return
    todo = [{"hash": h, "text": t} for h, t in unembedded_texts(db, cache.embedder.vector_key)]
    if not todo:
        return
    ds = ray.data.from_items(todo).map_batches(
        _EmbedActor,
        fn_constructor_args=(model,),
        batch_size=1024,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
    )
    rows = [
        {"hash": r["hash"], "model": cache.embedder.vector_key, "dim": len(r["vector"]) // 2, "vector": r["vector"]}
        for r in ds.iter_rows()
    ]
    with db.atomic():
        db.table("embeddings").insert_all(rows, pk=("hash", "model"), replace=True, batch_size=1000)


def _read_missing(ray: Any, db: sqlite_utils.Database, cache: EmbeddingCache, model: str, actors: int) -> None:
    """Every stored item that has something uncached, read on the actor pool as the run reads it."""
    from miner.store.embeddings import stored_items

    items = stored_items(db)
    todo = [{"item": json.dumps(items[i])} for i in cache.unread(items)]
    if not todo:
        return
    ds = ray.data.from_items(todo).map_batches(
        _ReadActor,
        fn_constructor_args=(model, cache.read_as),
        batch_size=256,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
    )
    for row in ds.iter_rows():
        cache.take(pickle.loads(row["read"]))
