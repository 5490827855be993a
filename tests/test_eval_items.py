"""`touchpoints eval` mines a labelled file as `mine` would: its ratings, dates and titles too (a rating moves the
complaint scores; the same 231 rated items scored 0.667 with eval and 0.716 mined)."""

from __future__ import annotations

from miner.eval.predict import predict_items
from miner.pipeline import MineOptions, build_pipeline


def test_a_labelled_items_rating_is_read_as_mine_reads_it(mini_taxonomy, fake_embedder, segmenter):
    text = "The delivery took a while and the box was fine"
    items = [{"id": "low", "text": text, "rating": 1, "date": "2026-03-02"},
             {"id": "high", "text": text, "rating": 5, "date": "2026-03-03"}]  # fmt: skip
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    low, high = predict_items(items, lambda db: build_pipeline(db, options))
    assert low["complaint_score"] > high["complaint_score"]  # read without ratings both scored alike
