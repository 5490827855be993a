"""The complaint encoder as a head on the mapping encoder's vectors: an MLP (miner/train/distill.py `fit_head`)
trained to give the complaint encoder's vectors from the tuned encoder's, so the complaint detector's second reading
of a clause costs a matrix product instead of a second MiniLM pass (issue 21, docs/lab/secondhead.md).

`HeadEmbedder` is the bundle's `complaint` encoder; a pipeline reads it through `HeadCache`, which applies the head
to the mapping encoder's cached vectors, so no clause is encoded twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from miner.embed.base import Embedder
from miner.embed.cache import EmbeddingCache
from miner.errors import ModelError

HEAD_FILE = "complaint_head.npz"


class HeadEmbedder(Embedder):
    """`source`'s vectors through the head saved in the folder `locate()` returns (built there on first use);
    `teacher`, the encoder whose vectors it was fitted to give (for experiments; it is never read in a run)."""

    share_fit = False  # its vectors are a product of the source's, which are shared

    def __init__(
        self, name: str, source: Embedder, locate: Callable[[], Path], teacher: Embedder | None = None
    ) -> None:
        self.built_name = name
        self.source = source
        self.teacher = teacher
        self._locate = locate
        self._head: dict[str, np.ndarray] | None = None

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"head:{self.built_name}"

    @property
    def head(self) -> dict[str, np.ndarray]:
        if self._head is None:
            path = self._locate() / HEAD_FILE
            if not path.is_file():
                raise ModelError(f"{path}: the complaint head is missing; run `touchpoints setup-models`")
            with np.load(path) as saved:
                self._head = {k: saved[k] for k in saved.files}
        return self._head

    @property
    def dim(self) -> int:
        return int(self.head["W"].shape[1])

    def on(self, source: Embedder) -> HeadEmbedder:
        """This head read on `source`'s vectors: a student taught to give the vectors it was fitted on
        (miner/train/compact.py)."""
        return HeadEmbedder(self.built_name, source, self._locate, self.teacher)

    def apply(self, vectors: np.ndarray) -> np.ndarray:
        """The head on `source` vectors, L2-normalised: `x @ W + relu(x @ A + a) @ B`."""
        h = self.head
        out = vectors @ h["W"] + np.maximum(vectors @ h["A"] + h["a"], 0) @ h["B"]
        return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.apply(self.source.embed(texts))


class HeadCache(EmbeddingCache):
    """A head's vectors from the mapping encoder's cache: nothing is stored under the head's name, and the texts
    the mapping encoder has read are not read again."""

    def __init__(self, head: HeadEmbedder, mapping: EmbeddingCache) -> None:
        super().__init__(head, mapping.db)
        self.mapping = mapping

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        assert isinstance(self.embedder, HeadEmbedder)
        return self.embedder.apply(self.mapping.embed(texts, progress=progress))

    def apply_to(self, vectors: np.ndarray) -> np.ndarray:
        """The head on vectors of the mapping encoder's that the caller holds (a run's clauses read in their items,
        miner/embed/spans.py); what `embed` gives for texts the mapping encoder read alone."""
        assert isinstance(self.embedder, HeadEmbedder)
        return self.embedder.apply(np.asarray(vectors, dtype=np.float32))


def head_cache(embedder: Embedder | None, mapping: EmbeddingCache) -> EmbeddingCache | None:
    """`embedder`'s cache in a run whose mapping vectors are in `mapping`: a HeadCache over them for a head on
    that encoder, an EmbeddingCache beside them for any other, None for None."""
    if embedder is None:
        return None
    if isinstance(embedder, HeadEmbedder) and embedder.source is mapping.embedder:
        return HeadCache(embedder, mapping)
    return EmbeddingCache(embedder, mapping.db)
