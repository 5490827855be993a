"""Encoders found by name. A name maps to a factory that returns the `EncoderBundle` a pipeline needs:

- `tuned` (alias `default`): MiniLM fine-tuned on the taxonomy, read once per segment: the complaint detector's
  second reading is the complaint head on its vectors (miner/embed/head.py), pain points cluster on its vectors
  (miner/train/models.py); `tuned:PATH` the same recipes on another sentence-transformers model, with its complaint
  encoder reading each segment again; `twopass`: the complaint encoder itself reads each segment (the default
  before the head); `threepass`: that, clustering on plain MiniLM (the default before issue 21); `onepass`: one
  MiniLM fine-tuned on the taxonomy and the complaint seeds at once (docs/lab/onepass.md);
- `minilm`: the packaged all-MiniLM-L6-v2 as it is; `fast` (`m2v`, `model2vec`, `m2v:PATH`): model2vec;
  `compact`: the tuned encoder cut to one layer and distilled (miner/train/compact.py), for batch jobs that want the
  default's accuracy;
- `mpnet`, `gemma`: optional stronger encoders, downloaded only by `touchpoints setup-models --optional NAME`
  and checked by sha256 on load (miner/embed/optional.py);
- `fake`: the hashing embedder for tests;
- anything else: a sentence-transformers path or name.

`name:ARG` calls the factory registered as `name` with ARG. A factory may be registered as "module:function",
imported on first use, so that `--help` and the fake embedder never import torch or the training code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from miner.defaults import DEFAULT_EMBEDDING
from miner.embed.base import Embedder
from miner.errors import ModelError


@dataclass(frozen=True)
class EncoderBundle:
    """The encoders one run reads: `mapping` embeds segments for the touchpoint mapper (and names the run);
    `complaint` is the complaint detector's second encoder (None: the mapping vectors only); `cluster` embeds
    complaints for pain points (None: cluster the mapping vectors)."""

    mapping: Embedder
    complaint: Embedder | None = None
    cluster: Embedder | None = None


Factory = Callable[[str | None], EncoderBundle]


class ModelRegistry:
    """Model names to bundle factories; `fallback` takes any name nothing is registered for."""

    def __init__(self, fallback: Factory | str) -> None:
        self._factories: dict[str, Factory | str] = {}
        self._fallback = fallback

    def register(self, name: str, factory: Factory | str, *, aliases: tuple[str, ...] = ()) -> None:
        for key in (name, *aliases):
            self._factories[key] = factory

    def names(self) -> list[str]:
        return sorted(self._factories)

    def bundle(self, name: str) -> EncoderBundle:
        """The encoders for `name`; the mapping encoder knows its bundle (`Embedder.bundle`)."""
        head, sep, arg = name.partition(":")
        if name in self._factories:
            factory, argument = self._factories[name], None
        elif sep and head in self._factories:
            factory, argument = self._factories[head], arg
        else:
            factory, argument = self._fallback, name
        bundle = _load(factory)(argument)
        bundle.mapping.bundle = bundle
        bundle.mapping.registry_name = name
        return bundle


def _load(factory: Factory | str) -> Factory:
    if callable(factory):
        return factory
    module, _, attr = factory.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise ModelError(f"embedding model factory '{factory}' could not be loaded: {err}") from None


def sentence_transformer(name: str | None) -> EncoderBundle:
    """A plain sentence-transformers model: it maps and clusters with the same vectors, in one pass."""
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder(name or DEFAULT_MODEL)
    return EncoderBundle(mapping=model, cluster=model)


def minilm(_: str | None) -> EncoderBundle:
    return sentence_transformer(None)


def fake(_: str | None) -> EncoderBundle:
    from miner.embed.fake import HashingEmbedder

    return EncoderBundle(mapping=HashingEmbedder())


registry = ModelRegistry(fallback=sentence_transformer)
registry.register("tuned", "miner.train.models:tuned", aliases=("default",))
registry.register("twopass", "miner.train.models:two_pass")
registry.register("onepass", "miner.train.models:one_pass")
registry.register("threepass", "miner.train.models:three_pass")
registry.register("minilm", minilm)
registry.register("fast", "miner.train.models:fast", aliases=("m2v", "model2vec"))
registry.register("compact", "miner.train.models:compact")
registry.register("fake", fake, aliases=("fake:hashing",))
registry.register("mpnet", "miner.embed.optional:mpnet")
registry.register("gemma", "miner.embed.optional:gemma", aliases=("embeddinggemma",))


def get_bundle(name: str | None = None) -> EncoderBundle:
    """The encoders for a model name (the default encoder when None)."""
    return registry.bundle(name or DEFAULT_EMBEDDING)


def get_embedder(name: str | None = None) -> Embedder:
    """The mapping encoder of `name`'s bundle (a thin wrapper kept for callers that take one embedder)."""
    return get_bundle(name).mapping


def complaint_embedder_for(embedder: Embedder) -> Embedder | None:
    """The complaint detector's second encoder from `embedder`'s bundle (None outside a bundle)."""
    return embedder.bundle.complaint if embedder.bundle else None


def cluster_embedder_for(embedder: Embedder) -> Embedder | None:
    """The encoder pain points are clustered with, from `embedder`'s bundle (None: its own vectors)."""
    return embedder.bundle.cluster if embedder.bundle else None
