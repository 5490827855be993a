"""The complaint encoder read only where it can change a clause's decision (miner/complaints/cascade.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from miner.complaints import ComplaintDetector
from miner.complaints.cascade import ComplaintScorer
from miner.complaints.detector import load_seeds
from miner.complaints.phrases import said_no_complaint
from miner.embed.fake import HashingEmbedder

# Team-written clause parts: every combination is a clause, some close to the seeds and some far from them.
OPENINGS = ["the parcel", "my refund", "the app", "your driver", "the hotel room", "the invoice", "our table"]
MIDDLES = ["never arrived", "was lovely", "crashed twice", "charged me again", "is fine", "smelt of smoke"]
ENDINGS = ["today", "thanks so much", "which is a joke", "as usual", "for the third week", "honestly"]


def corpus() -> list[str]:
    complaints, others = load_seeds()
    # without the seeds that say there is no complaint ("No complaints whatsoever."): the lift drops them
    others = [t for t, drop in zip(others, said_no_complaint(others), strict=True) if not drop]
    made = [" ".join(parts) for parts in itertools.product(OPENINGS, MIDDLES, ENDINGS)]
    return complaints[:20] + others[:20] + made


def detector() -> ComplaintDetector:
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    # without the outright phrases' lift ("never arrived"), which has its own tests (test_detector.py)
    return ComplaintDetector(main.embed, second=other.embed, outright=False).fit()


def ratings(n: int) -> list[float | None]:
    return [None if i % 3 else (i % 5) / 4 for i in range(n)]


def test_exact_pass_gives_every_clause_the_full_decision_and_skips_some() -> None:
    d, texts = detector(), corpus()
    vectors, rated = d.embed(texts), ratings(len(texts))
    full = d.scores(vectors, rated, texts)
    for threshold in (0.25, 0.3, 0.5, 0.7):
        scorer = ComplaintScorer(d, "exact", threshold=threshold)
        scores = scorer.scores(vectors, texts, rated)
        assert ((scores >= threshold) == (full >= threshold)).all()
        assert scorer.second_reads <= len(texts)
    low = ComplaintScorer(d, "exact", threshold=0.25)
    low.scores(vectors, texts, rated)
    assert 0 < low.second_reads < len(texts)  # the bounds decide some clauses at a low threshold


def test_full_pass_reads_every_clause_and_reads_the_threshold_from_the_scores() -> None:
    d, texts = detector(), corpus()
    vectors = d.embed(texts)
    seen: list[np.ndarray] = []
    scorer = ComplaintScorer(d, "full", read_threshold=lambda s: seen.append(s) or 0.4)
    scores = scorer.scores(vectors, texts)
    assert np.array_equal(scores, d.scores(vectors, None, texts))
    assert scorer.threshold == 0.4 and np.array_equal(seen[0], scores)
    assert scorer.second_reads == len(texts)


def test_cascade_reads_a_corpus_within_its_sample_whole_as_the_full_pass_does() -> None:
    d, texts = detector(), corpus()
    vectors, rated = d.embed(texts), ratings(len(texts))
    cascade = ComplaintScorer(d, "cascade", sample=len(texts))
    full = ComplaintScorer(d, "full")
    assert np.allclose(cascade.scores(vectors, texts, rated), full.scores(vectors, texts, rated))
    assert cascade.threshold == full.threshold
    assert cascade.second_reads == len(texts)


def test_cascade_leaves_a_clause_unread_only_where_the_sampled_moves_decide_it() -> None:
    d, texts = detector(), corpus()
    vectors, rated = d.embed(texts), ratings(len(texts))
    full = d.scores(vectors, rated, texts)
    seen: list[np.ndarray] = []
    scorer = ComplaintScorer(d, "cascade", sample=60, read_threshold=lambda s: seen.append(s) or 0.45)
    scores = scorer.scores(vectors, texts, rated)
    assert len(seen[0]) == 60  # the threshold is read from the sample's full scores
    assert 60 < scorer.second_reads < len(texts)
    band = scorer.band
    assert band is not None and band.low < band.mid < band.high
    moved = d.text_scores(vectors, texts) - d.blend(d.first_scores(vectors))
    within = (moved >= band.low) & (moved <= band.high)
    # every clause the second encoder would move no further than the sample's moves keeps its full decision
    assert ((scores >= 0.45) == (full >= 0.45))[within].all()
    assert not np.allclose(scores, full)  # some clauses kept the first encoder's score, shifted


def test_a_known_threshold_is_kept_and_the_band_still_read_from_a_sample() -> None:
    d, texts = detector(), corpus()
    vectors = d.embed(texts)
    scorer = ComplaintScorer(d, "cascade", threshold=0.3, sample=60, read_threshold=lambda s: pytest.fail("read"))
    scorer.scores(vectors, texts)
    assert scorer.threshold == 0.3 and scorer.band is not None


def test_later_chunks_reuse_the_first_chunks_band_and_threshold() -> None:
    d, texts = detector(), corpus()
    scorer = ComplaintScorer(d, "cascade", sample=60, read_threshold=lambda s: 0.45)
    half = len(texts) // 2
    scorer.scores(d.embed(texts[:half]), texts[:half])
    band, reads = scorer.band, scorer.second_reads
    scorer.scores(d.embed(texts[half:]), texts[half:])
    assert scorer.band is band and scorer.threshold == 0.45
    assert scorer.second_reads - reads < len(texts) - half  # no second sample: only the undecided are read


def test_an_unknown_pass_is_refused_and_a_detector_without_a_second_encoder_reads_once() -> None:
    with pytest.raises(ValueError, match="cascade"):
        ComplaintScorer(detector(), "sometimes")
    single = ComplaintDetector(HashingEmbedder(dim=64).embed, outright=False).fit()
    scorer = ComplaintScorer(single, "cascade")
    texts = corpus()
    assert np.array_equal(scorer.scores(single.embed(texts), texts), single.scores(single.embed(texts)))
    assert scorer.second_reads == 0


class ComplaintEncoder(HashingEmbedder):
    name = "fake:complaint"  # its own cache rows, apart from the mapping encoder's


def two_encoder_pipeline(db, taxonomy, segmenter, second_pass: str):  # noqa: ANN001, ANN201
    from miner.pipeline import Encoders, Pipeline
    from miner.pipeline.classify import fit_detector

    encoders = Encoders(HashingEmbedder(dim=64), ComplaintEncoder(dim=96))
    pipeline = Pipeline(db, encoders, taxonomy, segmenter)
    pipeline.detector = fit_detector(pipeline.cache, pipeline._cache(encoders.complaint), taxonomy)
    pipeline.detector.second_pass = second_pass
    return pipeline


def test_import_embeds_ahead_with_the_complaint_encoder_only_for_the_full_pass(db, mini_taxonomy, segmenter) -> None:
    texts = corpus()[40:60]
    cascade = two_encoder_pipeline(db, mini_taxonomy, segmenter, "cascade")
    before = db["embeddings"].count
    cascade.embed_ahead([[t] for t in texts])  # one-clause items
    assert db["embeddings"].count - before == len(texts)  # the mapping encoder's alone
    full = two_encoder_pipeline(db, mini_taxonomy, segmenter, "full")
    full.embed_ahead([[t] for t in texts])
    assert db["embeddings"].count - before == 2 * len(texts)


def test_classify_gives_a_corpus_within_the_sample_the_full_pass_results(db, mini_taxonomy, segmenter) -> None:
    segments = [{"id": i, "document_id": str(i // 3), "text": t, "rating": None} for i, t in enumerate(corpus())]
    results = {}
    for second_pass in ("full", "cascade"):
        result, _ = two_encoder_pipeline(db, mini_taxonomy, segmenter, second_pass).classify(segments)
        results[second_pass] = result
        assert result.second_reads == len(segments)
    assert list(results["full"].segment_rows) == list(results["cascade"].segment_rows)
    assert results["full"].complaint_threshold == results["cascade"].complaint_threshold
