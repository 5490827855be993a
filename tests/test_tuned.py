"""The default encoder's fine-tuning step: its loss, its training set and its versioned name (no training here;
`make setup` builds the model and the end-to-end tests run on it)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from miner.touchpoints import load_taxonomy  # noqa: E402
from miner.train import recipes, sources  # noqa: E402
from miner.train.recipes import COMPLAINTS, TUNED  # noqa: E402


def test_supcon_loss_is_lower_when_same_label_vectors_agree():
    labels = torch.tensor([0, 0, 1, 1])
    grouped = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [1.0, -0.1], [0.1, 1.0], [-0.1, 1.0]]), dim=1)
    crossed = grouped[[0, 2, 1, 3]]  # the same vectors, each now labelled with the other group's
    assert recipes.supcon_loss(grouped, labels, 0.2) < recipes.supcon_loss(crossed, labels, 0.2) - 1.0


def test_training_set_labels_every_touchpoint_and_keeps_none_and_non_complaints_apart():
    texts, labels = sources.default_touchpoint_training()
    taxonomy = load_taxonomy()
    k = len(taxonomy.touchpoints)
    assert len(texts) == len(labels) and all(t.strip() for t in texts)
    assert set(labels) == set(range(k + 2))
    first_none = labels.index(k)
    assert texts[first_none] == taxonomy.none_examples[0]
    j = [t.id for t in taxonomy.touchpoints].index("website")
    website_texts = {t for t, y in zip(texts, labels, strict=True) if y == j}
    assert set(taxonomy.touchpoints[j].all_examples()) <= website_texts


def test_name_fingerprints_the_recipe(monkeypatch):
    training = sources.default_touchpoint_training()
    name = TUNED.name(training)
    assert name.startswith("minilm-tuned-") and name == TUNED.name(training)
    monkeypatch.setitem(recipes.RECIPE, "epochs", recipes.RECIPE["epochs"] + 1)
    assert TUNED.name(training) != name


def test_complaint_encoder_trains_on_the_seeds_and_its_name_fingerprints_them(monkeypatch):
    from miner.complaints.detector import load_seeds

    texts, labels = sources.default_complaint_training()
    complaints, other = load_seeds()
    assert texts == complaints + other and labels == [1] * len(complaints) + [0] * len(other)
    name = COMPLAINTS.name((texts, labels))
    assert name.startswith("minilm-complaints-") and name == COMPLAINTS.name((texts, labels))
    monkeypatch.setitem(recipes.COMPLAINT_RECIPE, "epochs", recipes.COMPLAINT_RECIPE["epochs"] + 1)
    assert COMPLAINTS.name((texts, labels)) != name
    assert COMPLAINTS.name((texts[:-1], labels[:-1])) != COMPLAINTS.name((texts, labels))


def test_pain_points_cluster_on_the_tuned_encoder_and_on_the_plain_base_model_by_name():
    from miner.embed import cluster_embedder_for, complaint_embedder_for, get_embedder
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder

    tuned = get_embedder("tuned")
    assert cluster_embedder_for(tuned) is tuned  # no third pass: the vectors the mapper read
    plain = cluster_embedder_for(get_embedder("threepass"))
    assert isinstance(plain, SentenceTransformerEmbedder) and plain.model == DEFAULT_MODEL
    assert cluster_embedder_for(get_embedder("threepass:/models/other")).model == "/models/other"
    minilm = get_embedder("minilm")
    assert cluster_embedder_for(minilm) is minilm  # a plain model clusters with itself: no extra pass
    assert cluster_embedder_for(get_embedder("fake")) is None
    assert cluster_embedder_for(complaint_embedder_for(get_embedder("tuned"))) is None


def test_the_one_pass_encoder_trains_on_the_taxonomy_and_the_seeds_and_serves_all_three():
    from miner.complaints.detector import load_seeds
    from miner.embed import cluster_embedder_for, complaint_embedder_for, get_embedder

    texts, labels = sources.default_joint_training()
    tp_texts, tp_labels = sources.default_touchpoint_training()
    complaints, other = load_seeds()
    repeats = recipes.JOINT_RECIPE["complaint_repeats"]
    assert texts[: len(tp_texts)] == tp_texts and labels[: len(tp_labels)] == tp_labels
    seeds = [recipes.COMPLAINT] * len(complaints) + [recipes.NOT_COMPLAINT] * len(other)
    assert texts[len(tp_texts) :] == (complaints + other) * repeats and labels[len(tp_labels) :] == seeds * repeats
    assert recipes.JOINT.name((texts, labels)).startswith("minilm-joint-")
    one = get_embedder("onepass")
    assert complaint_embedder_for(one) is None and cluster_embedder_for(one) is one  # one read of each segment
    two = get_embedder("twopass")  # the default before the complaint head
    assert complaint_embedder_for(two) is not None and cluster_embedder_for(two) is two
