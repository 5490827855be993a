"""The fast tier: a model2vec static model distilled once from the packaged all-MiniLM-L6-v2.

Distilling embeds each of MiniLM's ~30k vocabulary tokens once and keeps a PCA of them, so encoding is a
lookup and a mean: about 100x faster than MiniLM on a CPU, with somewhat weaker separation of topics.
The distilled model is written to a cache folder on first use (`touchpoints setup-fast` does it ahead)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from miner.embed.base import Embedder
from miner.errors import ModelError

FAST_NAME = "m2v:all-MiniLM-L6-v2-256"


def fast_model_dir() -> Path:
    """Where the distilled model lives: $TOUCHPOINTS_CACHE, else ~/.cache/touchpoint-miner."""
    root = Path(os.environ.get("TOUCHPOINTS_CACHE") or Path.home() / ".cache" / "touchpoint-miner")
    return root / "m2v-minilm-256"


def distill_fast_model(target: Path | None = None, pca_dims: int = 256) -> Path:
    """Distil the packaged MiniLM into a model2vec model at `target` (once; a minute or two on a CPU)."""
    target = target or fast_model_dir()
    if (target / "config.json").exists():
        return target
    try:
        from model2vec.distill import distill
    except ImportError:
        raise ModelError(
            "the fast embedding tier needs model2vec: pip install 'touchpoint-miner[fast]' "
            "(or model2vec[distill]), or use --embedding-model minilm"
        ) from None
    from miner.embed.sentence_transformers import packaged_model_path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = distill(str(packaged_model_path()), pca_dims=pca_dims, device="cpu")
    tmp = target.with_name(target.name + ".tmp")
    model.save_pretrained(str(tmp))
    tmp.rename(target)
    return target


class StaticEmbedder(Embedder):
    """A model2vec StaticModel; `path` None means the MiniLM distillation, made on first use."""

    batch_size = 4096

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._model: Any = None

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
            path = self.path or str(distill_fast_model())
            self._model = StaticModel.from_pretrained(path)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.dim)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=len(texts), show_progress_bar=False, use_multiprocessing=False)
