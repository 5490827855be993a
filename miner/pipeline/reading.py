"""How a run reads its stored segments: through their whole feedback items, so that the encoder can read a clause
inside its item (miner/embed/spans.py); `classify` and `taxonomy review` read through here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from miner.embed.spans import spanned
from miner.segment.items import ItemRuns
from miner.touchpoints.normalise import for_mapping

if TYPE_CHECKING:
    from miner.embed import EmbeddingCache


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
