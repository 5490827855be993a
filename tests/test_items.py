"""miner/segment/items.py: an item's context, embedded from its text or averaged from its clauses' vectors."""

from __future__ import annotations

import numpy as np

from miner.segment.items import ItemRuns

SEGMENTS = [
    {"document_id": 1, "text": "aa"},
    {"document_id": 1, "text": "bbbb"},
    {"document_id": 2, "text": "c"},
]
VECTORS = {"aa": [1.0, 0.0], "bbbb": [0.0, 1.0], "c": [0.6, 0.8], "aa bbbb": [0.8, -0.6]}


def embed(texts: list[str], seen: list[str] | None = None) -> np.ndarray:
    if seen is not None:
        seen.extend(texts)
    return np.array([VECTORS[t] for t in texts], dtype=np.float32)


def test_the_text_context_embeds_the_joined_clauses_of_items_of_several():
    runs, seen = ItemRuns(SEGMENTS), []
    out = runs.context(np.arange(3), embed(["aa", "bbbb", "c"]), lambda t: embed(t, seen))
    assert seen == ["aa bbbb"]  # the one-clause item keeps its own vector, unread
    assert np.allclose(out, [[0.8, -0.6], [0.8, -0.6], [0.6, 0.8]])


def test_the_mean_context_weights_clauses_by_length_and_embeds_no_new_text():
    runs, seen = ItemRuns(SEGMENTS), []
    out = runs.mean_context(np.array([1, 2]), embed(["bbbb", "c"]), lambda t: embed(t, seen))
    assert set(seen) <= set(VECTORS) - {"aa bbbb"}  # only clauses, which the caller has embedded already
    assert np.allclose(out[0], np.array([2.0, 4.0]) / np.sqrt(20))  # 2 and 4 characters, normalised
    assert np.allclose(out[1], [0.6, 0.8])
