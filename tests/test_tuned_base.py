"""The tuned recipe on another sentence-transformers model (`tuned:PATH`), on a tiny randomly initialised BERT
built here, so the whole path runs in seconds: both encoders are fine-tuned from the given base, cached under
names that carry its fingerprint, and read by the complaint detector."""

from __future__ import annotations

import json
import string
import subprocess
import sys

import pytest

pytest.importorskip("sentence_transformers")

from miner.embed import complaint_embedder_for, get_embedder  # noqa: E402


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("base") / "tiny-bert"
    raw = folder.parent / "raw"
    raw.mkdir()
    letters = string.ascii_lowercase + string.digits
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters, *(f"##{c}" for c in letters), *string.punctuation]
    (raw / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(str(raw / "vocab.txt")).save_pretrained(raw)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    BertModel(config).save_pretrained(raw)
    transformer = Transformer(str(raw), max_seq_length=16)  # short: the test trains on ~3,000 texts
    SentenceTransformer(modules=[transformer, Pooling(32, "mean")], device="cpu").save(str(folder))
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_tuned_path_builds_both_encoders_from_the_given_base(tiny_base, cache, monkeypatch):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(cache))
    embedder = get_embedder(f"tuned:{tiny_base}")
    assert embedder.name.startswith("st:tiny-bert-tuned-")
    assert embedder.name != get_embedder("tuned").name
    vectors = embedder.embed(["the delivery was two hours late", "lovely staff"])
    assert vectors.shape == (2, 32)  # the base's width: it was fine-tuned, not swapped for MiniLM
    second = complaint_embedder_for(embedder)
    assert second is not None and second.name.startswith("st:tiny-bert-complaints-")
    assert second.embed(["my refund never came"]).shape == (1, 32)
    built = sorted(p.name for p in cache.iterdir() if p.is_dir())
    assert [n.split("-")[2] for n in built] == ["complaints", "tuned"]
    manifest = json.loads((cache / "models.json").read_text())  # later runs find them by recipe, not by texts
    assert sorted(manifest.values()) == built


def test_a_base_replaced_in_place_gets_new_names(tiny_base, tmp_path):
    from miner.train.recipes import COMPLAINTS, TUNED
    from miner.train.sources import default_complaint_training, default_touchpoint_training

    tuned, complaints = default_touchpoint_training(), default_complaint_training()
    before = TUNED.name(tuned, str(tiny_base)), COMPLAINTS.name(complaints, str(tiny_base))
    copy = tmp_path / "tiny-bert"
    copy.mkdir()
    config = json.loads((tiny_base / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps(dict(config, hidden_dropout_prob=0.2)))
    after = TUNED.name(tuned, str(copy)), COMPLAINTS.name(complaints, str(copy))
    assert before[0] != after[0] and before[1] != after[1]
    assert TUNED.key(str(tiny_base)) != TUNED.key(str(copy))  # the manifest files the copy's build apart
    assert TUNED.name(tuned) == TUNED.name(tuned, None)  # the packaged MiniLM's names never change


def test_setup_models_takes_a_base_and_says_where_its_encoders_are(tiny_base, cache):
    env = {"TOUCHPOINTS_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "PATH": ""}  # built by the test above
    proc = subprocess.run(
        [sys.executable, "-m", "miner", "setup-models", "--base", str(tiny_base)],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"{cache}/tiny-bert-tuned-" in proc.stdout and f"{cache}/tiny-bert-complaints-" in proc.stdout


def test_a_base_that_is_no_model_is_a_clear_error(tmp_path):
    from miner.errors import ModelError

    embedder = get_embedder(f"tuned:{tmp_path / 'nothing-here'}")
    with pytest.raises(ModelError, match="nothing-here"):
        embedder.embed(["hello"])
