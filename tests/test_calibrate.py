"""The complaint threshold of a corpus, read from its own clause scores (miner/complaints/calibrate.py)."""

from __future__ import annotations

import numpy as np
import pytest

from miner.complaints import ComplaintDetector
from miner.complaints.calibrate import FLOOR, MIN_CLAUSES, fixed_threshold, mixture_threshold
from miner.embed.fake import HashingEmbedder


def _scores(rng: np.random.Generator, n: int, centre: float, spread: float = 0.8) -> np.ndarray:
    """`n` scores whose logits are normal around logit(`centre`)."""
    return 1 / (1 + np.exp(-rng.normal(np.log(centre / (1 - centre)), spread, n)))


def test_a_corpus_whose_complaints_sit_low_gets_a_lower_threshold():
    rng = np.random.default_rng(1)
    scores = np.r_[_scores(rng, 700, 0.03), _scores(rng, 300, 0.6, 1.5)]  # complaints spread low, chatter near 0
    threshold = mixture_threshold(scores, 0.5)
    assert FLOOR <= threshold < 0.4
    assert (scores[700:] >= threshold).mean() > (scores[700:] >= 0.5).mean() + 0.1
    assert (scores[:700] >= threshold).mean() < 0.05


def test_a_corpus_of_complaints_alone_keeps_the_default():
    rng = np.random.default_rng(2)
    scores = np.r_[_scores(rng, 500, 0.97, 0.5), _scores(rng, 300, 0.75, 0.6)]  # two modes, both complaints
    assert mixture_threshold(scores, 0.5) == 0.5


def test_a_corpus_without_complaints_keeps_the_default():
    rng = np.random.default_rng(3)
    scores = np.r_[_scores(rng, 600, 0.02), _scores(rng, 300, 0.15, 0.5)]  # chatter and milder chatter
    assert mixture_threshold(scores, 0.5) == 0.5


def test_a_small_corpus_keeps_the_default():
    rng = np.random.default_rng(4)
    few = np.r_[_scores(rng, MIN_CLAUSES // 2 - 1, 0.03), _scores(rng, MIN_CLAUSES // 2 - 1, 0.6, 1.5)]
    assert mixture_threshold(few, 0.5) == 0.5
    assert fixed_threshold(few, 0.5) == 0.5


def test_a_corpus_of_one_score_or_two_keeps_the_default():
    assert mixture_threshold(np.full(300, 0.3), 0.5) == 0.5
    assert mixture_threshold(np.r_[np.full(299, 0.3), [0.9]], 0.5) == 0.5


def test_the_detector_reads_its_calibration_by_name():
    rng = np.random.default_rng(5)
    scores = np.r_[_scores(rng, 700, 0.03), _scores(rng, 300, 0.6, 1.5)]
    embed = HashingEmbedder(dim=32).embed
    assert ComplaintDetector(embed, threshold=0.6, calibration="fixed").corpus_threshold(scores) == 0.6
    assert ComplaintDetector(embed).corpus_threshold(scores) < 0.5  # mixture, the default
    with pytest.raises(ValueError, match="mixture"):
        ComplaintDetector(embed, calibration="otsu").corpus_threshold(scores)


def test_a_run_says_when_its_corpus_gets_its_own_threshold():
    from miner.pipeline.classify import corpus_complaint_threshold
    from miner.progress import Progress

    class Notes(Progress):
        def __init__(self) -> None:
            self.notes: list[str] = []

        def note(self, message: str) -> None:
            self.notes.append(message)

    rng = np.random.default_rng(6)
    spread = np.r_[_scores(rng, 700, 0.03), _scores(rng, 300, 0.6, 1.5)]
    embed = HashingEmbedder(dim=32).embed
    progress = Notes()
    threshold = corpus_complaint_threshold(ComplaintDetector(embed), spread, progress)
    assert threshold < 0.5 and progress.notes == [
        f"Complaints: clauses scoring {threshold:.2f} or more, this corpus's own threshold (read from its scores; "
        "the detector's default is 0.5)."
    ]
    quiet = Notes()
    assert corpus_complaint_threshold(ComplaintDetector(embed, calibration="fixed"), spread, quiet) == 0.5
    assert quiet.notes == []


def test_classify_flags_and_stores_by_the_corpus_threshold(db, mini_taxonomy, fake_embedder):
    from miner.embed import EmbeddingCache
    from miner.pipeline.classify import classify, fit_detector, fit_mapper

    cache = EmbeddingCache(fake_embedder, db)
    detector, mapper = fit_detector(cache, None, mini_taxonomy), fit_mapper(cache, mini_taxonomy, "examples")
    detector.outright = False  # "no reply" would be a complaint at any threshold (test_detector.py)
    texts = ["the parcel came late", "thanks, lovely", "charged twice", "no reply from anyone", "all fine", "ok"]
    segments = [{"id": f"s{i}", "document_id": f"d{i}", "text": t, "rating": None} for i, t in enumerate(texts)]
    scores = detector.scores(cache.embed(texts), [None] * len(texts), texts)
    middle = float(np.sort(scores)[len(scores) // 2])  # half the clauses at or above it
    detector.corpus_threshold = lambda s: middle  # type: ignore[method-assign]
    result, _ = classify(segments, cache, detector, mapper)
    assert result.complaint_threshold == middle
    assert [row[1] for row in result.segment_rows] == [int(s >= middle) for s in scores]
    assert result.complaints == int((scores >= middle).sum())
    given, _ = classify(segments, cache, detector, mapper, complaint_threshold=1.1)  # a run extended: no reading
    assert given.complaint_threshold == 1.1 and given.complaints == 0


@pytest.mark.parametrize("chatter, complaints", [(300, 180), (20_000, 10_000)])  # the second is sampled (SAMPLE)
def test_the_threshold_does_not_depend_on_the_order_of_the_scores(chatter, complaints):
    """The mixture's start (k-means on the scores) and the sample read the scores in order: the same clauses in
    another row order were given 0.48 and 0.46, and 9 more complaints."""
    rng = np.random.default_rng(0)
    scores = np.r_[_scores(rng, chatter, 0.15, 1.2), _scores(rng, complaints, 0.75, 1.3)]
    thresholds = {mixture_threshold(np.random.default_rng(k).permutation(scores), 0.5) for k in range(6)}
    assert len(thresholds) == 1 and FLOOR <= thresholds.pop() < 0.5
