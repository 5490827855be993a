"""Embed: sentence embeddings behind one small interface, cached in SQLite by content hash."""

from miner.embed.base import Embedder
from miner.embed.cache import EmbeddingCache
from miner.embed.registry import cluster_embedder_for, complaint_embedder_for, get_embedder

__all__ = ["Embedder", "EmbeddingCache", "cluster_embedder_for", "complaint_embedder_for", "get_embedder"]
