"""Embeddings cached in SQLite by content hash, so a re-run embeds only new text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import sqlite_utils

from miner.embed.base import Embedder
from miner.segment.segmenter import text_hash
from miner.store.embeddings import load_vectors, save_vectors


class Helper(Protocol):
    def embed(
        self, embedder: Embedder, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


class EmbeddingCache:
    """Wraps an embedder; vectors are stored as float16 in the `embeddings` table."""

    def __init__(self, embedder: Embedder, db: sqlite_utils.Database) -> None:
        self.embedder = embedder
        self.db = db
        self.hits = 0
        self.misses = 0
        self.computed: set[str] | None = None  # when a set, the hashes embedded (not found) are added to it
        # Shares the embedding of what is not cached with a second process (miner/pipeline/partner.py) when set
        self.helper: Helper | None = None

    def _load(self, hashes: list[str]) -> dict[str, np.ndarray]:
        return load_vectors(self.db, self.embedder.name, hashes)

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        known = self._load(sorted(set(hashes)))
        todo: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in known and h not in todo:
                todo[h] = t
        self.hits, self.misses = len(texts) - len(todo), len(todo)
        if progress and len(texts) > len(todo):
            progress(len(texts) - len(todo))
        if todo:
            if self.helper is not None:
                vectors = self.helper.embed(self.embedder, list(todo.values()), progress)
            else:
                vectors = self.embedder.embed(list(todo.values()), progress=progress)
            save_vectors(self.db, self.embedder.name, dict(zip(todo, vectors, strict=True)))
            if self.computed is not None:
                self.computed.update(todo)
            known.update({h: v.astype(np.float16).astype(np.float32) for h, v in zip(todo, vectors, strict=True)})
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([known[h] for h in hashes])

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Cache vectors computed elsewhere (the second process's, by this cache's encoder), one row per text;
        texts already cached keep their vectors."""
        hashes = [text_hash(t) for t in texts]
        known = self._load(sorted(set(hashes)))
        fresh = {h: v for h, v in zip(hashes, vectors, strict=True) if h not in known}
        if fresh:
            save_vectors(self.db, self.embedder.name, fresh)
