"""The analysis holds the corpus head's float32 features a block of complaints at a time, and blends the pain-point
space in place (docs/lab/memory.md): both must give exactly what the whole-array computation gave."""

import numpy as np
import pytest

from miner.pipeline import classify as classify_module
from miner.pipeline.analyze import CLUSTER_CONTEXT, blended
from miner.pipeline.classify import Classified, _Chunk
from miner.topics.stable import unit
from miner.touchpoints.corpus import CorpusHead


def _chunk(n: int = 300, dim: int = 16, touchpoints: int = 4, seed: int = 0) -> _Chunk:
    """A chunk of `n` complaints from n // 3 items, whose scores lean on a touchpoint their vectors show."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, touchpoints, n)
    centres = rng.normal(0, 1, (touchpoints, dim))
    vectors = (centres[truth] + rng.normal(0, 0.8, (n, dim))).astype(np.float16)
    context_of = np.sort(rng.integers(0, n // 3, n))
    contexts = rng.normal(0, 1, (n // 3, dim)).astype(np.float16)
    scores = (0.3 + 0.2 * np.eye(touchpoints)[truth] + rng.normal(0, 0.1, (n, touchpoints))).astype(np.float32)
    nones = rng.uniform(0, 0.4, n).astype(np.float32)
    return _Chunk(0, rng.uniform(0.5, 1, n), np.arange(n), vectors, contexts, context_of, scores, nones)


def _fitted(chunk: _Chunk) -> CorpusHead:
    head = CorpusHead(chunk.tp_scores.shape[1], min_top_share=0.0)
    head.collect(chunk.tp_scores, chunk.nones, chunk.features(), 0.3)
    return head.fit()


def test_blocks_cover_every_complaint_once(monkeypatch):
    monkeypatch.setattr(classify_module, "BLOCK", 7)
    chunk = _chunk(n=50)
    covered = np.concatenate([np.arange(50)[b] for b in chunk.blocks()])
    assert covered.tolist() == list(range(50))
    empty = _chunk(n=3)
    empty.idx = np.zeros(0, int)
    assert [b for b in empty.blocks()] == [slice(0, 7)]  # one (empty) block: concatenation still has a row shape


def test_the_head_adjusts_a_chunk_block_by_block_exactly_as_whole(monkeypatch):
    chunk = _chunk()
    head = _fitted(chunk)
    assert head.fitted and head.fold_heads_  # cross-fitted: each complaint's fold is read from its features
    whole = head.adjust(chunk.tp_scores, chunk.features())
    monkeypatch.setattr(classify_module, "BLOCK", 37)
    blockwise = chunk.adjusted(head)
    assert blockwise is not None and not np.array_equal(whole, chunk.tp_scores)
    np.testing.assert_array_equal(blockwise, whole)
    assert chunk.adjusted(None) is None


def test_the_head_learns_the_same_from_blocks_as_from_the_whole_chunk(monkeypatch):
    chunk = _chunk(n=400)
    whole = _fitted(chunk)
    monkeypatch.setattr(classify_module, "BLOCK", 29)
    head = CorpusHead(chunk.tp_scores.shape[1], min_top_share=0.0, max_labels=150)  # the sample bound acts mid-way
    capped = CorpusHead(chunk.tp_scores.shape[1], min_top_share=0.0, max_labels=150)
    capped.collect(chunk.tp_scores, chunk.nones, chunk.features(), 0.3)
    for b in chunk.blocks():
        head.collect(chunk.tp_scores[b], chunk.nones[b], chunk.features(b), 0.3)
    np.testing.assert_array_equal(head._X, capped._X)
    np.testing.assert_array_equal(head._y, capped._y)
    assert head.labels_ == capped.labels_ == whole.labels_ > 150
    np.testing.assert_array_equal(head.seen_, capped.seen_)
    head.fit(), capped.fit()
    assert head.coef_ is not None and capped.coef_ is not None
    np.testing.assert_array_equal(head.coef_, capped.coef_)


@pytest.mark.parametrize("n", [0, 5, 120])
def test_the_space_is_blended_in_place_as_it_was_out_of_place(monkeypatch, n):
    import miner.pipeline.analyze as analyze

    monkeypatch.setattr(analyze, "CHUNK", 16)
    chunk = _chunk(n=max(n, 3))
    own, contexts, context_of = chunk.vectors[:n].copy(), chunk.contexts, chunk.context_of[:n]
    expected = unit(
        (1 - CLUSTER_CONTEXT) * unit(own.astype(np.float32))
        + CLUSTER_CONTEXT * unit(contexts[context_of].astype(np.float32))
    ).astype(np.float16)
    result = Classified([], [], {}, list(range(n)), own, n)
    result.contexts, result.context_of = contexts, context_of
    space = blended(result)
    np.testing.assert_array_equal(space, expected)
    assert space.dtype == np.float16 and space is result.vectors  # no second complaint-sized array
    assert len(result.contexts) == 0 and len(result.context_of) == 0  # the item contexts are let go


def test_segment_rows_read_back_the_tuples_they_were_given():
    from miner.pipeline.rows import SegmentRows

    rows = [(7, 1, round(0.123456789, 4), "website", round(0.61234, 4)), (8, 0, 0.3333, "none", 0.0)]
    more = [("doc-9", 1, round(2 / 3, 4), "staff", round(1 / 7, 4))]
    held = SegmentRows()
    assert len(held) == 0 and list(held) == []
    for part in (rows, more):
        held.extend(*(list(column) for column in zip(*part, strict=True)))
    expected = rows + more
    assert len(held) == 3 and list(held) == expected and held[:] == expected
    assert [held[i] for i in range(3)] == expected and held[-1] == more[0]
    pairs = [(a, b) for got, want in zip(held, expected, strict=True) for a, b in zip(got, want, strict=True)]
    assert all(type(a) is type(b) for a, b in pairs)
    held.extend([10], [0], [0.5], ["none"], [0.0])  # after a read, rows still append
    assert held[3] == (10, 0, 0.5, "none", 0.0) and len(held) == 4


def test_assignment_rows_iterate_as_the_dicts_finish_run_writes():
    from miner.pipeline.rows import AssignmentRows

    rows = AssignmentRows()
    rows.extend([1, 1], ["website", "staff"], ["checkout", None], [0.6123, 0.55], [0, 1])
    rows.extend(["s-2"], ["none"], [None], [0.2], [0])
    rows.pain_point_id[1] = "staff-3"
    assert len(rows) == 3
    assert list(rows) == [
        {"segment_id": 1, "touchpoint": "website", "subtouchpoint": "checkout", "score": 0.6123, "rank": 0,
         "pain_point_id": None},
        {"segment_id": 1, "touchpoint": "staff", "subtouchpoint": None, "score": 0.55, "rank": 1,
         "pain_point_id": "staff-3"},
        {"segment_id": "s-2", "touchpoint": "none", "subtouchpoint": None, "score": 0.2, "rank": 0,
         "pain_point_id": None},
    ]  # fmt: skip
    assert all(type(r["score"]) is float and type(r["rank"]) is int for r in rows)


def test_a_lead_clause_is_the_most_complaint_like_clause_of_each_item_without_a_complaint():
    from miner.pipeline.leads import lead_positions

    runs = np.array([0, 0, 0, 1, 1, 2, 3, 3])  # four items; item 1 has a complaint (position 4)
    scores = np.array([0.2, 0.4, 0.4, 0.1, 0.9, 0.05, 0.3, 0.1])
    assert lead_positions(runs, scores, np.array([4])).tolist() == [1, 5, 6]  # the first of a tie (1, not 2)
    assert lead_positions(runs, scores, np.arange(8)).tolist() == []
    assert lead_positions(runs[:0], scores[:0], np.zeros(0, np.int64)).tolist() == []
