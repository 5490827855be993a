"""miner/embed/bert.py: the torch-only BERT gives sentence-transformers' vectors, bit for bit in float32 and within a
cosine of 0.999 in bfloat16, and declines other models."""

from __future__ import annotations

import json
import pickle
import shutil

import numpy as np
import pytest

from miner.embed.bert import (
    PRECISION_ENV,
    exact_float32,
    length_groups,
    load_bert,
    native_bf16,
    resolve_precision,
    token_chunks,
)
from miner.embed.sentence_transformers import SentenceTransformerEmbedder, packaged_model_path
from miner.errors import ModelError

TEXTS = [
    "The driver left my order at the wrong door and the app said delivered.",
    "Refund please",
    "",
    "   ",
    "Spent ten minutes hunting for the delivery charge on the website and never found it. " * 30,  # truncated
    "配達 was late again!! 😡 café, naïve, TAB\there",
    "no phone number, no chat button, no email form",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(packaged_model_path()), device="cpu")
    return st.encode(TEXTS, batch_size=len(TEXTS), convert_to_numpy=True, show_progress_bar=False)


def test_same_vectors_as_sentence_transformers(reference):
    encoder = load_bert(packaged_model_path())
    assert encoder is not None and encoder.max_length == 256
    # the texts run in groups of near-equal token length, not one padded batch: equal within float tolerance
    assert np.allclose(encoder.encode(TEXTS), reference, atol=1e-6)
    assert np.allclose(pickle.loads(pickle.dumps(encoder)).encode(TEXTS), reference, atol=1e-6)  # e.g. to a worker
    singles = np.stack([encoder.encode([t])[0] for t in TEXTS])  # no padding at all
    assert np.allclose(singles, reference, atol=1e-5)


def test_the_embedder_encodes_without_sentence_transformers(reference):
    embedder = SentenceTransformerEmbedder(precision="fp32")
    assert embedder.dim == 384
    assert np.allclose(embedder.embed_batch(TEXTS), reference, atol=1e-6)
    assert embedder._st is None  # sentence-transformers never loaded


def test_bfloat16_dense_layers_give_nearly_the_same_vectors(reference):
    """Where the chip has bfloat16 (`auto` picks it there) the dense layers run in it: near float32's vectors, not
    equal to them, for every path that reads with the encoder (whole texts, spans, a split forward)."""
    encoder = load_bert(packaged_model_path(), "bf16")
    assert encoder is not None and encoder.precision == "bf16"
    vectors = encoder.encode(TEXTS)
    filled = np.linalg.norm(reference, axis=1) > 0
    cosines = np.sum(vectors * reference, axis=1)[filled]
    assert np.all(cosines > 0.999), cosines
    assert not np.allclose(vectors, reference, atol=1e-6)  # bfloat16 did run
    item = "The app crashed at checkout and nobody answered the phone for an hour."
    parts, own = encoder.encode_spans([item], [[(0, 27)]])
    exact_parts, exact_own = load_bert(packaged_model_path()).encode_spans([item], [[(0, 27)]])
    assert float(own[0] @ exact_own[0]) > 0.999 and float(parts[0][0] @ exact_parts[0][0]) > 0.999
    mine, theirs = encoder.encode_shared(TEXTS, encoder, 3)  # one padded batch: other roundings than `encode`'s
    assert np.all(np.sum(mine * reference, axis=1)[filled] > 0.999) and np.allclose(mine, theirs, atol=1e-6)
    with exact_float32():  # what model builds read with (miner/train/models.py): float32's vectors exactly
        assert np.allclose(encoder.encode(TEXTS), reference, atol=1e-6)
    assert not np.allclose(encoder.encode(TEXTS), reference, atol=1e-6)


def test_the_precision_is_asked_for_or_fits_the_chip(monkeypatch):
    monkeypatch.delenv(PRECISION_ENV, raising=False)
    assert resolve_precision() == ("bf16" if native_bf16() else "fp32")
    assert resolve_precision("fp32") == "fp32" and resolve_precision("BF16") == "bf16"
    monkeypatch.setenv(PRECISION_ENV, "fp32")
    assert resolve_precision() == "fp32"
    assert SentenceTransformerEmbedder().precision == "fp32"
    assert SentenceTransformerEmbedder(precision="bf16").precision == "bf16"  # the argument outranks the variable
    monkeypatch.setenv(PRECISION_ENV, "half")
    with pytest.raises(ModelError, match="TOUCHPOINTS_PRECISION='half'.*auto.*fp32.*bf16"):
        resolve_precision()


def test_span_pooling_reads_each_text_once():
    encoder = load_bert(packaged_model_path())
    assert encoder is not None
    item = "The app crashed at checkout and nobody answered the phone for an hour."
    texts = [item, "Refund please"]
    parts, own = encoder.encode_spans(texts, [[(0, 27), (28, len(item))], [(0, 13)]])
    alone = encoder.encode(texts + ["The app crashed at checkout", "and nobody answered the phone for an hour."])
    assert np.allclose(own, alone[:2], atol=1e-6)  # a text's own vector: the mean of all its tokens
    assert np.allclose(parts[1][0], alone[1], atol=1e-6)  # one span over a whole text: that text's vector
    assert parts[0].shape == (2, 384)
    # each clause read inside its item is near, not equal, to the clause read alone: context flows in
    cosines = np.sum(parts[0] * alone[2:], axis=1)
    assert np.all(cosines > 0.5) and np.all(cosines < 0.99)


def test_length_groups_pad_little_and_cover_every_text():
    lengths = np.array([3, 40, 41, 12, 11, 200, 10, 39, 3, 3])
    groups = length_groups(lengths, slack=0.1)
    assert sorted(int(i) for g in groups for i in g) == list(range(len(lengths)))
    for g in groups:
        assert lengths[g].max() * len(g) <= 1.1 * lengths[g].sum()  # padding within the slack
    assert [sorted(lengths[g].tolist()) for g in groups] == [[200], [39, 40, 41], [10, 11, 12], [3, 3, 3]]
    assert len(length_groups(np.array([7] * 100))) == 1  # equal lengths: one batch, nothing padded


def test_length_groups_read_at_most_max_tokens_a_pass():
    lengths = np.array([7] * 100 + [300])
    groups = length_groups(lengths, max_tokens=70)
    assert sorted(int(i) for g in groups for i in g) == list(range(len(lengths)))
    assert [len(g) for g in groups] == [1] + [10] * 10  # the text past the cap alone, then ten per pass
    assert all(lengths[g].max() * len(g) <= 70 for g in groups[1:])


def test_token_chunks_keep_the_order_and_give_short_texts_many_a_call():
    texts = ["word " * 40] * 3 + ["ok"] * 500
    chunks = token_chunks(texts, budget=200)
    assert [i for c in chunks for i in c] == list(range(len(texts)))
    # a token is four characters, and each text adds two: 3 long texts take 156 of 200, then 22 "ok" fill the call
    assert [len(c) for c in chunks] == [25, 100, 100, 100, 100, 78]
    assert token_chunks([]) == []
    # an embedder on the torch-only encoder reads in these chunks and gives what one call gives
    embedder = SentenceTransformerEmbedder(str(packaged_model_path()), precision="fp32")
    bert = embedder.bert()
    assert bert is not None
    assert np.allclose(embedder.embed(TEXTS), bert.encode(TEXTS), atol=1e-5)


def test_other_models_fall_back_to_sentence_transformers(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(packaged_model_path(), folder)
    assert load_bert(folder) is not None
    modules = json.loads((folder / "modules.json").read_text())
    (folder / "modules.json").write_text(json.dumps([*modules[:2], {**modules[2], "type": "my.Dense"}]))
    assert load_bert(folder) is None  # a module it does not know
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    assert load_bert(folder) is None  # CLS pooling
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "mpnet"}))
    assert load_bert(folder) is None
    assert load_bert(tmp_path / "missing") is None


def test_a_split_forward_gives_both_encoders_vectors():
    """`encode_shared`: the bottom layers run once, each encoder's top on them; the vectors are two `encode`s'.
    The top encoder's layers 3-5 are perturbed, so a split at the wrong layer gives other vectors."""
    bottom = load_bert(packaged_model_path())
    top = pickle.loads(pickle.dumps(bottom))
    rng = np.random.default_rng(0)
    for name, weight in top.w.items():
        if name.startswith(("encoder.layer.3.", "encoder.layer.4.", "encoder.layer.5.")) and weight.dim() == 2:
            weight += 0.02 * torch_randn_like(weight, rng)
    mine, theirs = bottom.encode_shared(TEXTS, top, 3)
    assert np.allclose(mine, bottom.encode(TEXTS), atol=1e-6)
    assert np.allclose(theirs, top.encode(TEXTS), atol=1e-6)
    assert not np.allclose(mine, theirs, atol=1e-3)  # the perturbation shows
    _, wrong = bottom.encode_shared(TEXTS, top, 4)  # the top's own layer 3 skipped
    assert not np.allclose(wrong, theirs, atol=1e-4)
    assert [v.shape for v in bottom.encode_shared([], top, 3)] == [(0, 384), (0, 384)]


def torch_randn_like(weight, rng):  # noqa: ANN001, ANN201 - a torch tensor, seeded by numpy
    import torch

    return torch.from_numpy(rng.standard_normal(tuple(weight.shape)).astype(np.float32))


def test_vectors_of_each_precision_are_stored_apart(tmp_path):
    """A database mined in float32 and read again in bfloat16 (another chip, or TOUCHPOINTS_PRECISION) encodes
    afresh rather than mixing the two precisions' vectors; each finds its own on the next read."""
    from miner.embed import EmbeddingCache
    from miner.store import open_db

    db = open_db(tmp_path / "t.db")
    texts = ["The courier never rang the bell.", "Refund please"]
    exact = EmbeddingCache(SentenceTransformerEmbedder(precision="fp32"), db)
    low = EmbeddingCache(SentenceTransformerEmbedder(precision="bf16"), db)
    assert exact.embedder.vector_key == "st:all-MiniLM-L6-v2" and low.embedder.vector_key == "st:all-MiniLM-L6-v2+bf16"
    first = exact.embed(texts)
    assert low.embed(texts).shape == first.shape and low.misses == 2  # not read from float32's vectors
    assert np.all(np.sum(low.embed(texts) * first, axis=1) > 0.999) and low.hits == 2
    assert exact.embed(texts) is not None and exact.hits == 2
    models = {m for (m,) in db.execute("SELECT DISTINCT model FROM embeddings").fetchall()}
    assert models == {"st:all-MiniLM-L6-v2", "st:all-MiniLM-L6-v2+bf16"}
