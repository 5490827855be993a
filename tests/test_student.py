"""The fast tier's student recipe (miner/train/distill.py, docs/lab/student.md): what it trains on and the
nonlinear head it may carry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from miner.embed.static import HEAD, PROJECTION, StaticEmbedder, apply_head
from miner.train.distill import fit_head, fit_projection
from miner.train.sources import CORPUS, student_texts, training_corpora


def test_no_recipe_trains_on_the_probe(tmp_path):
    for name in ("probe", "food_delivery", "off_taxonomy"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.md").write_text("not a corpus")
    assert [f.name for f in training_corpora(tmp_path)] == ["food_delivery", "off_taxonomy"]
    assert training_corpora(None) == [] and training_corpora(tmp_path / "absent") == []
    assert (CORPUS / "probe").is_dir() and "probe" not in {f.name for f in training_corpora(CORPUS)}


def _mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).mean())


def test_the_head_learns_what_a_linear_projection_cannot():
    rng = np.random.default_rng(0)
    static = rng.normal(size=(2000, 16)).astype(np.float32)
    target = np.abs(static) @ rng.normal(size=(16, 12)).astype(np.float32)  # no linear map reaches it
    linear = _mean_cosine(static @ fit_projection(static, target), target)
    head = fit_head(static, target, hidden=64, epochs=30)
    assert _mean_cosine(apply_head(static, head), target) > linear + 0.1


class _Vectors:
    """Stands in for a model2vec StaticModel: fixed vectors per text."""

    dim = 4

    def encode(self, texts, **_: object) -> np.ndarray:
        return np.array([[len(t), 1.0, -1.0, 0.5] for t in texts], dtype=np.float32)


def test_a_head_beside_the_model_wins_over_a_projection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    model2vec = pytest.importorskip("model2vec", reason="the fast tier is the optional extra .[fast]")
    monkeypatch.setattr(model2vec.StaticModel, "from_pretrained", classmethod(lambda cls, path: _Vectors()))
    rng = np.random.default_rng(1)
    head = {"W": rng.normal(size=(4, 3)), "A": rng.normal(size=(4, 5)), "a": rng.normal(size=5)}
    head = {**head, "B": rng.normal(size=(5, 3))}
    np.save(tmp_path / PROJECTION, np.eye(4, 2, dtype=np.float32))
    np.savez(tmp_path / HEAD, **{k: v.astype(np.float32) for k, v in head.items()})
    embedder = StaticEmbedder(str(tmp_path))
    got = embedder.embed(["late", "never came"])
    want = apply_head(_Vectors().encode(["late", "never came"]), head)
    assert embedder.dim == 3 and np.allclose(got, want / np.linalg.norm(want, axis=1, keepdims=True), atol=1e-5)
    (tmp_path / HEAD).unlink()
    assert StaticEmbedder(str(tmp_path)).dim == 2  # no head: the linear projection


def test_student_texts_keep_the_texts_and_add_fragments_pairs_and_words():
    texts = ["The courier left my order at the wrong door again.", "Refund still not here"]
    out = student_texts(texts, ["##ing", "parcel", "ok", "refund", "42"], words=2)
    assert out[:2] == texts and len(out) == len(set(out))
    assert "the courier left my order at the wrong door again" in out
    assert {"parcel", "refund"} <= set(out) and "##ing" not in out and "ok" not in out
    fragments = [t for t in out if t not in texts and t in texts[0] and t != texts[0]]
    assert fragments and all(3 <= len(f.split()) <= 8 for f in fragments)
    assert out == student_texts(texts, ["##ing", "parcel", "ok", "refund", "42"], words=2)  # seeded


def test_a_complaint_head_reads_the_same_model_into_another_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The fast tier's complaint detector reads a second head on the same static vectors (COMPLAINT_HEAD), loaded
    once, cached under a name of its own; a folder without one gives a bundle without a second encoder."""
    model2vec = pytest.importorskip("model2vec", reason="the fast tier is the optional extra .[fast]")
    from miner.embed.static import COMPLAINT_HEAD
    from miner.train.models import fast

    loads: list[str] = []
    monkeypatch.setattr(
        model2vec.StaticModel, "from_pretrained", classmethod(lambda cls, path: loads.append(path) or _Vectors())
    )
    assert fast(str(tmp_path)).complaint is None
    rng = np.random.default_rng(2)
    heads = {}
    for file in (HEAD, COMPLAINT_HEAD):
        heads[file] = {"W": rng.normal(size=(4, 3)), "A": rng.normal(size=(4, 5)), "a": rng.normal(size=5)}
        heads[file]["B"] = rng.normal(size=(5, 3))
        np.savez(tmp_path / file, **{k: v.astype(np.float32) for k, v in heads[file].items()})
    np.save(tmp_path / PROJECTION, np.eye(4, 3, dtype=np.float32))
    bundle = fast(str(tmp_path))
    assert bundle.complaint is not None and bundle.complaint.name != bundle.mapping.name
    texts = ["late", "never came"]
    for embedder, file in ((bundle.complaint, COMPLAINT_HEAD), (bundle.mapping, HEAD)):
        want = apply_head(_Vectors().encode(texts), heads[file])
        assert np.allclose(embedder.embed(texts), want / np.linalg.norm(want, axis=1, keepdims=True), atol=1e-5)
    assert len(loads) == 1  # the complaint head borrows the mapping's loaded model


def test_the_recipe_fits_both_heads_on_project_text_and_its_variants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """distill_fast_model: one distillation, then a head per teacher on the texts handed in and their variants (the
    texts come from miner/train/sources.py, project-written only); a finished model is kept as it is."""
    import sys
    import types

    model2vec = pytest.importorskip("model2vec", reason="the fast tier is the optional extra .[fast]")
    from miner.embed.fake import HashingEmbedder
    from miner.embed.static import COMPLAINT_HEAD
    from miner.train import distill as recipe
    from miner.train.recipes import FAST_RECIPE

    class _Saved(_Vectors):
        tokens = ["parcel", "refund", "courier"]

        def save_pretrained(self, path: str) -> None:
            Path(path).mkdir(parents=True)

    monkeypatch.setitem(sys.modules, "model2vec.distill", types.SimpleNamespace(distill=lambda *a, **k: _Saved()))
    monkeypatch.setattr(model2vec.StaticModel, "from_pretrained", classmethod(lambda cls, path: _Saved()))
    read: list[list[str]] = []

    class _Teacher(HashingEmbedder):
        def embed(self, texts, progress=None):  # noqa: ANN001, ANN201
            read.append(list(texts))
            return super().embed(texts, progress)

    texts = ["The courier left my parcel at the wrong door again.", "Refund still not here after two weeks"]
    target = recipe.distill_fast_model(texts, tmp_path / "fast", _Teacher(8), _Teacher(6))
    assert FAST_RECIPE["complaint_head"] == "mlp" and FAST_RECIPE["teacher"] == "tuned"
    assert read[0] == read[1] and read[0][:2] == texts and {"parcel", "refund"} <= set(read[0])
    with np.load(target / HEAD) as head, np.load(target / COMPLAINT_HEAD) as complaint:
        assert head["W"].shape == (4, 8) and complaint["W"].shape == (4, 6)
    assert recipe.distill_fast_model(["other"], target, _Teacher(8)) == target and len(read) == 2


@pytest.mark.parametrize("quantized", [False, True])
def test_static_vectors_are_what_model2vec_encodes(quantized: bool):
    """The fast tier averages token vectors in one sparse product (`static_vectors`); it must give model2vec's own
    `encode`, with weights and a token mapping (a vocabulary-quantized model) as well as without, and zeros for a
    text with no known token."""
    model2vec = pytest.importorskip("model2vec", reason="the fast tier is the optional extra .[fast]")
    from tokenizers import Tokenizer, models, pre_tokenizers

    from miner.embed.static import static_vectors, token_table

    words = ["[UNK]", "late", "never", "came", "the", "bag", "lost", "again"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    rng = np.random.default_rng(3)
    if quantized:  # 8 tokens share 5 vectors, each token weighted
        vectors, mapping, weights = rng.normal(size=(5, 6)), np.array([0, 1, 2, 3, 4, 1, 2, 3]), rng.random(8) + 0.5
    else:
        vectors, mapping, weights = rng.normal(size=(8, 6)), None, None
    model = model2vec.StaticModel(
        vectors.astype(np.float16), tokenizer, normalize=True, weights=weights, token_mapping=mapping
    )
    texts = ["late again", "the bag never came, lost the bag", "", "zzz", "late"]
    want = model.encode(texts, show_progress_bar=False, use_multiprocessing=False)
    got = static_vectors(model, token_table(model), texts)
    # Without weights model2vec's mean stays in float16 (its rows' type), so it is the coarser of the two there.
    assert got.shape == want.shape and np.allclose(got, want, atol=1e-5 if quantized else 2e-3)
    assert not got[2].any()  # no token at all: model2vec's zeros
