"""Mapping complaint clusters as a whole (miner/touchpoints/clusters.py): the vote, the clustering, and classify's
use of them."""

import numpy as np

from miner.touchpoints.clusters import cluster_labels, cluster_vote


def test_a_close_call_goes_with_its_cluster_and_a_clear_lead_keeps_its_touchpoint():
    scores = np.array(
        [
            [0.60, 0.20],  # clearly the first touchpoint
            [0.55, 0.25],
            [0.41, 0.40],  # a close call in the same cluster: goes with the other two
            [0.70, 0.20],  # a clear lead in a cluster whose other member says otherwise: kept
            [0.20, 0.60],
        ],
        np.float32,
    )
    labels = np.array([0, 0, 0, 1, 1])
    voted = cluster_vote(scores, labels, 0.3)
    assert list(voted.argmax(axis=1)) == [0, 0, 0, 0, 1]
    assert np.allclose(voted.max(axis=1), scores.max(axis=1))  # each row keeps its best score
    # the close call is not counted as its own voter: alone, a row is not nudged at all
    alone = cluster_vote(scores[2:3], np.array([0]), 0.3)
    assert np.allclose(alone, scores[2:3])
    assert np.array_equal(cluster_vote(scores, labels, 0.0), scores)


def test_a_vote_can_turn_a_close_call_over():
    scores = np.array([[0.40, 0.60], [0.40, 0.60], [0.45, 0.44]], np.float32)
    voted = cluster_vote(scores, np.zeros(3, int), 0.3)
    assert voted[2].argmax() == 1 and scores[2].argmax() == 0


def test_clusters_group_near_vectors_and_small_corpora_are_one_cluster():
    rng = np.random.default_rng(0)
    centres = np.eye(4, 16, dtype=np.float32)
    X = np.repeat(centres, 10, axis=0) + 0.01 * rng.standard_normal((40, 16)).astype(np.float32)
    labels = cluster_labels(X, size=10)
    assert len(set(labels)) == 4
    assert all(len(set(labels[i * 10 : (i + 1) * 10])) == 1 for i in range(4))
    assert not cluster_labels(X[:15], size=10).any()


def _chunk(tp_scores, vectors):
    from miner.pipeline.classify import _Chunk

    n = len(tp_scores)
    idx = np.arange(n)
    return _Chunk(0, np.ones(n), idx, vectors.astype(np.float16), vectors.astype(np.float16), idx,
                  np.asarray(tp_scores, np.float32), None)  # fmt: skip


def test_classify_votes_only_where_the_corpus_head_fitted(mini_taxonomy, fake_embedder):
    from miner.pipeline.classify import _voted
    from miner.touchpoints.corpus import CorpusHead
    from miner.touchpoints.mapper import get_mapper

    rng = np.random.default_rng(0)
    vectors = np.repeat(np.eye(2, 8, dtype=np.float32), 10, axis=0) + 0.01 * rng.standard_normal((20, 8))
    scores = np.tile([[0.60, 0.20, 0.10]], (20, 1)).astype(np.float32)
    scores[:10] = [0.20, 0.60, 0.10]  # the first cluster says billing...
    scores[0] = [0.41, 0.40, 0.10]  # ...and its close call says otherwise
    chunks = [_chunk(scores[:12], vectors[:12]), _chunk(scores[12:], vectors[12:])]
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed, cluster_weight=0.1, cluster_size=10)
    head = CorpusHead(3)
    assert _voted(chunks, mapper, None) == [None, None]  # no head: a flat or small corpus, no vote
    assert _voted(chunks, mapper, head) == [None, None]  # an unfitted head (a mix of industries): no vote
    head.classes_, head.coef_, head.intercept_ = np.arange(3), np.zeros((3, 16), np.float32), np.zeros(3, np.float32)
    voted = _voted(chunks, mapper, head)
    assert [len(v) for v in voted] == [12, 8]
    assert voted[0][0].argmax() == 1 and all(v.argmax() == scores[12 + i].argmax() for i, v in enumerate(voted[1]))
    mapper.cluster_weight = 0.0
    assert _voted(chunks, mapper, head) == [None, None]


def test_a_voting_mapper_maps_through_classify(db, mini_taxonomy, fake_embedder, segmenter):
    from miner.embed import EmbeddingCache
    from miner.pipeline import Encoders, Pipeline
    from miner.touchpoints.mapper import get_mapper

    texts = ["I was charged twice for one order", "the box arrived crushed and leaking"] * 15
    segments = [{"id": i, "document_id": str(i), "text": t, "rating": 1} for i, t in enumerate(texts)]
    firsts = {}
    for weight in (0.0, 0.3):
        mapper = get_mapper("examples", mini_taxonomy, EmbeddingCache(fake_embedder, db).embed,
                            threshold=0.0, cluster_weight=weight, cluster_size=5).fit()  # fmt: skip
        result, _ = Pipeline(db, Encoders(fake_embedder), mini_taxonomy, segmenter, mapper=mapper).classify(segments)
        assert result.complaints == len(result.complaint_pos)
        firsts[weight] = result.firsts()
    assert firsts[0.3] == firsts[0.0]  # 30 complaints: too few for the corpus head, so no vote either
    assert mapper.options()["cluster_weight"] == 0.3
