"""Embeddings cached in SQLite by content hash, so a re-run embeds only new text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import sqlite_utils

from miner.embed.base import Embedder
from miner.embed.spans import SUFFIX, Read, can_read_spans, plan, read_spans
from miner.segment.segmenter import text_hash
from miner.store.embeddings import load_vectors, save_vectors

if TYPE_CHECKING:
    from miner.embed.bert import BertSentenceEncoder


class Helper(Protocol):
    def embed(
        self, embedder: Embedder, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...

    def read_spans(self, bert: BertSentenceEncoder, items: Sequence[Sequence[str]]) -> tuple[Read, list[int]]: ...


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
        # `embed_items` reads clauses inside their items (miner/embed/spans.py); None: where the encoder can
        self.spans: bool | None = None
        # with `spans`, the span pass reads each clause through this, as the run's mapper reads text (`spans.as_read`;
        # a run sets it: `for_mapping` where its mapper normalises)
        self.read_as: Callable[[str], str] | None = None

    def _load(self, hashes: list[str]) -> dict[str, np.ndarray]:
        return load_vectors(self.db, self.embedder.vector_key, hashes)

    @property
    def _span_key(self) -> str:
        """The name the span pass's vectors (clauses read inside their items) are stored under."""
        return self.embedder.vector_key + SUFFIX

    @property
    def stores(self) -> bool:
        """Whether this cache keeps its encoder's vectors: not for an encoder cheaper to run again
        (`Embedder.cache_vectors`), whose vectors are computed wherever they are asked for and never stored."""
        return self.embedder.cache_vectors

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        if not self.stores:
            return self._encoded(texts, hashes, progress)
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
            save_vectors(self.db, self.embedder.vector_key, dict(zip(todo, vectors, strict=True)))
            if self.computed is not None:
                self.computed.update(todo)
            known.update({h: v.astype(np.float16).astype(np.float32) for h, v in zip(todo, vectors, strict=True)})
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([known[h] for h in hashes])

    def _encoded(self, texts: Sequence[str], hashes: list[str], progress: Callable[[int], None] | None) -> np.ndarray:
        """`embed` for an encoder whose vectors are not stored: each distinct text encoded once, and rounded to
        float16 as a stored vector is, so that a run gives the same answers whether its vectors were stored or not."""
        first: dict[str, int] = {}
        for i, h in enumerate(hashes):
            first.setdefault(h, i)
        self.hits, self.misses = len(texts) - len(first), len(first)
        if progress and len(texts) > len(first):
            progress(len(texts) - len(first))
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        vectors = self.embedder.embed([texts[i] for i in first.values()], progress=progress)
        row = {h: k for k, h in enumerate(first)}
        return vectors.astype(np.float16).astype(np.float32)[[row[h] for h in hashes]]

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Cache vectors computed elsewhere (the second process's, by this cache's encoder), one row per text;
        texts already cached keep their vectors."""
        if not self.stores:
            return
        hashes = [text_hash(t) for t in texts]
        known = self._load(sorted(set(hashes)))
        fresh = {h: v for h, v in zip(hashes, vectors, strict=True) if h not in known}
        if fresh:
            save_vectors(self.db, self.embedder.vector_key, fresh)

    def embed_items(self, items: Sequence[Sequence[str]], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """One row per clause of `items` (each a feedback item's clauses in order; rows concatenated), read as the
        run reads them: with `spans` on, a clause `spans.spanned` names (in the item as `spans.as_read` gives it)
        inside its item (span vectors, cached under the encoder's name + `SUFFIX`; an item read also caches its own
        vector, its context) and the others alone; with it off, each clause alone (`embed`). None (the default)
        turns it on where the encoder can (`spans.can_read_spans`)."""
        if not self.reads_spans():
            return self.embed([c for clauses in items for c in clauses], progress)
        p = plan(items, self.read_as)
        keys = p.keys
        model = self._span_key
        known = load_vectors(self.db, model, sorted({k for k in keys if k is not None}))
        bounds = np.cumsum([0] + [len(c) for c in items])
        missing = [k is not None and k not in known for k in keys]
        todo = [i for i in range(len(items)) if any(missing[bounds[i] : bounds[i + 1]])]
        if todo:
            bert = self.embedder.bert()  # type: ignore[attr-defined]  # `spans` is only set where there is one
            reader = self.helper.read_spans if self.helper is not None else read_spans
            read, _ = reader(bert, [p.read[i] for i in todo])
            self.take(read)
            known.update(zip(read.spans, read.span_vectors.astype(np.float16).astype(np.float32), strict=True))
        out = np.zeros((len(keys), self.embedder.dim), np.float32)
        alone = [j for j, k in enumerate(keys) if k is None or k not in known]  # past the window too
        out[alone] = self.embed([p.alone_text(j) for j in alone], progress)
        rows = [j for j, k in enumerate(keys) if k is not None and k in known]
        for j in rows:
            out[j] = known[keys[j]]  # type: ignore[index]
        if progress and rows:
            progress(len(rows))
        return out

    def unread(self, items: Sequence[Sequence[str]]) -> list[int]:
        """Positions of the `items` that `embed_items` would read something of (what the cache lacks)."""
        flat = [c for clauses in items for c in clauses]
        keys = plan(items, self.read_as).keys if self.reads_spans() else [None] * len(flat)
        spans = load_vectors(self.db, self._span_key, sorted({k for k in keys if k is not None}))
        plain = self._load(sorted({text_hash(t) for t, k in zip(flat, keys, strict=True) if k is None}))
        bounds = np.cumsum([0] + [len(c) for c in items])
        lacking = [
            k not in spans if k is not None else text_hash(t) not in plain for t, k in zip(flat, keys, strict=True)
        ]
        return [i for i in range(len(items)) if any(lacking[bounds[i] : bounds[i + 1]])]

    def reads_spans(self) -> bool:
        """`spans`, decided on first use where it was left None: what the second process and Ray's actors follow."""
        if self.spans is None:
            self.spans = can_read_spans(self.embedder)
        return self.spans

    def take(self, read: Read) -> None:
        """Cache what a reading computed (`spans.read_items`, in the second process or here)."""
        if not self.stores:
            return
        if read.texts:
            self.put(read.texts, read.vectors)
        if read.spans:
            save_vectors(self.db, self._span_key, dict(zip(read.spans, read.span_vectors, strict=True)))

    @property
    def reads_normalised(self) -> bool:
        """Whether `embed_items` has read the clauses it spans through `read_as` (the mapper's `for_mapping`): the
        mapper reads those as they are and re-reads only the others it changes."""
        return self.reads_spans() and self.read_as is not None
