"""The fast tier at run time: a model2vec static model, and a projection into MiniLM's space where one is saved
beside it. Encoding is a lookup and a mean, about 100x faster than MiniLM on a CPU; the recipe that distils it
is miner/train/distill.py, and `touchpoints setup-fast` runs it ahead of a batch job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from miner.defaults import cache_root
from miner.embed.base import Embedder
from miner.errors import ModelError

FAST_NAME = "m2v:all-MiniLM-L6-v2-384-projected"
PROJECTION = "projection.npy"


def fast_model_dir() -> Path:
    """Where the distilled model lives, in the cache folder (`miner.defaults.cache_root`)."""
    return cache_root() / "m2v-minilm-384-projected"


class StaticEmbedder(Embedder):
    """A model2vec StaticModel at `path`; `path` None means the projected MiniLM distillation, whose folder
    `locate()` returns (building it on first use). A `projection.npy` beside the model maps its vectors into
    MiniLM's space."""

    batch_size = 4096
    corpus_margin = 0.15  # its similarities sit closer: at 0.10 the head cost CFPB and NHS 4-5 points (quality.md)

    def __init__(
        self, path: str | None = None, *, project: bool = True, locate: Callable[[], Path] | None = None
    ) -> None:
        self.path = path
        self.project = project
        self.locate = locate
        self._model: Any = None
        self._projection: np.ndarray | None = None

    @property
    def name(self) -> str:  # type: ignore[override]
        return FAST_NAME if self.path is None else f"m2v:{Path(self.path).name}"

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                from model2vec import StaticModel
            except ImportError:
                raise ModelError(
                    "the fast embedding tier needs model2vec: pip install 'touchpoint-miner[fast]'"
                ) from None
            path = Path(self.path) if self.path else self.locate() if self.locate else fast_model_dir()
            self._model = StaticModel.from_pretrained(str(path))
            if self.project and (path / PROJECTION).exists():
                self._projection = np.load(path / PROJECTION)
        return self._model

    @property
    def dim(self) -> int:
        model = self.model
        return int(self._projection.shape[1]) if self._projection is not None else int(model.dim)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=len(texts), show_progress_bar=False, use_multiprocessing=False
        )
        return vectors @ self._projection if self._projection is not None else vectors
