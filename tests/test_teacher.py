"""A teacher (a stronger reader) labels a seeded sample of a corpus's complaints and its labels teach the corpus head:
they must reach the head as its rows, outweigh the first pass where they disagree, and leave it alone where the
teacher abstains. The teacher here is the hashing fake: it reads a taxonomy's own example texts perfectly."""

import numpy as np
import pytest
from test_corpus_head import _corpus

from miner.pipeline.classify import _Chunk, _teach
from miner.segment.items import ItemRuns
from miner.touchpoints.corpus import CorpusHead
from miner.touchpoints.mapper import get_mapper
from miner.touchpoints.teacher import NONE_LABEL, Teacher


def _segments(taxonomy) -> tuple[list[dict], list[int]]:
    """One item per example text of each top-level touchpoint, and that touchpoint's index."""
    segments, truth = [], []
    for j, top in enumerate(taxonomy.touchpoints):
        for text in top.examples:
            segments.append({"id": len(segments), "document_id": len(segments), "text": text, "rating": None})
            truth.append(j)
    return segments, truth


def test_the_teacher_labels_what_it_reads_and_abstains_where_nothing_fits(mini_taxonomy, fake_embedder):
    segments, truth = _segments(mini_taxonomy)
    segments.append({"id": 99, "document_id": 99, "text": "zzz qqq xxx", "rating": None})
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit()
    teacher = Teacher(fake_embedder.embed).fit(mapper)
    labels = teacher.label(ItemRuns(segments), np.arange(len(segments)))
    assert labels[:-1].tolist() == truth
    assert labels[-1] == NONE_LABEL  # under the mapper's threshold: the teacher does not guess


def test_a_larger_sample_holds_the_smaller_one_and_a_small_corpus_is_read_whole(fake_embedder):
    small, large = Teacher(fake_embedder.embed, sample=10).pick(100), Teacher(fake_embedder.embed, sample=30).pick(100)
    assert len(small) == 10 and len(large) == 30 and set(small) <= set(large)
    assert Teacher(fake_embedder.embed, sample=30).pick(12).tolist() == list(range(12))


def test_the_run_hands_the_teachers_labels_to_the_head_on_the_defaults_features(mini_taxonomy, fake_embedder):
    segments, truth = _segments(mini_taxonomy)
    n, k = len(segments), len(mini_taxonomy.touchpoints)
    rng = np.random.default_rng(0)
    vectors = rng.normal(0, 1, (n, 8)).astype(np.float16)  # the default's vectors: unrelated to the teacher's
    scores = rng.uniform(0.3, 0.5, (n, k)).astype(np.float32)
    chunk = _Chunk(0, np.ones(n), np.arange(n), vectors, vectors.copy(), np.arange(n), scores, None)
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit()
    mapper.teacher = Teacher(fake_embedder.embed, sample=n, weight=2.0)
    head = CorpusHead(k, min_labels=1, min_top_share=0.0)
    _teach(head, mapper, ItemRuns(segments), [chunk])
    assert head._learnt_y.tolist() == truth and head.learnt_weight == 2.0
    np.testing.assert_array_equal(head._learnt_X, chunk.features())
    assert mapper.options()["teacher_sample"] == n  # a run records its teacher


def test_the_teachers_labels_outweigh_the_first_pass_where_they_disagree():
    scores, features, truth = _corpus()
    wrong = (scores.argmax(1) != truth) & (truth == 1)  # the first pass leans to touchpoint 0 in the middle
    taught = np.flatnonzero(wrong)[::2]
    rest = np.flatnonzero(wrong)[1::2]
    plain = CorpusHead(2)
    plain.collect(scores, None, features, threshold=0.3)
    teacher = CorpusHead(2)
    teacher.collect(scores, None, features, threshold=0.3)
    teacher.learn(features[taught], truth[taught], weight=3.0)
    right = [(h.fit().adjust(scores[rest], features[rest]).argmax(1) == 1).mean() for h in (plain, teacher)]
    assert right[0] < 0.5 < right[1]


@pytest.mark.parametrize("ungated", [False, True])
def test_only_an_ungated_teacher_fits_a_head_on_a_corpus_with_flat_shares(ungated):
    rng = np.random.default_rng(0)
    n, k = 300, 10
    truth = np.arange(n) % k
    features = (np.eye(k)[truth] + rng.normal(0, 0.1, (n, k))).astype(np.float32)
    scores = (0.3 + 0.2 * np.eye(k)[truth]).astype(np.float32)  # each touchpoint a tenth: the self-taught gate
    head = CorpusHead(k)
    head.collect(scores, None, features, threshold=0.3)
    head.learn(features[:50], truth[:50], ungated=ungated)
    assert head.fit().fitted is ungated


def test_a_teacher_alone_replaces_the_first_pass():
    scores, features, truth = _corpus()
    head = CorpusHead(2, folds=0)
    head.collect(scores, None, features, threshold=0.3)
    head.learn(features[:60], 1 - truth[:60], only=True)  # a teacher that says the opposite everywhere
    p = head.fit().probabilities(features)
    assert (p.argmax(1) != truth).mean() > 0.9


def test_a_cross_fitted_teacher_label_does_not_reach_the_complaint_it_labels():
    rng = np.random.default_rng(0)
    features = rng.normal(0, 1, (300, 400)).astype(np.float32)  # wide enough to learn any labelling by heart
    scores = rng.uniform(0.3, 0.5, (300, 2)).astype(np.float32)
    labels = rng.integers(0, 2, 100)  # a teacher whose labels nothing in the features predicts
    agree = []
    for crossfit in (False, True):
        head = CorpusHead(2)
        head.collect(scores, None, features, threshold=0.3)
        head.learn(features[:100], labels, weight=5.0, crossfit=crossfit)
        agree.append((head.fit().probabilities(features[:100]).argmax(1) == labels).mean())
    assert agree[0] > 0.9 and agree[1] < 0.7  # cross-fitted, a label is not handed back to its own complaint
