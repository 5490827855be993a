"""The default encoder's fine-tuning step: its loss, its training set and its versioned name (no training here;
`make setup` builds the model and the end-to-end tests run on it)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from miner.embed import tuned  # noqa: E402
from miner.touchpoints import load_taxonomy  # noqa: E402


def test_supcon_loss_is_lower_when_same_label_vectors_agree():
    labels = torch.tensor([0, 0, 1, 1])
    grouped = torch.nn.functional.normalize(torch.tensor([[1.0, 0.1], [1.0, -0.1], [0.1, 1.0], [-0.1, 1.0]]), dim=1)
    crossed = grouped[[0, 2, 1, 3]]  # the same vectors, each now labelled with the other group's
    assert tuned.supcon_loss(grouped, labels, 0.2) < tuned.supcon_loss(crossed, labels, 0.2) - 1.0


def test_training_set_labels_every_touchpoint_and_keeps_none_and_non_complaints_apart():
    texts, labels = tuned.training_set()
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
    name = tuned.tuned_name()
    assert name.startswith("minilm-tuned-") and name == tuned.tuned_name()
    monkeypatch.setitem(tuned.RECIPE, "epochs", tuned.RECIPE["epochs"] + 1)
    assert tuned.tuned_name() != name


def test_complaint_encoder_trains_on_the_seeds_and_its_name_fingerprints_them(monkeypatch):
    from miner.complaints.detector import load_seeds

    texts, labels = tuned.complaint_training_set()
    complaints, other = load_seeds()
    assert texts == complaints + other and labels == [1] * len(complaints) + [0] * len(other)
    name = tuned.complaint_name()
    assert name.startswith("minilm-complaints-") and name == tuned.complaint_name()
    monkeypatch.setitem(tuned.COMPLAINT_RECIPE, "epochs", tuned.COMPLAINT_RECIPE["epochs"] + 1)
    assert tuned.complaint_name() != name
    assert tuned.complaint_name((texts[:-1], labels[:-1])) != tuned.complaint_name((texts, labels))


def test_pain_points_cluster_on_the_plain_base_model_not_the_tuned_one():
    from miner.embed import cluster_embedder_for, get_embedder
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder

    plain = cluster_embedder_for(get_embedder("tuned"))
    assert isinstance(plain, SentenceTransformerEmbedder) and plain.model == DEFAULT_MODEL
    assert cluster_embedder_for(get_embedder("tuned:/models/other")).model == "/models/other"
    minilm = get_embedder("minilm")
    assert cluster_embedder_for(minilm) is minilm  # a plain model clusters with itself: no extra pass
    assert cluster_embedder_for(get_embedder("fake")) is None
    assert cluster_embedder_for(tuned.ComplaintEmbedder(None)) is None
