"""The overview's sentences and the Trends table: what the report claims from a change between two periods."""

from __future__ import annotations

from miner.report.sentences import sentence
from miner.report.trends import change
from miner.wording import counted

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
    assert quiet == "Website: 25% of complaint mentions, led by missing information (1 mention)"


def test_stated_changes_carry_their_exact_test():
    up = sentence(_with(change(10, 100, 40, 100)), "month")
    assert up.endswith("up 300% on the previous month (significant, p < 0.001)")
    assert sentence(_with(change(0, 40, 5, 40)), "week").endswith("new in the latest week (not significant)")


def test_a_drop_after_a_spike_says_it_is_still_above_the_months_before():
    # the tester's report: outages 37 in November, 21 in December against 5-8 a month before; the sentence said
    # only "down 23% on the previous month", while the same report flagged outages as rising
    trend = {"change": change(37, 60, 21, 45), "baseline": change(60, 300, 21, 45)}
    text = sentence(TOUCHPOINT | {"trend": trend}, "month")
    # the significant comparison first (the demo's website led with a month-on-month "up" that was noise)
    assert text.endswith(", up 133% on the months before (significant, p < 0.001); down 24% on the previous month "
                         "(not significant)")  # fmt: skip
    # where the two agree, the sentence says it once
    agree = {"change": change(10, 100, 40, 100), "baseline": change(30, 300, 40, 100)}
    assert ";" not in sentence(TOUCHPOINT | {"trend": agree}, "month")
    # a direction the other way is stated even when neither is significant: "down" alone reads as better
    unsure = {"change": change(32, 52, 19, 40), "baseline": change(50, 162, 19, 40)}
    assert sentence(TOUCHPOINT | {"trend": unsure}, "month").endswith(
        "down 23% on the previous month (not significant); up 54% on the months before (not significant)"
    )


def test_a_change_from_a_handful_is_given_as_counts():
    # "up 810% (significant, p = 0.019)" read from 9 mentions against 1
    text = sentence(_with(change(1, 40, 9, 44)), "month")
    assert text.endswith("up: 9 of 44 items against 1 of 40 in the previous month (significant, p = 0.016)")


def test_a_touchpoint_absent_the_month_before_but_present_earlier_is_not_new():
    # the demo's report said "Contact centre: new in the latest month; down 70% on the months before"
    trend = {"change": change(0, 24, 5, 41), "baseline": change(60, 300, 5, 41)}
    text = sentence(TOUCHPOINT | {"trend": trend}, "month")
    assert "new" not in text and "up: 5 of 41 items against 0 of 24 in the previous month" in text
    never = {"change": change(0, 24, 5, 41), "baseline": change(0, 300, 5, 41)}
    assert "new in the latest month" in sentence(TOUCHPOINT | {"trend": never}, "month")


def test_a_touchpoint_that_fell_silent_after_a_fix_says_so_in_the_sentence_and_the_table():
    # the tester's report: delivery 54 of 141 items in the weeks before, none in the last two weeks; the sentence
    # gave no trend and the Trends table left out the largest touchpoint
    trend = {"change": change(0, 11, 0, 13), "baseline": change(54, 141, 0, 13)}
    text = sentence(TOUCHPOINT | {"trend": trend}, "week")
    assert text.endswith("down 100% on the weeks before (significant, p = 0.004); no mention in the latest week nor "
                         "the one before")  # fmt: skip
    # not significant against the weeks before: nothing to say, as before
    calm = {"change": change(0, 11, 0, 13), "baseline": change(2, 141, 0, 13)}
    assert sentence(TOUCHPOINT | {"trend": calm}, "week").endswith("(1 mention)")


def test_the_leading_pain_point_is_named_as_written_and_never_the_remainder():
    # "led by iVR & phone menus: answers", and "led by other: Service disruption: blocks" (the leftover group)
    acronym = TOUCHPOINT | {"pain_points": [{"label": "IVR & phone menus: answers", "complaints": 3}]}
    assert "led by IVR & phone menus: answers (3 mentions)" in sentence(acronym, "month")
    rest = TOUCHPOINT | {"pain_points": [{"label": "Other: Service disruption: blocks", "complaints": 9},
                                         {"label": "Late delivery: waited", "complaints": 4}]}  # fmt: skip
    assert "led by late delivery: waited (4 mentions)" in sentence(rest, "month")
    only_rest = TOUCHPOINT | {"pain_points": [{"label": "Other: Service disruption: blocks", "complaints": 9}]}
    assert "led by" not in sentence(only_rest, "month")
