"""A deterministic embedder for fast unit tests: bag of hashed words, so shared words mean similar vectors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from miner.embed.base import Embedder


class HashingEmbedder(Embedder):
    """Not a language model: proves plumbing, never quality."""

    name = "fake:hashing"
    share_fit = False  # a test encoder: nothing of it in the shared fit-vectors file

    def __init__(self, dim: int = 64) -> None:
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[row, h % self._dim] += 1.0 if (h >> 8) % 2 else -1.0
            out[row, -1] += 0.01
        return out
