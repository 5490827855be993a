"""The complaint detector's heads: one on the main vectors, and an optional second on another encoder's."""

from __future__ import annotations

import numpy as np
import pytest

from miner.complaints import ComplaintDetector
from miner.embed.fake import HashingEmbedder

TEXTS = ["the parcel arrived crushed and late", "thanks, lovely service as always", "charged me twice again"]


def test_second_encoder_gets_its_own_head_and_the_probabilities_are_averaged():
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    single = ComplaintDetector(main.embed).fit()
    second_only = ComplaintDetector(other.embed).fit()
    both = ComplaintDetector(main.embed, second=other.embed, second_weight=0.5).fit()
    vectors = main.embed(TEXTS)
    expected = 0.5 * single.text_scores(vectors) + 0.5 * second_only.text_scores(other.embed(TEXTS))
    assert np.allclose(both.text_scores(vectors, TEXTS), expected)
    assert not np.allclose(both.text_scores(vectors, TEXTS), single.text_scores(vectors))


def test_second_encoder_needs_the_texts():
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    detector = ComplaintDetector(main.embed, second=other.embed).fit()
    with pytest.raises(ValueError, match="texts"):
        detector.scores(main.embed(TEXTS))


def test_rating_still_pulls_towards_complaint_with_two_heads():
    main, other = HashingEmbedder(dim=64), HashingEmbedder(dim=96)
    detector = ComplaintDetector(main.embed, second=other.embed).fit()
    vectors = main.embed(TEXTS)
    text_only = detector.scores(vectors, None, TEXTS)
    low = detector.scores(vectors, [0.0, 0.0, 0.0], TEXTS)
    assert (low > text_only).all()


def test_nearest_seeds_vote_with_their_own_labels():
    from miner.complaints.detector import load_seeds

    embedder = HashingEmbedder(dim=256)
    detector = ComplaintDetector(embedder.embed).fit()
    complaints, other = load_seeds()
    votes = detector.neighbour_vote(embedder.embed([complaints[0], other[0]]))
    assert votes[0] > 0.95 and votes[1] < 0.05
    lr_only = ComplaintDetector(embedder.embed, neighbour_weight=0.0).fit()
    vectors = embedder.embed(TEXTS)
    assert np.allclose(lr_only.text_scores(vectors), lr_only.model_.predict_proba(vectors)[:, 1])
    expected = 0.5 * lr_only.text_scores(vectors) + 0.5 * detector.neighbour_vote(vectors)
    assert np.allclose(detector.text_scores(vectors), expected)


def test_taxonomy_examples_teach_the_head_but_do_not_vote():
    embedder = HashingEmbedder(dim=256)
    extra = ["the widget exploded on the second day", "the widget's hinge snapped off"]
    plain = ComplaintDetector(embedder.embed).fit()
    taught = ComplaintDetector(embedder.embed, extra_complaints=extra, extra_weight=1.0).fit()
    vectors = embedder.embed(extra + TEXTS)
    assert np.allclose(plain.neighbour_vote(vectors), taught.neighbour_vote(vectors))
    assert (taught.model_.predict_proba(vectors[:2])[:, 1] > plain.model_.predict_proba(vectors[:2])[:, 1]).all()
