"""The fast tier's recipe: model2vec distilled once from the packaged all-MiniLM-L6-v2, plus a linear projection
back into MiniLM's space.

Distilling embeds each of MiniLM's ~30k vocabulary tokens once, so encoding is a lookup and a mean: about
100x faster than MiniLM on a CPU. A plain mean of token vectors separates touchpoints poorly (accuracy@1
0.21 on the labelled sets against MiniLM's 0.38, docs/performance.md), so after distilling we fit a ridge
projection from the static vectors to MiniLM's own sentence vectors on the texts the caller hands in
(miner/train/sources.py: project-written text only): 0.32.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from miner.errors import ModelError

RIDGE = 0.01


def fit_projection(static: np.ndarray, target: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Least squares W with `static @ W ≈ target`, ridge-regularised."""
    gram = static.T @ static + ridge * np.eye(static.shape[1], dtype=static.dtype)
    return np.linalg.solve(gram, static.T @ target).astype(np.float32)


def distill_fast_model(texts: Sequence[str], target: Path) -> Path:
    """Distil the packaged MiniLM into a model2vec model at `target` and fit its projection on `texts` (about a
    minute on two cores); a model already at `target` is kept."""
    from miner.embed.static import PROJECTION, StaticEmbedder

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
    static = StaticEmbedder(str(tmp), project=False).embed(list(texts))
    minilm = SentenceTransformerEmbedder(DEFAULT_MODEL).embed(list(texts))
    np.save(tmp / PROJECTION, fit_projection(static, minilm))
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target
