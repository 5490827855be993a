"""The overview's sentences and the Trends table: what the report claims from a change between two periods."""

from __future__ import annotations

from miner.report.model import counted, sentence
from miner.report.trends import change

TOUCHPOINT = {"name": "Website", "share": 0.25, "pain_points": [{"label": "Missing information", "complaints": 1}]}


def _with(trend_change: dict) -> dict:
    return TOUCHPOINT | {"trend": {"change": trend_change}}


def test_a_count_of_one_is_singular():
    assert counted(1, "mention") == "1 mention" and counted(2, "mention") == "2 mentions"
    assert counted(1200, "mention") == "1,200 mentions"
    assert "(1 mention)" in sentence(TOUCHPOINT, "month")


def test_no_direction_from_a_tiny_period():
    # the tester's report: the latest month held one item, and the sentence said "down 100%"
    text = sentence(_with(change(5, 18, 0, 1)), "month")
    assert text.endswith("too few items in the last month to compare") and "down" not in text
    assert sentence(_with(change(1, 1, 0, 30)), "week").endswith("too few items in the previous week to compare")


def test_no_claim_when_neither_period_mentions_it():
    quiet = sentence(_with(change(0, 40, 0, 40)), "month")
    assert quiet == "Website: 25% of complaints, mostly missing information (1 mention)"


def test_stated_changes_carry_their_exact_test():
    up = sentence(_with(change(10, 100, 40, 100)), "month")
    assert up.endswith("up 300% on the previous month (significant, p = 0.000)")
    assert sentence(_with(change(0, 40, 5, 40)), "week").endswith("new in the latest week (not significant)")
