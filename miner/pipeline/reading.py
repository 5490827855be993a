"""How a run reads its stored segments: through their whole feedback items, so that the encoder can read a clause
inside its item (miner/embed/spans.py); `classify` and `taxonomy review` read through here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from miner.complaints.phrases import complaint_parts
from miner.embed.spans import spanned
from miner.segment.items import ItemRuns
from miner.touchpoints.normalise import for_mapping

if TYPE_CHECKING:
    from miner.embed import EmbeddingCache
    from miner.touchpoints.mapper import Mapper

CONTEXTS = "text"  # an item's context: "text" embeds its text; "mean" averages its clauses' vectors (ItemRuns)


def read_segments(
    cache: EmbeddingCache, items: ItemRuns, positions: np.ndarray, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """The vectors of the segments at `positions` as a run reads them: through their whole items
    (`EmbeddingCache.embed_items`, which reads a clause inside its item where span reading is on)."""
    runs = np.unique(items.run_of[positions])
    clauses = [[items.segments[i]["text"] for i in range(items.starts[r], items.ends[r])] for r in runs]
    vectors = cache.embed_items(clauses, progress)
    sizes = items.ends[runs] - items.starts[runs]
    first_row = dict(zip(runs.tolist(), np.r_[0, np.cumsum(sizes)[:-1]].tolist(), strict=True))
    rows = [first_row[int(items.run_of[p])] + int(p) - int(items.starts[items.run_of[p]]) for p in positions]
    return vectors[rows]


def spanned_positions(items: ItemRuns, positions: np.ndarray) -> np.ndarray:
    """Per position, whether span reading reads its clause inside its item (`spans.spanned`, on the item as
    `for_mapping` gives it)."""
    out = np.zeros(len(positions), dtype=bool)
    inside: dict[int, set[int]] = {}
    for k, p in enumerate(positions):
        r = int(items.run_of[p])
        if r not in inside:
            clauses = [for_mapping(items.segments[i]["text"]) for i in range(items.starts[r], items.ends[r])]
            inside[r] = set(spanned(clauses))
        out[k] = int(p) - int(items.starts[r]) in inside[r]
    return out


def in_context(
    items: ItemRuns, positions: np.ndarray, vectors: np.ndarray, cache: EmbeddingCache, mapper: Mapper
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Touchpoint and `none` scores of the segments at `positions`, read in their item's context, and that context.
    One with a description view on a `second` encoder reads the segments and contexts on it too."""
    vectors, texts, context = read_in_context(items, positions, vectors, cache, mapper)
    second = None
    if mapper.second is not None and mapper.description_weight > 0:
        own = mapper.second(texts)
        read = items.mean_context if CONTEXTS == "mean" else items.context
        second = (own, read(positions, own, mapper.second))
    tp_scores, nones = mapper.scores_in_context(vectors, context, second)
    return tp_scores, nones, context


def read_in_context(
    items: ItemRuns, positions: np.ndarray, vectors: np.ndarray, cache: EmbeddingCache, mapper: Mapper
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The vectors of the segments at `positions` as the mapper reads them, their texts, and their items' context.
    A mapper that `normalise`s reads the text through `for_mapping` (re-embedding only what that changes)."""
    texts = [items.segments[int(i)]["text"] for i in positions]
    if mapper.normalise:
        # clauses the span pass read through `for_mapping` already (miner/embed/spans.py) are not read again
        done = spanned_positions(items, positions) if cache.reads_normalised else None
        vectors, texts = normalised(texts, vectors, cache, done)
    vectors, texts = read_complaint_parts(texts, vectors, cache, mapper)

    def embed(batch: list[str]) -> np.ndarray:
        return cache.embed([for_mapping(t) for t in batch] if mapper.normalise else batch)

    if cache.reads_normalised and CONTEXTS != "mean":  # the item read whole, as span reading cached it
        context = items.context(positions, vectors, cache.embed, for_mapping)
    else:
        read = items.mean_context if CONTEXTS == "mean" else items.context
        context = read(positions, vectors, embed)
    return vectors, texts, context


def read_complaint_parts(
    texts: Sequence[str], vectors: np.ndarray, cache: EmbeddingCache, mapper: Mapper
) -> tuple[np.ndarray, list[str]]:
    """`vectors` and `texts` with each clause that says there is no complaint besides its complaint read as that
    complaint alone (`complaint_parts`: "can't fault the driver, my order was wrong" -> "my order was wrong"), as
    the mapper reads text; only those clauses are embedded again."""
    parts = complaint_parts(texts)
    rows = [i for i, part in enumerate(parts) if part]
    if not rows:
        return vectors, list(texts)
    read = [for_mapping(parts[i]) if mapper.normalise else parts[i] for i in rows]
    vectors, texts = vectors.copy(), list(texts)
    vectors[rows] = cache.embed(read)
    for i, text in zip(rows, read, strict=True):
        texts[i] = text
    return vectors, texts


def normalised(
    texts: list[str], vectors: np.ndarray, cache: EmbeddingCache, done: np.ndarray | None = None
) -> tuple[np.ndarray, list[str]]:
    """`vectors` of `texts` as `for_mapping` reads them: only the texts it changes are embedded again, and not
    those `done` marks (read so already)."""
    norm = [for_mapping(t) for t in texts]
    changed = [i for i, (a, b) in enumerate(zip(texts, norm, strict=True)) if a != b and (done is None or not done[i])]
    if not changed:
        return vectors, norm
    vectors = vectors.copy()
    vectors[changed] = cache.embed([norm[i] for i in changed])
    return vectors, norm
