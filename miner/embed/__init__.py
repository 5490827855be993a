"""Embed: sentence embeddings behind one small interface, cached in SQLite by content hash, found by name."""

from miner.embed.base import Embedder
from miner.embed.cache import EmbeddingCache
from miner.embed.registry import (
    EncoderBundle,
    cluster_embedder_for,
    complaint_embedder_for,
    get_bundle,
    get_embedder,
    registry,
)

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "EncoderBundle",
    "cluster_embedder_for",
    "complaint_embedder_for",
    "get_bundle",
    "get_embedder",
    "registry",
]
