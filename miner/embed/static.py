"""The fast tier at run time: a model2vec static model, and a projection into MiniLM's space where one is saved
beside it. Encoding is a lookup and a mean, about 100x faster than MiniLM on a CPU; the recipe that distils it
is miner/train/distill.py, and `touchpoints setup-fast` runs it ahead of a batch job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from miner.embed.base import Embedder
from miner.errors import ModelError

PROJECTION = "projection.npy"
HEAD = "head.npz"  # a nonlinear projection (miner/train/distill.py fit_head); used instead of PROJECTION if present
# A second head from the same static vectors into the default's complaint encoder's space: the fast tier's complaint
# detector reads it as its second encoder, as the default's reads the complaint encoder (docs/lab/student.md).
COMPLAINT_HEAD = "complaint_head.npz"


class StaticEmbedder(Embedder):
    """A model2vec StaticModel at `path`, or at the folder `locate()` returns (the projected MiniLM distillation,
    built on first use and named `label`). A `projection.npy` beside the model maps its vectors into MiniLM's
    space. `head` names the head file to read (HEAD, or COMPLAINT_HEAD for the complaint space); `source`, another
    StaticEmbedder of the same folder, lends its loaded model."""

    batch_size = 4096
    # Encoding is cheaper than the cache: on the 42.5k airline conversations storing and loading its vectors took
    # ~14 s of the batch tier's CPU against ~9 s for encoding every clause, context and complaint head
    # (docs/lab/nocache.md), so a run encodes again what it reads twice and stores nothing.
    cache_vectors = False
    corpus_margin = 0.15  # its similarities sit closer: at 0.10 the head cost CFPB and NHS 4-5 points (quality.md)

    def __init__(
        self,
        path: str | None = None,
        *,
        project: bool = True,
        locate: Callable[[], Path] | None = None,
        label: str | None = None,
        head: str = HEAD,
        source: StaticEmbedder | None = None,
    ) -> None:
        if path is None and (locate is None or label is None):
            raise ValueError("a StaticEmbedder needs a model path, or a locate function and a label")
        self.path = path
        self.label = label
        self.project = project
        self.locate = locate
        self.head_file = head
        self.source = source
        self.folder: Path | None = None
        self._model: Any = None
        self._projection: np.ndarray | None = None
        self._head: dict[str, np.ndarray] | None = None

    @property
    def name(self) -> str:  # type: ignore[override]
        own = self.label or f"m2v:{Path(str(self.path)).name}"
        return own if self.head_file == HEAD else f"{own}+{Path(self.head_file).stem}"  # its vectors differ

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                from model2vec import StaticModel
            except ImportError:
                raise ModelError(
                    "the fast embedding tier needs model2vec: pip install 'touchpoint-miner[fast]'"
                ) from None
            path = self._located()
            model = self.source.model if self.source is not None else StaticModel.from_pretrained(str(path))
            if self.project and (path / self.head_file).exists():
                with np.load(path / self.head_file) as saved:
                    self._head = {k: saved[k] for k in saved.files}
            elif self.project and self.head_file == HEAD and (path / PROJECTION).exists():
                self._projection = np.load(path / PROJECTION)
            elif self.head_file != HEAD:
                raise ModelError(f"{path}: no {self.head_file} beside the model; run `touchpoints setup-fast`")
            self._model = model
        return self._model

    def _located(self) -> Path:
        """The model's folder (the source's, if one lends its model), located once."""
        if self.folder is None:
            if self.source is not None:
                self.source.model  # noqa: B018 - loads it, and so locates its folder
                self.folder = self.source.folder
            else:
                self.folder = Path(self.path) if self.path else self.locate()  # type: ignore[misc]
        assert self.folder is not None
        return self.folder

    @property
    def dim(self) -> int:
        model = self.model
        if self._head is not None:
            return int(self._head["W"].shape[1])
        return int(self._projection.shape[1]) if self._projection is not None else int(model.dim)

    @property
    def table(self) -> np.ndarray | None:
        """The model's token vectors as float32, each already times its weight: what `static_vectors` averages.
        Built once per loaded model (45 MB for the shipped one) and shared with the embedders that borrow it."""
        if self.source is not None:
            return self.source.table
        if not hasattr(self, "table_"):
            self.table_ = token_table(self.model)
        return self.table_

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = static_vectors(self.model, self.table, list(texts))
        if self._head is not None:
            return apply_head(vectors, self._head)
        return vectors @ self._projection if self._projection is not None else vectors


def token_table(model: Any) -> np.ndarray | None:
    """Row i: token i's vector (through the model's token mapping) times its weight, as float32; None for a model
    without token vectors to read (anything else with model2vec's `encode`)."""
    vectors = getattr(model, "embedding", None)
    if not isinstance(vectors, np.ndarray) or not hasattr(model, "tokenize"):
        return None
    mapping = getattr(model, "token_mapping", None)
    table = (vectors if mapping is None else vectors[np.asarray(mapping)]).astype(np.float32)
    if getattr(model, "weights", None) is not None:
        table *= np.asarray(model.weights, dtype=np.float32)[:, None]
    return table


def static_vectors(model: Any, table: np.ndarray | None, texts: list[str], max_length: int = 512) -> np.ndarray:
    """What model2vec's `StaticModel.encode` gives (the mean of each text's weighted token vectors, normalised), as
    one sparse product instead of a numpy call per text: 2.5x faster on airline turns (the shipped model's vectors
    are float16, and `encode` upcasts each text's rows to float64). Equal to `encode` within 2e-6."""
    if table is None:
        return np.asarray(
            model.encode(texts, batch_size=len(texts), show_progress_bar=False, use_multiprocessing=False)
        )
    from scipy.sparse import csr_matrix

    ids = model.tokenize(sentences=texts, max_length=max_length)
    lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
    tokens = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
    shares = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(np.float32)  # a text with no token: zeros
    rows = csr_matrix((shares, tokens, np.concatenate(([0], np.cumsum(lengths)))), shape=(len(ids), len(table)))
    out = np.asarray(rows @ table)
    if getattr(model, "normalize", False):
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-32
    return out


def apply_head(static: np.ndarray, head: dict[str, np.ndarray]) -> np.ndarray:
    """Static vectors through a nonlinear head (miner/train/distill.py `fit_head`): `x @ W + relu(x @ A + a) @ B`."""
    return static @ head["W"] + np.maximum(static @ head["A"] + head["a"], 0) @ head["B"]
