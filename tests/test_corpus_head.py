"""The corpus head: learned from a corpus's own mapped complaints (cross-fitted, so no complaint is judged by a head
that learned it), it reorders their touchpoints and never decides whether a complaint fits the taxonomy at all."""

import numpy as np
import pytest

from miner.touchpoints.corpus import CorpusHead, fold_of, skip_reason


def _corpus(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two touchpoints whose complaints sit in two clusters of the feature space; the taxonomy's similarity
    scores lean towards touchpoint 0 for every complaint (its examples are written in the corpus's style), so
    cluster-1 complaints near the middle come out wrong, and only the far ones are sure."""
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % 2
    position = rng.uniform(0.0, 1.0, n)  # how typical of its cluster a complaint is
    centre = np.where(truth[:, None] == 1, [0.0, 1.0], [1.0, 0.0])
    features = np.hstack([centre * (0.5 + position[:, None]), rng.normal(0, 0.05, (n, 2))])
    lean = 0.08
    s1 = 0.30 + 0.2 * (truth * position) + rng.normal(0, 0.01, n)
    s0 = 0.30 + 0.2 * ((1 - truth) * position) + lean + rng.normal(0, 0.01, n)
    return np.stack([s0, s1], axis=1).astype(np.float32), features.astype(np.float32), truth


def test_the_head_learns_the_corpus_boundary_from_sure_complaints_and_fixes_unsure_ones():
    scores, features, truth = _corpus()
    before = (scores.argmax(1) == truth).mean()
    # the margin rule and balanced classes as options: here the similarity leans towards one touchpoint everywhere
    head = CorpusHead(2, margin=0.1, balanced=True)
    head.collect(scores, None, features, threshold=0.3)
    head.fit()
    assert head.fitted and 50 <= head.labels_ < len(scores)  # only the sure ones taught it
    adjusted = head.adjust(scores, features)
    after = (adjusted.argmax(1) == truth).mean()
    assert before < 0.85 and after > 0.95
    np.testing.assert_allclose(adjusted.max(1), scores.max(1), rtol=0, atol=1e-6)  # the best score is kept


def test_a_small_or_one_touchpoint_corpus_is_mapped_from_the_taxonomy_alone():
    scores, features, _ = _corpus(n=60)
    head = CorpusHead(2, margin=0.1)
    head.collect(scores, None, features, threshold=0.3)
    assert not head.fit().fitted
    assert head.adjust(scores, features) is scores
    one = CorpusHead(2, margin=0.0, min_labels=5)
    lopsided = scores.copy()
    lopsided[:, 0] += 1.0
    one.collect(lopsided, None, features, threshold=0.3)
    assert not one.fit().fitted  # every sure complaint has the same touchpoint: nothing to learn


def test_none_and_the_threshold_keep_complaints_out_of_the_head():
    scores, features, _ = _corpus()
    head = CorpusHead(2, margin=0.0)
    head.collect(scores, np.full(len(scores), 9.0), features, threshold=0.3)  # `none` beats every touchpoint
    head.collect(scores, None, features, threshold=5.0)  # no score reaches the threshold
    assert not head.fit().fitted and head.labels_ == 0


def test_chunks_add_up_and_the_same_corpus_gives_the_same_head():
    scores, features, _ = _corpus(n=800)
    whole = CorpusHead(2, max_labels=100)
    whole.collect(scores, None, features, threshold=0.3)
    chunked = CorpusHead(2, max_labels=100)
    for rows in np.array_split(np.arange(len(scores)), 3):
        chunked.collect(scores, None, features, threshold=0.3, rows=rows)
    whole.fit(), chunked.fit()
    assert whole.labels_ == chunked.labels_ > 100  # sampled down to max_labels, with a fixed seed
    np.testing.assert_array_equal(whole.coef_, chunked.coef_)


def test_each_complaint_is_reordered_by_a_head_that_did_not_learn_its_own_first_pass():
    """Every complaint teaches the head its first touchpoint, the wrong ones too. A head fitted on all of them
    (room to memorise: many noise dimensions, weak regularisation) gives each its first pass back; the heads of
    the other folds read it from its neighbours and fix some."""
    scores, features, truth = _corpus()
    noise = np.random.default_rng(3).normal(0, 0.3, (len(scores), 300)).astype(np.float32)
    features = np.hstack([features, noise])
    before = (scores.argmax(1) == truth).mean()
    accuracy = {}
    for folds in (0, 5):
        head = CorpusHead(2, C=100.0, folds=folds)
        head.collect(scores, None, features, threshold=0.3)
        head.fit()
        assert head.labels_ == len(scores)  # no margin: every mapped complaint teaches
        assert len(head.fold_heads_) == folds
        accuracy[folds] = (head.adjust(scores, features).argmax(1) == truth).mean()
        assert (head.agreement_ is None) == (folds == 0)  # measured only where folds exist
    assert accuracy[0] <= before + 0.01 and accuracy[5] >= before + 0.03


def test_the_fold_of_a_complaint_is_read_from_its_features():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(1000, 8)).astype(np.float16).astype(np.float32)
    fold = fold_of(features, 5)
    np.testing.assert_array_equal(fold, fold_of(features[::-1].copy(), 5)[::-1])  # not its position
    assert set(np.bincount(fold, minlength=5)) and np.bincount(fold).min() > 150  # folds of about equal size


def test_a_corpus_whose_complaints_spread_evenly_over_many_touchpoints_gets_no_head():
    """A mix of industries spreads its complaints' first touchpoints flat: the head stays off, corrections or not."""
    rng = np.random.default_rng(2)
    features = rng.normal(size=(600, 12)).astype(np.float32)
    first = np.arange(600) % 10  # ten touchpoints, a tenth of the complaints each
    scores = np.eye(10, dtype=np.float32)[first] * 0.4 + 0.3
    flat = CorpusHead(10)
    flat.collect(scores, None, features, threshold=0.3)
    assert flat.labels_ == 600 and not flat.fit().fitted
    assert flat.skipped_ == {"reason": "flat", "top_share": 0.1, "min_top_share": 0.2}  # what the run records
    assert skip_reason(flat.skipped_).startswith("no touchpoint holds 20% of the complaints (the largest 10%)")
    skewed = CorpusHead(10)
    skewed.collect(scores[first < 4], None, features[first < 4], threshold=0.3)  # four touchpoints: 25% each
    assert skewed.fit().fitted and skewed.skipped_ is None
    taught = CorpusHead(10)
    taught.collect(scores, None, features, threshold=0.3)
    taught.teach(features[:60], first[:60])
    assert not taught.fit().fitted  # corrections act through the labelled head alone there (labelled.py)


@pytest.mark.parametrize("n_touchpoints", [2, 5])
def test_a_stored_head_predicts_what_the_fitted_one_did(n_touchpoints):
    rng = np.random.default_rng(1)
    features = rng.normal(size=(300, 6)).astype(np.float32)
    labels = features[:, :n_touchpoints].argmax(1)
    scores = np.eye(n_touchpoints, dtype=np.float32)[labels] * 0.5 + 0.3
    head = CorpusHead(n_touchpoints)
    head.collect(scores, None, features, threshold=0.3)
    head.fit()
    ids = [f"tp{i}" for i in range(n_touchpoints)]
    again = CorpusHead.from_row(head.to_row(ids), ids)
    # the row keeps the head fitted on the whole corpus: its fold heads served only the run that fitted them
    assert head.fold_heads_ and not again.fold_heads_
    head.fold_heads_ = []
    np.testing.assert_allclose(again.probabilities(features), head.probabilities(features), atol=1e-6)
    assert head.probabilities(features).sum(1) == pytest.approx(1.0, abs=1e-5)


def test_the_head_picks_the_first_touchpoint_and_similarity_still_picks_the_others(mini_taxonomy, fake_embedder):
    from miner.touchpoints.mapper import get_mapper

    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed).fit()
    n = len(mapper.ids)
    scores = np.full((2, n), 0.1, np.float32)
    scores[:, 0], scores[:, 1] = 0.50, 0.48  # close: both count
    scores[1, :] = 0.2  # fits nothing
    adjusted = scores.copy()
    adjusted[:, 2] = 0.9  # the head prefers a third touchpoint for both
    vectors = fake_embedder.embed(["a", "b"])
    [first, second] = mapper.choose(scores, None, vectors, adjusted)
    # the head's first, then similarity's best: two touchpoints at most (MOST_TOUCHPOINTS), though three were close
    assert [a.touchpoint for a in first] == [mapper.ids[2], mapper.ids[0]]
    assert first[0].score == pytest.approx(0.50)  # the row's fit, as `adjust` keeps it
    assert [a.touchpoint for a in second] == ["none"]  # the head never decides that a clause fits


def test_an_analysts_corrections_outweigh_the_sure_complaints_where_they_disagree():
    scores, features, truth = _corpus()
    # the corrections say the middle of cluster 0 (its least typical complaints) belongs to touchpoint 1
    middle = np.flatnonzero((truth == 0) & (features[:, 0] < 0.8))
    taught = CorpusHead(2, margin=0.1)
    taught.collect(scores, None, features, threshold=0.3)
    taught.teach(features[middle[:10]], np.ones(10, int))
    plain = CorpusHead(2, margin=0.1)
    plain.collect(scores, None, features, threshold=0.3)
    rest = middle[10:]
    p_taught = taught.fit().probabilities(features[rest])[:, 1].mean()
    p_plain = plain.fit().probabilities(features[rest])[:, 1].mean()
    assert p_plain < 0.5 < p_taught


def test_corrections_alone_can_fit_a_head_on_a_small_corpus():
    scores, features, truth = _corpus(n=20)
    head = CorpusHead(2, margin=0.1, min_labels=50)
    head.collect(scores, None, features, threshold=0.3)
    assert head.labels_ < 50
    head.teach(np.repeat(features, 3, axis=0), np.repeat(truth, 3))  # 60 labelled rows
    assert head.fit().fitted and head.labels_ < 50  # labels_ still counts only the corpus's own sure complaints


def test_the_folds_fitted_two_at_a_time_give_the_heads_one_at_a_time_gives(monkeypatch):
    from threadpoolctl import threadpool_info

    import miner.touchpoints.corpus as corpus

    def blas_threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    scores, features, _ = _corpus(n=600, seed=3)
    heads, before = [], None
    for threads in (1, 2):
        monkeypatch.setattr(corpus, "FIT_THREADS", threads)
        head = CorpusHead(2, margin=0.1, balanced=True)
        head.collect(scores, None, features, threshold=0.3)
        before = before or blas_threads()  # numpy's BLAS as the caller set it
        heads.append(head.fit())
    one, two = heads
    assert len(one.fold_heads_) == len(two.fold_heads_) == one.folds > 1
    for a, b in zip(one.fold_heads_, two.fold_heads_, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)  # the same optimum, whichever thread fitted it
    assert blas_threads() == before  # the fit's one-thread limit is given back
