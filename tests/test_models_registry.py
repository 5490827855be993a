"""Encoders by name: the registry's names and bundles, the manifest that keeps a built encoder's name while the
default taxonomy changes, the optional weights checksum, and embed kept apart from complaints and training."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

from miner.embed import EncoderBundle, cluster_embedder_for, complaint_embedder_for, get_bundle, get_embedder
from miner.embed.fake import HashingEmbedder
from miner.embed.registry import ModelRegistry, registry
from miner.errors import ModelError

ROOT = Path(__file__).resolve().parents[1]


def test_names_map_to_their_encoders_without_loading_a_model():
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder
    from miner.embed.static import StaticEmbedder

    assert isinstance(get_embedder("fake"), HashingEmbedder) and isinstance(
        get_embedder("fake:hashing"), HashingEmbedder
    )
    minilm = get_bundle("minilm")
    assert minilm.mapping.model == DEFAULT_MODEL and minilm.cluster is minilm.mapping and minilm.complaint is None
    other = get_embedder("/models/my-encoder")
    assert isinstance(other, SentenceTransformerEmbedder) and other.name == "st:my-encoder"
    fast = get_embedder("fast").name
    assert fast.startswith("m2v:minilm-fast-") and get_embedder("model2vec").name == fast
    static = get_embedder("m2v:/models/static-one")
    assert isinstance(static, StaticEmbedder) and static.path == "/models/static-one"
    assert get_embedder("default").name == get_embedder("tuned").name


def test_the_fast_tier_is_named_after_its_recipe_and_its_projection_texts():
    from miner.train.recipes import FAST

    name = FAST.name((["the courier was late"], []))
    assert name.startswith("minilm-fast-") and name == FAST.name((["the courier was late"], []))
    assert name != FAST.name((["the courier was rude"], []))  # other texts, another model: cached vectors not mixed


def test_the_default_bundle_brings_its_complaint_head_and_clustering_encoders():
    from miner.embed.head import HeadEmbedder

    bundle = get_bundle()
    assert bundle.mapping.name.startswith("st:minilm-tuned-")
    assert isinstance(bundle.complaint, HeadEmbedder) and bundle.complaint.name.startswith("head:minilm-complainthead-")
    assert bundle.complaint.source is bundle.mapping  # read from the mapping vectors: one pass per segment
    assert complaint_embedder_for(bundle.mapping) is bundle.complaint
    assert cluster_embedder_for(bundle.mapping) is bundle.cluster is bundle.mapping
    two = get_bundle("twopass")  # the default before the head, still by name
    assert two.complaint.name.startswith("st:minilm-complaints-") and two.mapping.name == bundle.mapping.name
    assert bundle.complaint.teacher is two.complaint  # the complaint encoder: shared within a process
    assert get_bundle("threepass").cluster.name == "st:all-MiniLM-L6-v2"  # the default before issue 21
    assert get_bundle().complaint.name == bundle.complaint.name


def test_a_registered_factory_is_found_by_name_and_with_an_argument():
    seen = []

    def factory(arg):
        seen.append(arg)
        return EncoderBundle(mapping=HashingEmbedder(8), complaint=HashingEmbedder(4))

    mine = ModelRegistry(fallback=factory)
    mine.register("tiny", factory, aliases=("small",))
    bundle = mine.bundle("small")
    assert complaint_embedder_for(bundle.mapping) is bundle.complaint and cluster_embedder_for(bundle.mapping) is None
    mine.bundle("tiny:/some/path")
    mine.bundle("anything-else")
    assert seen == [None, "/some/path", "anything-else"]
    assert mine.names() == ["small", "tiny"]


def test_a_factory_named_by_import_path_loads_lazily_and_a_wrong_one_is_a_clear_error():
    lazy = ModelRegistry(fallback="miner.embed.registry:fake")
    assert isinstance(lazy.bundle("whatever").mapping, HashingEmbedder)
    lazy.register("broken", "miner.embed.nothing_here:factory")
    with pytest.raises(ModelError, match="miner.embed.nothing_here:factory"):
        lazy.bundle("broken")


def test_an_embedder_from_outside_the_registry_has_no_companions():
    alone = HashingEmbedder()
    assert complaint_embedder_for(alone) is None and cluster_embedder_for(alone) is None
    assert "tuned" in registry.names() and "minilm" in registry.names()


def _fake_recipe(built: list):
    from miner.train.recipes import Recipe

    def fit(texts, labels, target, progress=None, base=None):
        built.append(list(texts))
        target.mkdir(parents=True)
        (target / "config.json").write_text("{}")
        return target

    return Recipe("tuned", {"loss": "test"}, fit)


def test_a_built_encoder_keeps_its_name_until_it_is_rebuilt_from_new_texts(tmp_path, monkeypatch):
    from miner.train.models import build, encoder

    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    built: list = []
    recipe = _fake_recipe(built)
    texts = (["late again", "rude staff"], [0, 1])
    first = build(recipe, texts)
    assert built == [texts[0]] and first.parent == tmp_path
    edited = (["late again!", "rude staff"], [0, 1])  # one example edited in the taxonomy
    named = encoder(recipe, None, lambda: edited)
    assert named.name == f"st:{first.name}"  # the run still uses, and records, the model it was built as
    assert build(recipe, texts) == first and len(built) == 1  # same texts: nothing refitted
    second = build(recipe, edited)  # `touchpoints setup-models` after the edit
    assert second != first and len(built) == 2
    assert encoder(recipe, None, lambda: texts).name == f"st:{second.name}"


def test_with_nothing_built_the_name_comes_from_the_texts_and_the_model_is_built_on_first_use(tmp_path, monkeypatch):
    from miner.train.models import encoder

    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    built: list = []
    recipe = _fake_recipe(built)
    a = encoder(recipe, None, lambda: (["one"], [0]))
    b = encoder(recipe, None, lambda: (["two"], [0]))
    assert a.name != b.name and not built
    assert a._locate() == tmp_path / a.built_name and built == [["one"]]
    assert encoder(recipe, None, lambda: (["two"], [0])).name == a.name  # recorded now


def test_weights_checksum_is_checked_before_loading(tmp_path):
    from miner.embed.sentence_transformers import SentenceTransformerEmbedder, verify_weights, weights_sha256

    (tmp_path / "model.safetensors").write_bytes(b"weights")
    good = hashlib.sha256(b"weights").hexdigest()
    assert weights_sha256(tmp_path) == good
    verify_weights(tmp_path, good)
    model = SentenceTransformerEmbedder(str(tmp_path), sha256="0" * 64)
    with pytest.raises(ModelError, match=r"model\.safetensors: sha256 is [0-9a-f]{64}, expected 0{64}"):
        model.embed(["hello"])
    with pytest.raises(ModelError, match="no weights file"):
        weights_sha256(tmp_path / "missing")


def _imports(folder: str) -> set[str]:
    found = set()
    for path in (ROOT / "miner" / folder).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_embed_imports_neither_complaints_nor_the_training_recipes():
    embed = _imports("embed")
    assert not {m for m in embed if m.startswith(("miner.complaints", "miner.train", "miner.touchpoints"))}, embed
