"""The compact student (miner/train/compact.py): a one-layer cut of a BERT sentence encoder, taught to give the whole
encoder's vectors. Here the teacher is the packaged MiniLM and the texts a few hundred project sentences, so the
recipe runs in seconds; the real student learns from the tuned encoder on ~21k texts (docs/lab/compact.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from miner.embed.bert import load_bert
from miner.embed.registry import get_bundle
from miner.train.compact import distil_compact

pytestmark = pytest.mark.e2e  # real weights


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module")
def taught(tmp_path_factory):
    from miner.embed.sentence_transformers import packaged_model_path
    from miner.train.sources import default_projection_texts

    texts = default_projection_texts()
    train, held = texts[:600:2], texts[1:600:2]
    teacher = packaged_model_path()
    out = tmp_path_factory.mktemp("compact")
    small = {"texts": "student_texts:0", "swap": 0}  # the texts as given, no vocabulary words or swapped variants
    student = distil_compact(train, teacher, out / "student", {**small, "epochs": 2, "lr": 5e-4})
    # untaught: nothing to teach, so no reading of the taxonomy's 1,700 texts for the score loss (half the fixture)
    untaught = distil_compact(train, teacher, out / "untaught", {**small, "epochs": 0, "score_weight": 0})
    return teacher, student, untaught, held


def test_the_student_is_a_one_layer_encoder_the_torch_only_path_reads(taught):
    teacher, student, _, held = taught
    assert json.loads((student / "config.json").read_text())["num_hidden_layers"] == 1
    encoder = load_bert(student)
    assert encoder is not None and encoder.layers == 1  # the fast path, and the second process, can read it
    vectors = encoder.encode(held[:8])
    assert vectors.shape == (8, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)


def test_distillation_brings_the_one_layer_cut_towards_the_teacher_on_texts_it_never_read(taught):
    teacher, student, untaught, held = taught
    goal = load_bert(teacher).encode(held)
    before = _cosine(load_bert(untaught).encode(held), goal).mean()
    after = _cosine(load_bert(student).encode(held), goal).mean()
    assert after > before + 0.2, (before, after)


def test_the_compact_bundle_reads_the_complaint_head_on_its_own_vectors():
    bundle = get_bundle("compact")
    assert bundle.mapping.name.startswith("st:minilm-compact-")
    assert bundle.complaint.source is bundle.mapping and bundle.cluster is bundle.mapping
    assert bundle.complaint.name == get_bundle("tuned").complaint.name  # the tuned encoder's head, not a new one


def test_swapped_variants_keep_the_sentence_and_change_a_fifth_of_its_words():
    from miner.train.sources import swapped_texts

    texts = ["the driver left my order at the wrong door again tonight"] * 50
    variants = swapped_texts(texts, ["card", "bank", "fee", "a1", "xx"], n=2)
    assert len(variants) == 100 and variants == swapped_texts(texts, ["card", "bank", "fee", "a1", "xx"], n=2)
    words = [v.split() for v in variants]
    assert all(len(w) == 11 for w in words)  # the same shape
    changed = sum(a != b for w in words for a, b in zip(w, texts[0].split(), strict=True)) / (11 * len(words))
    assert 0.1 < changed < 0.3
    assert {a for w in words for a in w} - set(texts[0].split()) <= {"card", "bank", "fee"}  # alphabetic, 3+ letters


def test_the_readers_loss_is_zero_on_the_teachers_vectors_and_grows_as_the_reading_drifts():
    import torch

    from miner.train.compact import Readers, taxonomy_texts

    rng = np.random.default_rng(0)
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    anchors = unit(rng.normal(size=(40, 16)))
    head = {"W": rng.normal(size=(16, 16)), "A": rng.normal(size=(16, 8)), "a": rng.normal(size=8),
            "B": rng.normal(size=(8, 16))}  # fmt: skip
    readers = Readers(anchors, head, score_weight=1.0, temperature=0.05, complaint_weight=1.0)
    goal = torch.from_numpy(unit(rng.normal(size=(32, 16))).astype(np.float32))
    assert float(readers.loss(goal, goal)) == pytest.approx(0.0, abs=1e-5)
    losses = []
    for noise in (0.1, 0.5, 2.0):
        drift = goal + noise * torch.from_numpy(rng.normal(size=(32, 16)).astype(np.float32))
        losses.append(float(readers.loss(torch.nn.functional.normalize(drift, dim=1), goal)))
    assert 0 < losses[0] < losses[1] < losses[2]
    assert float(Readers(None, None, 1.0, 0.05, 1.0).loss(goal, goal.flip(0))) == 0.0  # nothing to read: no loss
    texts = taxonomy_texts()
    assert len(texts) > 500 and "none" not in texts  # descriptions, examples and `none` examples, not ids
