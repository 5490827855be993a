"""A BERT sentence encoder on torch and tokenizers alone, for the MiniLM encoders the miner reads with.

Importing sentence-transformers imports transformers' model machinery (torch._dynamo, torch.distributed, sympy):
about 3 s of CPU before a 10-row `touchpoints mine` embeds anything (docs/lab/startup.md). For a saved
sentence-transformers folder that is exactly BERT -> mean pooling (-> L2 normalisation), the forward pass is a few
lines of torch, the same operations in the same order as transformers' BertModel with SDPA attention, so the
vectors are the same within float tolerance: texts run in groups of near-equal token length rather than one batch
padded to its longest (docs/lab/spanpool.md; tests/test_bert.py compares them). `load_bert(folder)` returns None
for anything else, and the caller falls back to sentence-transformers; training (miner/train) always uses
sentence-transformers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np

from miner.errors import ModelError

PRECISION_ENV = "TOUCHPOINTS_PRECISION"
PRECISIONS = ("auto", "fp32", "bf16")
_EXACT: ContextVar[bool] = ContextVar("exact_float32", default=False)

_TRANSFORMER = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.base.modules.transformer.Transformer",
)
_POOLING = (
    "sentence_transformers.models.Pooling",
    "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
)
_NORMALIZE = ("sentence_transformers.models.Normalize", "sentence_transformers.base.modules.normalize.Normalize")


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _plain_mean_pooling(folder: Path, modules: list[dict]) -> bool | None:
    """Whether the modules are Transformer, mean Pooling and (optionally) Normalize: None when they are not."""
    types = [m.get("type") for m in modules]
    if len(types) not in (2, 3) or types[0] not in _TRANSFORMER or types[1] not in _POOLING:
        return None
    if len(types) == 3 and types[2] not in _NORMALIZE:
        return None
    pooling = _json(folder / modules[1].get("path", "") / "config.json")
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if pooling.get("pooling_mode") != "mean" and modes != {"pooling_mode_mean_tokens": True}:
        return None
    return len(types) == 3


def _max_length(folder: Path, config: dict) -> int:
    """sentence-transformers' max_seq_length: its own config's, else the tokenizer's model_max_length."""
    own = _json(folder / "sentence_bert_config.json").get("max_seq_length")
    if own is None:
        own = _json(folder / "tokenizer_config.json").get("model_max_length")
    return int(min(own or config["max_position_embeddings"], config["max_position_embeddings"]))


def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX): there, torch's bfloat16 dense layers
    take about half the time of float32 ones (docs/lab/bf16.md); elsewhere they are emulated, and slower."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private to torch.cpu: asked with care
    return any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes)


def resolve_precision(precision: str | None = None) -> str:
    """`fp32` or `bf16`: what the dense layers compute in. `precision` (else $TOUCHPOINTS_PRECISION, else `auto`);
    `auto` is bf16 where the CPU has it natively, fp32 elsewhere."""
    value = (precision or os.environ.get(PRECISION_ENV) or "auto").strip().lower()
    if value not in PRECISIONS:
        raise ModelError(
            f"{PRECISION_ENV}={value!r} is not a precision: use auto (the default), fp32 (exact float32 vectors) "
            "or bf16"
        )
    if value == "auto":
        return "bf16" if native_bf16() else "fp32"
    return value


@contextmanager
def exact_float32() -> Iterator[None]:
    """Inside, every encoder computes in float32 whatever its precision: the models `touchpoints setup-models`
    builds from encoders' vectors (complaint head, fast tier) are the same on a chip with bfloat16 as without."""
    token = _EXACT.set(True)
    try:
        yield
    finally:
        _EXACT.reset(token)


def load_bert(folder: Path, precision: str = "fp32") -> BertSentenceEncoder | None:
    """The encoder of a saved sentence-transformers BERT with mean pooling, or None for any other model.
    `precision` (fp32 or bf16, see `resolve_precision`): what its dense layers compute in."""
    config = _json(folder / "config.json")
    modules = json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else []
    normalize = _plain_mean_pooling(folder, modules) if isinstance(modules, list) else None
    plain = config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
    plain = plain and config.get("position_embedding_type", "absolute") == "absolute" and not config.get("is_decoder")
    files = (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    if normalize is None or not plain or not files or modules[0].get("path", "") not in ("", "."):
        return None
    return BertSentenceEncoder(folder, config, _max_length(folder, config), normalize, precision)


class BertSentenceEncoder:
    """`encode(texts)` gives one float32 vector per text, as `SentenceTransformer.encode` does in one batch.

    With `precision="bf16"` the dense layers (attention projections, feed-forward) and the attention itself run in
    bfloat16 with float32 accumulation, while the embeddings, residual sums, layer norms and pooling stay float32:
    half the CPU where the chip has bfloat16 (`native_bf16`), and vectors within a cosine of 0.9999 of float32's on
    airline support text (docs/lab/bf16.md)."""

    def __init__(self, folder: Path, config: dict, max_length: int, normalize: bool, precision: str = "fp32") -> None:
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        self.config = config
        self.normalize = normalize
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = max_length
        weights = load_file(str(folder / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v.float() for k, v in weights.items()}
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision {precision!r}: fp32 or bf16")
        self.precision = precision
        self.w_low = self.w  # the weights the layers read: in bf16, the dense layers' in bfloat16
        if precision == "bf16":
            # oneDNN, which runs torch's bfloat16 products, keeps up to 1,024 compiled products, one per batch shape:
            # ~270 MB more than float32 on a corpus's varied lengths; 16 cost no speed (docs/lab/bf16.md). Torch's
            # ideep layer over it keeps its own 1,024 per shape (`LRU_CACHE_CAPACITY`): another ~6 MB per 1,000 new
            # texts, 0.3 GB after 40,000 (docs/lab/memory.md). Read when oneDNN first runs; a value the user set wins.
            os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
            os.environ.setdefault("LRU_CACHE_CAPACITY", "16")
            dense = [k for k in self.w if k.startswith("encoder.") and "LayerNorm" not in k]
            self.w_low = {**self.w, **{k: self.w[k].to(torch.bfloat16) for k in dense}}
        self.layers = int(config["num_hidden_layers"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length, strategy="longest_first", direction="right")
        self.tokenizer.no_padding()  # `encode` pads each group of texts to its own longest (tokenizer.json may pad)
        self.pad_id = int(config.get("pad_token_id") or 0)

    @property
    def dim(self) -> int:
        return int(self.config["hidden_size"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """Tokenised, then run in groups of near-equal token length (`length_groups`), so that a batch pads
        little: each vector is what one padded batch of all the texts gives, within float tolerance."""

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        out = np.empty((len(texts), self.dim), np.float32)
        for group in length_groups(lengths):
            out[group] = self._pooled(*self._padded(encodings, group, lengths))
        return out

    def encode_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[list[np.ndarray | None], np.ndarray]:
        """Span pooling (miner/embed/spans.py): each text read once; per text, one vector per character span (the
        mean of [CLS], [SEP] and the token states inside the span) and the text's own (the mean of all its tokens,
        as `encode` gives). A text past the window is not read: None for its spans, zeros for its own."""
        import torch

        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        own = np.zeros((len(texts), self.dim), np.float32)
        parts: list[np.ndarray | None] = [None] * len(texts)
        fits = np.array([not e.overflowing for e in encodings], dtype=bool)
        for group in length_groups(lengths[fits]) if fits.any() else []:
            group = np.flatnonzero(fits)[group]
            width = int(lengths[group].max())
            ids = torch.full((len(group), width), self.pad_id, dtype=torch.long)
            mask = torch.zeros((len(group), width), dtype=torch.long)
            for row, i in enumerate(group):
                ids[row, : lengths[i]] = torch.tensor(encodings[i].ids)
                mask[row, : lengths[i]] = 1
            with torch.inference_mode():
                hidden = self._forward(ids, mask, torch.zeros_like(ids)).numpy()
            for row, i in enumerate(group):
                states = hidden[row, : lengths[i]]
                offsets = np.array(encodings[i].offsets).reshape(-1, 2)
                special = np.array(encodings[i].special_tokens_mask, dtype=bool)
                picks = [special | ((offsets[:, 0] >= a) & (offsets[:, 1] <= b) & ~special) for a, b in spans[i]]
                own[i] = states.mean(0)
                parts[i] = np.stack([states[p].mean(0) for p in picks]) if picks else parts[i]
        if self.normalize:
            own = own / np.maximum(np.linalg.norm(own, axis=1, keepdims=True), 1e-12)
            parts = [p if p is None else p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-12) for p in parts]
        return parts, own

    def _pooled(self, ids: Any, mask: Any, types: Any) -> np.ndarray:
        """Mean of the token states under `mask` (normalised when the model says so), one row per text."""
        import torch

        with torch.inference_mode():
            return _mean_pool(self._forward(ids, mask, types), mask, self.normalize).numpy()

    def _forward(self, ids: Any, mask: Any, types: Any) -> Any:
        return self._bottom(ids, mask, types, self.layers)[0]

    def _layer(self, x: Any, attn_mask: Any, p: str) -> Any:
        from torch.nn import functional as F

        w = self.w if _EXACT.get() else self.w_low
        batch, length, hidden = x.shape
        head = hidden // self.heads

        low = w[f"{p}output.dense.weight"].dtype  # float32, or bfloat16 (the dense layers' inputs are cast to it)
        xl = x.to(low)

        def heads(name: str) -> Any:
            y = F.linear(xl, w[f"{p}attention.self.{name}.weight"], w[f"{p}attention.self.{name}.bias"])
            return y.view(batch, length, -1, head).transpose(1, 2)

        q, k, v = heads("query"), heads("key"), heads("value")
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=0.0, scale=head**-0.5)
        a = a.reshape(batch, -1, length, head).transpose(1, 2).contiguous().reshape(batch, length, -1).contiguous()
        a = F.linear(a, w[f"{p}attention.output.dense.weight"], w[f"{p}attention.output.dense.bias"])
        x = self._norm(a.float() + x, f"{p}attention.output.LayerNorm")
        h = F.gelu(F.linear(x.to(low), w[f"{p}intermediate.dense.weight"], w[f"{p}intermediate.dense.bias"]))
        h = F.linear(h, w[f"{p}output.dense.weight"], w[f"{p}output.dense.bias"])
        return self._norm(h.float() + x, f"{p}output.LayerNorm")

    def _norm(self, x: Any, name: str) -> Any:
        from torch.nn import functional as F

        w = self.w
        return F.layer_norm(x, (x.shape[-1],), w[f"{name}.weight"], w[f"{name}.bias"], self.eps)

    def encode_shared(self, texts: list[str], top: BertSentenceEncoder, shared: int) -> tuple[np.ndarray, np.ndarray]:
        """This encoder's vectors of `texts` and `top`'s, where `top` is this encoder with layers `shared` and up
        retrained (miner/train/recipes.py `tune_complaints_shared`): the embeddings and the first `shared` layers
        run once for both, the rest once each. The same vectors as two `encode` calls."""
        import torch

        dim = self.dim
        if not texts:
            return np.zeros((0, dim), np.float32), np.zeros((0, top.dim), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.arange(len(texts))
        ids, mask, types = self._padded(encodings, order, lengths)
        outs = (np.empty((len(texts), dim), np.float32), np.empty((len(texts), top.dim), np.float32))
        with torch.inference_mode():
            x, attn_mask = self._bottom(ids, mask, types, shared)
            for encoder, out in zip((self, top), outs, strict=True):
                hidden = x
                for i in range(shared, encoder.layers):
                    hidden = encoder._layer(hidden, attn_mask, f"encoder.layer.{i}.")
                out[order] = _mean_pool(hidden, mask, encoder.normalize).numpy()
        return outs

    def _bottom(self, ids: Any, mask: Any, types: Any, layers: int) -> tuple[Any, Any]:
        """The embeddings and the first `layers` layers' output, and the attention mask the layers read."""
        import torch

        F, w = torch.nn.functional, self.w
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = F.embedding(ids, w["embeddings.word_embeddings.weight"])
        x = x + F.embedding(types, w["embeddings.token_type_embeddings.weight"])
        x = x + F.embedding(positions, w["embeddings.position_embeddings.weight"])
        x = self._norm(x, "embeddings.LayerNorm")
        attn_mask = None if bool(mask.all()) else mask.bool()[:, None, None, :].expand(-1, 1, ids.shape[1], -1)
        for i in range(layers):
            x = self._layer(x, attn_mask, f"encoder.layer.{i}.")
        return x, attn_mask

    def _padded(self, encodings: list, group: np.ndarray, lengths: np.ndarray) -> tuple[Any, Any, Any]:
        """Token ids, attention mask and type ids of the texts at `group`, padded to the longest of them."""
        import torch

        width = int(lengths[group].max())
        ids = torch.full((len(group), width), self.pad_id, dtype=torch.long)
        types = torch.zeros((len(group), width), dtype=torch.long)
        mask = torch.zeros((len(group), width), dtype=torch.long)
        for row, i in enumerate(group):
            n = lengths[i]
            ids[row, :n] = torch.tensor(encodings[i].ids)
            types[row, :n] = torch.tensor(encodings[i].type_ids)
            mask[row, :n] = 1
        return ids, mask, types


SLACK = 0.1  # padding a group of texts may add, as a share of its tokens
# The most tokens (padding included) one forward pass reads. A larger group spends its time moving activations that
# no longer fit the cache (the residual sums, layer norms and casts of a 30k-token group); a smaller one, calling
# torch: 8,192 read airline turns 1.5x faster than groups left whole (docs/lab/compact.md, section 6).
GROUP_TOKENS = 8192
# About how many tokens one `encode` / `encode_spans` call is given (`token_chunks`): enough texts that grouping
# them by exact token length pads little, where 64 short clauses made groups of a few hundred tokens.
CALL_TOKENS = 32_768


def length_groups(lengths: np.ndarray, slack: float = SLACK, max_tokens: int = GROUP_TOKENS) -> list[np.ndarray]:
    """Positions grouped longest first so that padding each group to its longest adds at most `slack` of its
    tokens, and a group reads at most `max_tokens` (padded; a longer text alone): a batch sorted by characters
    padded ~half its clauses' tokens and ~1.4x its item contexts' on airline support turns (docs/lab/spanpool.md)."""
    order = np.argsort(-lengths, kind="stable")
    groups, start, total = [], 0, 0
    for k, i in enumerate(order):
        width = lengths[order[start]] * (k - start + 1)
        if k > start and (width > (1 + slack) * (total + lengths[i]) or width > max_tokens):
            groups.append(order[start:k])
            start, total = k, 0
        total += int(lengths[i])
    groups.append(order[start:])
    return groups


def token_chunks(texts: Sequence[str], budget: int = CALL_TOKENS) -> list[list[int]]:
    """Positions of `texts` (read in this order, longest first) cut into runs of about `budget` tokens, a token
    counted as four characters: the calls a bulk read makes, so that each call has texts enough to group by length."""
    chunks: list[list[int]] = [[]]
    tokens = 0
    for i, text in enumerate(texts):
        size = len(text) // 4 + 2
        if chunks[-1] and tokens + size > budget:
            chunks.append([])
            tokens = 0
        chunks[-1].append(i)
        tokens += size
    return chunks if chunks[-1] else []


def _mean_pool(hidden: Any, mask: Any, normalize: bool) -> Any:
    """Mean of the unmasked tokens' vectors (L2-normalised when `normalize`), as `encode` pools."""
    import torch

    expanded = mask.unsqueeze(-1).expand(hidden.size()).to(hidden.dtype)
    vectors = torch.sum(hidden * expanded, 1) / torch.clamp(expanded.sum(1), min=1e-9)
    return torch.nn.functional.normalize(vectors, p=2, dim=1) if normalize else vectors
