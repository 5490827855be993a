"""Embedders found by name: `tuned` (the default: MiniLM fine-tuned on the taxonomy, miner/embed/tuned.py; `tuned:PATH`
the same recipe on another sentence-transformers model),
`minilm` (the packaged all-MiniLM-L6-v2 as it is), `fast` (model2vec distilled from MiniLM), `fake`, or any
sentence-transformers path or name."""

from __future__ import annotations

import functools

from miner.defaults import DEFAULT_EMBEDDING
from miner.embed.base import Embedder

FAST_NAMES = ("fast", "m2v", "model2vec")


def get_embedder(name: str | None = None) -> Embedder:
    name = name or DEFAULT_EMBEDDING
    if name in ("fake", "fake:hashing"):
        from miner.embed.fake import HashingEmbedder

        return HashingEmbedder()
    if name in FAST_NAMES or name.startswith("m2v:"):
        from miner.embed.static import StaticEmbedder

        path = name.split(":", 1)[1] if name.startswith("m2v:") and "/" in name else None
        return StaticEmbedder(path)
    if name == "tuned" or name.startswith("tuned:"):
        from miner.embed.tuned import TunedEmbedder

        return TunedEmbedder(base=name.partition(":")[2] or None)
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(DEFAULT_MODEL if name == "minilm" else name)


def complaint_embedder_for(embedder: Embedder) -> Embedder | None:
    """The second encoder the complaint detector reads, for the default encoder only: the tuned MiniLM comes with
    a complaint encoder (miner/embed/tuned.py); any other encoder detects complaints from its own vectors."""
    from miner.embed.tuned import TunedEmbedder

    return _complaint_embedder(embedder.base) if isinstance(embedder, TunedEmbedder) else None


@functools.cache
def _complaint_embedder(base: str | None) -> Embedder:
    from miner.embed.tuned import ComplaintEmbedder

    return ComplaintEmbedder(base)  # one per process and base model: a service's jobs share it


def cluster_embedder_for(embedder: Embedder) -> Embedder | None:
    """The encoder pain points are clustered with. The tuned MiniLM was trained to pull each touchpoint's complaints
    together, which blurs what differs inside one, so its plain base model clusters them (docs/quality.md, "Pain
    points"); a plain sentence-transformers model clusters with itself; other encoders (the fast tier, the fake one)
    cluster the vectors they mapped with (None)."""
    from miner.embed.sentence_transformers import SentenceTransformerEmbedder
    from miner.embed.tuned import ComplaintEmbedder, TunedEmbedder

    if isinstance(embedder, TunedEmbedder):
        return _plain_embedder(embedder.base)
    if isinstance(embedder, SentenceTransformerEmbedder) and not isinstance(embedder, ComplaintEmbedder):
        return embedder
    return None


@functools.cache
def _plain_embedder(base: str | None) -> Embedder:
    return get_embedder(base or "minilm")  # one per process and base model, like the complaint encoder
