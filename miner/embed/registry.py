"""Embedders found by name: `minilm` (default), `fake`, or any sentence-transformers path or name."""

from __future__ import annotations

from miner.embed.base import Embedder


def get_embedder(name: str | None = None) -> Embedder:
    name = name or "minilm"
    if name in ("fake", "fake:hashing"):
        from miner.embed.fake import HashingEmbedder

        return HashingEmbedder()
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(DEFAULT_MODEL if name == "minilm" else name)
