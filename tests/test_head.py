"""miner/embed/head.py and its recipe: the complaint head learns the teacher's vectors from the source's, and a
pipeline reads it from the mapping encoder's cached vectors without encoding a clause again (fake encoders: this
proves plumbing; docs/lab/secondhead.md has the quality)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from miner.embed import EmbeddingCache
from miner.embed.fake import HashingEmbedder
from miner.embed.head import HeadCache, HeadEmbedder, head_cache
from miner.store import open_db
from miner.train.recipes import complaint_head_recipe, fit_complaint_head

TEXTS = [f"{a} {b} {c}" for a in ("late", "rude", "broken", "lovely", "quick") for b in ("delivery", "staff", "app",
         "refund", "room") for c in ("again", "today", "sadly", "thanks")]  # fmt: skip


class Counting(HashingEmbedder):
    """The fake encoder, counting the texts it reads."""

    def __init__(self, dim: int = 32, name: str = "fake:counting") -> None:
        super().__init__(dim)
        self.name = name
        self.read = 0

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.read += len(texts)
        return super().embed_batch(texts)


class Rotated(Counting):
    """A teacher whose space is a fixed rotation of the source's, squashed (so a head has something to learn)."""

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((self.dim, self.dim)))
        return np.tanh(2 * super().embed_batch(texts) @ q.astype(np.float32))


@pytest.fixture
def built(tmp_path):
    source, teacher = Counting(), Rotated(name="fake:teacher")
    source.built_name, teacher.built_name = "src", "tch"
    folder = fit_complaint_head(TEXTS, [], tmp_path / "head", source=source, teacher=teacher)
    return source, teacher, HeadEmbedder("h", source, lambda: folder, teacher)


def test_the_head_gives_the_teachers_vectors_from_the_sources(built):
    source, teacher, head = built
    goal = teacher.embed(TEXTS)
    learned = np.sum(head.embed(TEXTS) * goal, axis=1)
    untrained = np.sum(source.embed(TEXTS) * goal, axis=1)  # the source's own vectors, before any head
    assert learned.mean() > 0.9 and learned.mean() > untrained.mean() + 0.3
    assert np.allclose(np.linalg.norm(head.embed(TEXTS), axis=1), 1, atol=1e-5)


def test_a_pipeline_reads_the_head_from_the_mapping_vectors_without_encoding_again(built, tmp_path):
    source, _, head = built
    db = open_db(tmp_path / "run.db")
    mapping = EmbeddingCache(source, db)
    cache = head_cache(head, mapping)
    assert isinstance(cache, HeadCache)
    first = mapping.embed(TEXTS[:20])
    read = source.read
    second = cache.embed(TEXTS[:20])
    assert source.read == read  # the clauses the mapping encoder read are not read again
    assert np.allclose(second, head.apply(first))
    assert isinstance(head_cache(head, EmbeddingCache(Counting(), db)), EmbeddingCache)  # another run's encoder
    assert not isinstance(head_cache(head, EmbeddingCache(Counting(), db)), HeadCache)
    assert head_cache(None, mapping) is None


def test_the_heads_name_follows_the_encoders_it_joins():
    a, b, c = Counting(), Counting(), Counting()
    a.built_name, b.built_name, c.built_name = "tuned-1", "complaints-1", "complaints-2"
    texts = (TEXTS, [])
    assert complaint_head_recipe(a, b).name(texts) == complaint_head_recipe(a, b).name(texts)
    assert complaint_head_recipe(a, b).name(texts) != complaint_head_recipe(a, c).name(texts)
    assert complaint_head_recipe(a, b).name(texts) != complaint_head_recipe(a, b).name((TEXTS[1:], []))
