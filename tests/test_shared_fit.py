"""The vectors a pipeline fits on are shared between databases (miner/embed/shared.py): a second new database
embeds none of them again, fits the same models, and no customer text lands in the shared file."""

from __future__ import annotations

import sqlite3

import numpy as np

from miner.embed.fake import HashingEmbedder
from miner.pipeline import MineOptions, build_pipeline
from miner.segment.rules import RuleSegmenter
from miner.segment.segmenter import text_hash
from miner.store import open_db


class Shared(HashingEmbedder):
    share_fit = True  # the fake encoders stay out of the shared file; these tests are about it


class Counting(Shared):
    def __init__(self) -> None:
        super().__init__(dim=128)
        self.texts: list[str] = []

    def embed(self, texts, progress=None):  # noqa: ANN001, ANN201
        self.texts += list(texts)
        return super().embed(texts, progress=progress)


def _fitted(path, taxonomy, embedder):
    options = MineOptions(taxonomy=taxonomy, embedder=embedder, segmenter=RuleSegmenter(), redact_pii=False)
    return build_pipeline(open_db(path), options).fit()


def test_a_second_database_embeds_nothing_to_fit_and_fits_the_same(tmp_path, monkeypatch, mini_taxonomy):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path / "cache"))
    first, second = Counting(), Counting()
    one = _fitted(tmp_path / "one.db", mini_taxonomy, first)
    fitted_on = {text_hash(t) for t in first.texts}
    assert fitted_on  # the first database embeds the seeds and the examples
    two = _fitted(tmp_path / "two.db", mini_taxonomy, second)
    assert second.texts == []
    texts = ["the app crashed at checkout", "lovely food, quick delivery"]
    vectors = one.cache.embed(texts)
    assert np.array_equal(one.detector_.scores(vectors, [None, None], texts),
                          two.detector_.scores(vectors, [None, None], texts))  # fmt: skip
    two.cache.embed(["my order never came, refund me"])  # a customer's text, after the fit
    shared = sqlite3.connect(tmp_path / "cache" / "fit-embeddings.db")
    assert shared.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == len(fitted_on)


def test_vectors_of_another_size_under_the_same_name_are_not_shared(tmp_path, monkeypatch, mini_taxonomy):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path / "cache"))
    _fitted(tmp_path / "one.db", mini_taxonomy, Counting())  # 128 dimensions
    small = Shared(dim=64)  # same name, fake:hashing
    assert _fitted(tmp_path / "two.db", mini_taxonomy, small).cache.embed(["late again"]).shape == (1, 64)


def test_a_test_encoder_leaves_the_shared_file_alone(tmp_path, monkeypatch, mini_taxonomy):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path / "cache"))
    _fitted(tmp_path / "one.db", mini_taxonomy, HashingEmbedder(dim=128))
    assert not (tmp_path / "cache" / "fit-embeddings.db").exists()
