"""The fast tier's recipe: model2vec distilled once from the packaged all-MiniLM-L6-v2, plus heads from its static
vectors into the default's encoders' spaces (the tuned encoder's, and the complaint encoder's for the detector).

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

from miner.embed.base import Embedder
from miner.errors import ModelError

RIDGE = 0.01


def fit_projection(static: np.ndarray, target: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Least squares W with `static @ W ≈ target`, ridge-regularised."""
    gram = static.T @ static + ridge * np.eye(static.shape[1], dtype=static.dtype)
    return np.linalg.solve(gram, static.T @ target).astype(np.float32)


def distill_fast_model(
    texts: Sequence[str], target: Path, teacher: Embedder | None = None, complaint_teacher: Embedder | None = None
) -> Path:
    """Distil the packaged MiniLM into a model2vec model at `target` and fit its head on `texts` and variants of
    them (miner/train/sources.py `student_texts`) to reproduce `teacher`'s vectors (the default's tuned encoder;
    plain MiniLM when None), and a second head to reproduce `complaint_teacher`'s (the default's complaint encoder)
    where one is given. About two minutes of distilling, two of each teacher reading ~19k texts, half a minute
    per head, on two cores; a model already at `target` is kept."""
    from miner.embed.static import COMPLAINT_HEAD, HEAD, PROJECTION, StaticEmbedder

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
    from miner.train.sources import student_texts

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = distill(str(packaged_model_path()), pca_dims=None, device="cpu")
    tmp = target.with_name(target.name + ".tmp")
    model.save_pretrained(str(tmp))
    raw = StaticEmbedder(str(tmp), project=False)
    texts = student_texts(texts, raw.model.tokens)
    static = raw.embed(texts)
    goal = (teacher or SentenceTransformerEmbedder(DEFAULT_MODEL)).embed(texts)
    head = fit_head(static, goal)
    np.savez(tmp / HEAD, W=head["W"], A=head["A"], a=head["a"], B=head["B"])
    if complaint_teacher is not None:
        second = fit_head(static, complaint_teacher.embed(texts))
        np.savez(tmp / COMPLAINT_HEAD, W=second["W"], A=second["A"], a=second["a"], B=second["B"])
    np.save(tmp / PROJECTION, head["W"])  # its linear part; its presence marks a finished build
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def fit_head(
    static: np.ndarray,
    target: np.ndarray,
    *,
    anchors: int = 0,
    hidden: int = 512,
    epochs: int = 30,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """A residual MLP `x @ W + relu(x @ A + a) @ B` from static vectors to the teacher's, trained on cosine
    distance; W starts as the ridge projection, B at zero, so it starts where the linear student is. With
    `anchors` n, the first n rows are also anchors: the student's similarities to them (its touchpoint scores,
    when they are the taxonomy's texts) are taught to match the teacher's."""
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(np.ascontiguousarray(static, dtype=np.float32))
    y = torch.nn.functional.normalize(torch.from_numpy(np.ascontiguousarray(target, dtype=np.float32)), dim=1)
    w = torch.nn.Parameter(torch.from_numpy(fit_projection(static, target)))
    a = torch.nn.Parameter(torch.randn(x.shape[1], hidden) / x.shape[1] ** 0.5)
    a_bias = torch.nn.Parameter(torch.zeros(hidden))
    b = torch.nn.Parameter(torch.zeros(hidden, y.shape[1]))
    optimiser = torch.optim.Adam([w, a, a_bias, b], lr=1e-3)
    order = np.random.default_rng(seed)
    for _ in range(epochs):
        for idx in np.array_split(order.permutation(len(x)), max(1, len(x) // 256)):
            xb = x[idx]
            out = xb @ w + torch.relu(xb @ a + a_bias) @ b
            loss = 1 - torch.nn.functional.cosine_similarity(out, y[idx]).mean()
            if anchors:
                some = torch.from_numpy(order.choice(anchors, size=min(anchors, 256), replace=False))
                xa = x[some]
                student = torch.nn.functional.normalize(xa @ w + torch.relu(xa @ a + a_bias) @ b, dim=1)
                sims = torch.nn.functional.normalize(out, dim=1) @ student.T
                loss = loss + 10 * ((sims - y[idx] @ y[some].T) ** 2).mean()
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
    return {k: v.detach().numpy().astype(np.float32) for k, v in {"W": w, "A": a, "a": a_bias, "B": b}.items()}
