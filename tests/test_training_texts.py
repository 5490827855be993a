"""The demo corpus' texts the recipes train on are frozen into the package (miner/train/sources.py FROZEN)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from miner.train import sources


def test_an_installed_package_trains_on_the_texts_a_checkout_does(monkeypatch: pytest.MonkeyPatch):
    """An installed package has no corpora/ beside it: its complaint head and students must read the same texts,
    or its models (and every figure measured in a checkout) differ from the checkout's."""
    checkout = sources.default_head_training(), sources.default_projection_texts()
    monkeypatch.setattr(sources, "training_corpora", lambda corpus=None: [])  # no corpora/ folders to read
    assert (sources.default_head_training(), sources.default_projection_texts()) == checkout
    assert any("Flat 4B" == text for text in sources.corpus_documents())  # a chat turn of corpora/food_delivery


def test_how_files_are_imported_does_not_change_what_the_models_learn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The frozen texts are read as they are; only `freeze_demo_texts` reads the corpus through the importer."""
    corpus = tmp_path / "corpora"
    (corpus / "shop").mkdir(parents=True)
    (corpus / "probe").mkdir()  # an evaluation set: never training text
    (corpus / "shop" / "reviews.csv").write_text("id,text\n1,The parcel came late\n2,Wrong size sent twice\n")
    (corpus / "probe" / "items.csv").write_text("id,text\n1,held out\n")
    frozen = tmp_path / "demo_texts.json"
    assert sources.freeze_demo_texts(corpus, frozen) == 2
    assert json.loads(frozen.read_text(encoding="utf-8")) == ["The parcel came late", "Wrong size sent twice"]
    monkeypatch.setattr(sources, "FROZEN", frozen)
    (corpus / "shop" / "reviews.csv").write_text("id,text\n1,Something else entirely\n")
    assert sources.corpus_documents() == ["The parcel came late", "Wrong size sent twice"]
    with pytest.raises(ValueError, match="no corpus folders"):
        sources.freeze_demo_texts(tmp_path / "absent", frozen)
