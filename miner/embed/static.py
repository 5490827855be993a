"""The fast tier: a model2vec static model distilled once from the packaged all-MiniLM-L6-v2, plus a
linear projection back into MiniLM's space.

Distilling embeds each of MiniLM's ~30k vocabulary tokens once, so encoding is a lookup and a mean: about
100x faster than MiniLM on a CPU. A plain mean of token vectors separates touchpoints poorly (accuracy@1
0.21 on the labelled sets against MiniLM's 0.38, docs/performance.md), so after distilling we fit a ridge
projection from the static vectors to MiniLM's own sentence vectors on project-written text only (the
default taxonomy's descriptions and examples, the complaint-detector seeds and the bundled corpus): 0.32.
Both are written to a cache folder on first use; `touchpoints setup-fast` does it ahead of a batch job.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from miner.defaults import cache_root
from miner.embed.base import Embedder
from miner.errors import ModelError

FAST_NAME = "m2v:all-MiniLM-L6-v2-384-projected"
PROJECTION = "projection.npy"
RIDGE = 0.01


def fast_model_dir() -> Path:
    """Where the distilled model lives, in the cache folder (`miner.defaults.cache_root`)."""
    return cache_root() / "m2v-minilm-384-projected"


def projection_texts() -> list[str]:
    """Project-written sentences to fit the projection on: nothing from any evaluation dataset."""
    from miner.complaints.detector import load_seeds
    from miner.touchpoints import load_taxonomy

    texts = []
    for top in load_taxonomy().touchpoints:
        for tp in top.walk():
            texts += [tp.name, tp.description, *tp.examples]
    complaints, other = load_seeds()
    texts += complaints + other
    corpus = Path(__file__).resolve().parents[2] / "corpora"
    if corpus.is_dir():
        from miner.ingest import read_paths
        from miner.segment.rules import RuleSegmenter

        docs = [text for _, records in read_paths([corpus]) for r in records for _, text in r.mined_text()]
        texts += [s.text for segs in RuleSegmenter().segment(docs) for s in segs]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def fit_projection(static: np.ndarray, target: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Least squares W with `static @ W ≈ target`, ridge-regularised."""
    gram = static.T @ static + ridge * np.eye(static.shape[1], dtype=static.dtype)
    return np.linalg.solve(gram, static.T @ target).astype(np.float32)


def distill_fast_model(target: Path | None = None) -> Path:
    """Distil the packaged MiniLM into a model2vec model at `target` and fit its projection (once; about a
    minute on two cores)."""
    target = target or fast_model_dir()
    if (target / PROJECTION).exists():
        return target
    try:
        from model2vec.distill import distill
    except ImportError:
        raise ModelError(
            "the fast embedding tier needs model2vec: pip install 'touchpoint-miner[fast]' "
            "(or model2vec[distill]), or use --embedding-model minilm"
        ) from None
    from miner.embed.sentence_transformers import DEFAULT_MODEL, SentenceTransformerEmbedder, packaged_model_path

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = distill(str(packaged_model_path()), pca_dims=None, device="cpu")
    tmp = target.with_name(target.name + ".tmp")
    model.save_pretrained(str(tmp))
    texts = projection_texts()
    static = StaticEmbedder(str(tmp), project=False).embed(texts)
    minilm = SentenceTransformerEmbedder(DEFAULT_MODEL).embed(texts)
    np.save(tmp / PROJECTION, fit_projection(static, minilm))
    if target.exists():
        import shutil

        shutil.rmtree(target)
    tmp.rename(target)
    return target


class StaticEmbedder(Embedder):
    """A model2vec StaticModel; `path` None means the projected MiniLM distillation, made on first use.
    A `projection.npy` beside the model (from `distill_fast_model`) maps its vectors into MiniLM's space."""

    batch_size = 4096
    corpus_margin = 0.15  # its similarities sit closer: at 0.10 the head cost CFPB and NHS 4-5 points (quality.md)

    def __init__(self, path: str | None = None, *, project: bool = True) -> None:
        self.path = path
        self.project = project
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
            path = Path(self.path) if self.path else distill_fast_model()
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
