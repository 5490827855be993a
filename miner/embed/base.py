"""The embedder interface: subclasses implement `embed_batch`; batching and normalising live here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from miner.embed.registry import EncoderBundle


class Embedder:
    """Turns texts into L2-normalised float32 vectors."""

    name: str = "embedder"
    batch_size: int = 64
    # How far a complaint's best touchpoint must lead the runner-up for the corpus head to learn from it
    # (miner/touchpoints/corpus.py): encoders spread their similarities differently.
    corpus_margin: float = 0.0  # every mapped complaint teaches the cross-fitted head (docs/lab/selfhead.md)
    # The encoders this one came with, set by the model registry (miner/embed/registry.py); None outside it.
    bundle: EncoderBundle | None = None
    # The registry name this encoder was loaded by (`fast`, `tuned`...), set by the model registry; a run records it
    # so that `taxonomy review` can load the same encoder again.
    registry_name: str | None = None
    # Whether the vectors of the text a pipeline fits on may go to the shared fit-vectors file
    # (miner/embed/shared.py); test embedders say no, so the suite leaves the user's cache as it found it.
    share_fit: bool = True
    # Whether a run stores this encoder's vectors (the `embeddings` table) to read them again instead of encoding
    # again: an encoder that runs faster than SQLite stores and loads its vectors says no (the fast tier).
    cache_vectors: bool = True

    @property
    def precision(self) -> str:
        """What the encoder computes in (`fp32`, `bf16`): a run records it beside the encoder's name."""
        return "fp32"

    @property
    def vector_key(self) -> str:
        """The name its vectors are stored under (the `embeddings` table, the shared fit vectors): its name, and for
        vectors computed in bfloat16 that name + `+bf16`, so that the two precisions' vectors never mix."""
        return self.name if self.precision == "fp32" else f"{self.name}+{self.precision}"

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed all texts, longest first so each batch pads little, and return them in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for chunk in self.chunks([texts[i] for i in order]):
            idx = [order[k] for k in chunk]
            vectors = np.asarray(self.embed_batch([texts[i] for i in idx]), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            out[idx] = vectors / np.maximum(norms, 1e-12)
            if progress:
                progress(len(idx))
        return out

    def chunks(self, texts: Sequence[str]) -> list[list[int]]:
        """The positions of `texts` (longest first) each `embed_batch` call reads: `batch_size` at a time."""
        size = self.batch_size
        return [list(range(start, min(start + size, len(texts)))) for start in range(0, len(texts), size)]

    @property
    def dim(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError
