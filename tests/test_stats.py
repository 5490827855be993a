"""The report's statistics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from miner.report.stats import bootstrap_impact, rating_impact
from miner.report.trends import (
    change,
    choose_granularity,
    emerging_pain_points,
    exact_test,
    exact_tests,
    partial_first_period,
    partial_period,
    period_of,
    period_range,
)


def test_fisher_one_sided_by_hand():
    # 3 of 65 against 4 of 435: P(X >= 3) for X hypergeometric (500 items, 7 mentions, 65 drawn) = 0.0500
    assert exact_test(4, 435, 3, 65, alternative="greater") == pytest.approx(0.050006, abs=1e-5)
    assert exact_test(40, 435, 3, 65, alternative="greater") > 0.9  # the rate fell: no evidence it rose


@pytest.mark.parametrize("spread", [12, 0])
def test_a_family_of_exact_tests_gives_scipys_p_values_in_one_pass(monkeypatch, spread):
    """`exact_tests` sums each test's support near its mean only: small and large counts, a change far in the tail
    (0 against 900 of 20,000), and the empty family; with no spread, the windows of large counts miss mass and
    those tests are summed whole."""
    import random

    from scipy.stats import fisher_exact

    from miner.report import trends

    monkeypatch.setattr(trends, "SPREAD", spread)

    rng = random.Random(1)
    cases = [(0, 30, 0, 30), (1, 30, 3, 30), (5, 100, 0, 50), (30, 30, 0, 30), (3465, 15047, 3000, 15047),
             (0, 20000, 900, 20000), (1, 5, 0, 10**6), (700, 87149, 650, 80000)]  # fmt: skip
    cases += [(rng.randint(0, n1), n1, rng.randint(0, n2), n2) for n1, n2 in
              ((rng.randint(1, 300), rng.randint(1, 300)) for _ in range(200))]  # fmt: skip
    cases += [(rng.randint(0, 2000), 20000, rng.randint(0, 2000), 21000) for _ in range(50)]
    got = exact_tests(*np.array(cases).T)
    for (x1, n1, x2, n2), p in zip(cases, got, strict=True):
        expected = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue
        assert p == pytest.approx(expected, rel=1e-8, abs=1e-12), (x1, n1, x2, n2)
    assert exact_tests(*np.zeros((4, 0), dtype=int)).shape == (0,)


def test_rating_impact_by_hand():
    ratings = np.array([1.0, 1.0, 0.0, 0.0, 1.0])
    affected = np.array([False, False, True, True, False])
    # mean of all = 3/5 = .6; mean without the touchpoint's complaints = 3/3 = 1.0; impact = -.4
    assert rating_impact(ratings, affected) == pytest.approx(-0.4)


def test_bootstrap_two_items_exact():
    # Items: rating 1 (unaffected), rating 0 (affected). The 4 equally likely resamples of 2:
    # (1,1): impact 0; (1,0) and (0,1): mean .5 - 1 = -.5; (0,0): no unaffected item, dropped.
    # So impact is -.5 with probability 2/3 and 0 with 1/3: the 95% percentile interval is [-.5, 0].
    impact = bootstrap_impact(np.array([1.0, 0.0]), np.array([False, True]), n_boot=4000, seed=1)
    assert impact.estimate == pytest.approx(-0.5)
    assert (impact.low, impact.high) == (pytest.approx(-0.5), pytest.approx(0.0))
    assert (impact.n_with, impact.n_without) == (1, 1)


def test_bootstrap_matches_binomial_by_hand():
    # 100 affected items rated 0, 300 unaffected rated 1. In every resample the unaffected mean is 1,
    # so impact = -(share affected), a binomial proportion: -.25 +/- 1.96 * sqrt(.25 * .75 / 400)
    # = -.25 +/- .042435, i.e. [-.292435, -.207565].
    ratings = np.array([0.0] * 100 + [1.0] * 300)
    affected = ratings == 0
    impact = bootstrap_impact(ratings, affected, n_boot=4000, seed=0)
    half = 1.96 * math.sqrt(0.25 * 0.75 / 400)
    assert impact.estimate == pytest.approx(-0.25)
    assert impact.low == pytest.approx(-0.25 - half, abs=0.006)
    assert impact.high == pytest.approx(-0.25 + half, abs=0.006)


def test_bootstrap_is_seeded_and_degenerate_cases():
    rng = np.random.default_rng(3)
    ratings, affected = rng.random(200), rng.random(200) < 0.2
    assert bootstrap_impact(ratings, affected, seed=7) == bootstrap_impact(ratings, affected, seed=7)
    assert bootstrap_impact(ratings, affected, seed=7) != bootstrap_impact(ratings, affected, seed=8)
    flat = bootstrap_impact(np.full(50, 0.5), np.arange(50) < 10)
    assert (flat.estimate, flat.low, flat.high) == (0.0, 0.0, 0.0)
    assert bootstrap_impact(ratings, np.zeros(200, dtype=bool)) is None
    assert bootstrap_impact(ratings, np.ones(200, dtype=bool)) is None


def test_periods():
    assert period_of("2026-03-31T23:59:00", "month") == "2026-03"
    assert period_of("2026-01-01", "week") == "2026-W01"
    assert period_of("2025-12-29", "week") == "2026-W01"  # ISO weeks belong to the year of their Thursday
    assert period_range("2025-11-20", "2026-02-01", "month") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert period_range("2026-01-01", "2026-01-20", "week") == ["2026-W01", "2026-W02", "2026-W03", "2026-W04"]
    assert choose_granularity(["2026-01-01", "2026-02-01"]) == "week"
    assert choose_granularity(["2025-01-01", "2026-02-01"]) == "month"
    assert choose_granularity(["2025-01-01"], "week") == "week"
    # three months of 155 chats: about 12 a week, too few for a week's change to be stated: months
    assert choose_granularity(["2026-01-01", "2026-03-31"], items=155) == "month"
    assert choose_granularity(["2026-01-01", "2026-03-31"], items=1500) == "week"
    assert choose_granularity(["2026-01-01", "2026-01-31"], items=40) == "week"  # one month: weeks, however few


def test_a_latest_period_the_days_end_inside_is_partial():
    """An export taken on a Wednesday: its week holds 3 of 7 days, and the chart's dip is the calendar's."""
    assert partial_period("2026-03-18", "week") == {
        "period": "2026-W12", "days": 3, "of_days": 7, "last_day": "2026-03-18",
    }  # fmt: skip
    assert partial_period("2026-03-22T23:10:00", "week") is None  # a Sunday ends its ISO week
    assert partial_period("2026-03-21", "week") is None  # a Saturday: as likely a quiet Sunday as an early export
    assert partial_period("2026-03-20", "week")["days"] == 5  # a Friday: two days short
    assert partial_period("2026-03-23", "week")["days"] == 1  # a Monday starts one
    assert partial_period("2026-02-10", "month") == {
        "period": "2026-02", "days": 10, "of_days": 28, "last_day": "2026-02-10",
    }  # fmt: skip
    assert partial_period("2028-02-29", "month") is None and partial_period("2026-12-31", "month") is None
    assert partial_period("2026-10-30", "month") is None  # the demo's last day: one day short of a whole month
    assert partial_period("2025-12-30", "week")["period"] == "2026-W01"  # the ISO year of its Thursday


def test_a_first_period_the_days_start_inside_is_partial():
    """`since` on March 15th: March holds 17 of its 31 days (34 items against April's 76) and nothing said so."""
    assert partial_first_period("2026-03-15", "month") == {
        "period": "2026-03", "days": 17, "of_days": 31, "first_day": "2026-03-15",
    }  # fmt: skip
    assert partial_first_period("2026-03-01", "month") is None and partial_first_period("2026-03-02", "month") is None
    assert partial_first_period("2026-03-18", "week") == {
        "period": "2026-W12", "days": 5, "of_days": 7, "first_day": "2026-03-18",
    }  # fmt: skip
    assert partial_first_period("2026-03-17T08:00:00", "week") is None  # a Tuesday: as likely a quiet Monday
    assert partial_first_period("2026-03-22", "week")["days"] == 1  # a Sunday ends its ISO week


def test_change_uses_rates_of_items():
    # 10 of 100 items, then 10 of 50: the count is flat but the rate doubled; Fisher's exact test (two-sided)
    # on [[10, 90], [10, 40]] gives p = .1249 (scipy.stats.fisher_exact)
    c = change(10, 100, 10, 50)
    assert c["relative"] == pytest.approx(1.0) and c["status"] == "up"
    assert c["p_value"] == pytest.approx(0.1249, abs=1e-4)
    assert not c["significant"]
    assert change(40, 100, 10, 100)["significant"] and change(40, 100, 10, 100)["status"] == "down"


def test_change_states_nothing_from_tiny_or_empty_periods():
    # the tester's week: 1 item before (a complaint), 3 in the latest (none); a z-test called it significant
    tiny = change(1, 1, 0, 3)
    assert tiny["status"] == "too few" and tiny["p_value"] is None and not tiny["significant"]
    assert tiny["relative"] is None
    assert change(3, 10, 0, 1)["status"] == "too few"  # a latest month of one item
    assert change(0, 0, 3, 10)["status"] == "too few"  # no item at all before
    assert change(3, 10, 0, 0)["rate_last"] is None
    quiet = change(0, 50, 0, 40)  # no mention in either period: not "new"
    assert quiet["status"] == "none" and not quiet["significant"]
    assert change(0, 50, 6, 40)["status"] == "new"


def test_emerging_pain_points():
    periods = ["2026-01", "2026-02", "2026-03", "2026-04"]
    doc_periods = {f"d{i}": periods[i % 4] for i in range(400)}  # 100 items a month
    recent = [d for d, p in doc_periods.items() if p in ("2026-03", "2026-04")]
    older = [d for d, p in doc_periods.items() if p in ("2026-01", "2026-02")]
    found, tested = emerging_pain_points(
        doc_periods,
        {
            "brand-new": set(recent[:5]),  # none before: new
            "too-few": set(recent[:2]),  # below the 3 mentions needed
            "rising": set(older[:2]) | set(recent[:20]),  # 1% -> 10%: significant and more than doubled
            "steady": set(older[:10]) | set(recent[:11]),  # flat
        },
        periods,
    )
    assert [(e["id"], e["status"]) for e in found] == [("rising", "rising"), ("brand-new", "new")]
    assert found[1]["first_seen"] == "2026-03" and tested == 2  # rising and steady: new ones are not tested
    # a report of a window: a pain point its run saw before the window is not new (a quarter's report called two
    # pain points of every month "new"), and its first period is the earlier one
    again, _ = emerging_pain_points(doc_periods, {"brand-new": set(recent[:3])}, periods, seen={"brand-new": "2025-06"})
    assert again == []
    rising, _ = emerging_pain_points(doc_periods, {"r": set(recent[:20])}, periods, seen={"r": "2025-06"})
    assert [(e["status"], e["first_seen"]) for e in rising] == [("rising", "2025-06")]
    # the demo's "rude: 3 of 65 items against 4 of 435": the z-test said p = 0.009, Fisher's exact test 0.050
    docs = {f"r{i}": "2026-04" for i in range(65)} | {f"b{i}": "2026-01" for i in range(435)}
    few = {"rude": {"r0", "r1", "r2", "b0", "b1", "b2", "b3"}}
    assert emerging_pain_points(docs, few, ["2026-01", "2026-02", "2026-03", "2026-04"]) == ([], 1)


def test_rising_takes_five_items_and_survives_the_correction_for_every_pain_point_tested():
    """The tester's report: 39 pain points tested, "Identity verification: entering passport" rising on 4 items in
    the last two months against 1 before (p = 0.0485 alone), and a touchpoint "significant" at p = 0.0054 from 5
    items against 3, each test's own p < 0.05 taken as if it were the only one."""
    from miner.report.stats import adjusted
    from miner.report.trends import correct, touchpoint_trends

    periods = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    doc_periods = {f"d{i}": periods[i % 6] for i in range(186)}  # 31 items a month
    before = [d for d, p in doc_periods.items() if p < "2026-05"]
    recent = [d for d, p in doc_periods.items() if p >= "2026-05"]
    points = {"passport": {before[0], *recent[:4]}} | {f"other-{i}": {before[i + 1], recent[i + 5]} for i in range(38)}
    found, tested = emerging_pain_points(doc_periods, points, periods)
    assert found == [] and tested == 1  # 4 items, under the 5 rising takes; the others have 2 in all: not tested
    five = emerging_pain_points(doc_periods, {"passport": {before[0], *recent[:5]}}, periods)[0]
    assert [(e["status"], e["tests"]) for e in five] == [("rising", 1)] and five[0]["p_adjusted"] < 0.05
    # the same rise among 39 pain points of 5 items or more, as steady as can be: no longer significant
    steady = {f"other-{i}": {*before[3 * i : 3 * i + 4], recent[i]} for i in range(38)}
    crowded, tested = emerging_pain_points(doc_periods, {"passport": {before[0], *recent[:5]}} | steady, periods)
    assert crowded == [] and tested == 39
    # the touchpoints: 5 of 33 items against 3 of 150 is p = 0.0054 alone, and not significant among 16 touchpoints
    alone = change(3, 150, 5, 33)
    assert alone["significant"] and alone["p_value"] == alone["p_adjusted"] == 0.005386 and alone["tests"] == 1
    family = [alone] + [change(10, 150, 2, 33) for _ in range(15)]
    correct(family)
    assert not alone["significant"] and alone["p_value"] == 0.005386 and alone["tests"] == 16
    assert alone["p_adjusted"] == pytest.approx(min(1.0, 0.005386 * 16), rel=1e-3)
    assert adjusted([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    # the report's families: each touchpoint's latest change is one of as many tests as touchpoints compared
    assignments = [{"document_id": d, "touchpoint": "a"} for d in recent[:3]]
    _, per_tp = touchpoint_trends(doc_periods, {"a": set(recent[:3]), "b": set(recent[3:9])}, assignments, periods)
    assert per_tp["a"]["change"]["tests"] == per_tp["b"]["change"]["tests"] == 2


def test_rating_impact_counts_a_survey_respondent_once():
    """A respondent who answered two open-text questions was two rated items: with one answer complaining about
    billing, the same low rating sat in the affected and the unaffected group, halving the impact."""
    from types import SimpleNamespace

    from miner.report.impact import add_impact, respondents

    def doc(source: str, rating: float, response_id: str | None) -> dict:
        return {"source": source, "rating": rating, "rating_scale": "stars5", "response_id": response_id}

    documents = {
        "a1": doc("s.csv", 0.0, "r1"), "a2": doc("s.csv", 0.0, "r1"),  # one respondent, two answers
        "b1": doc("s.csv", 1.0, "r2"), "b2": doc("s.csv", 1.0, "r2"),
        "c1": doc("s.csv", 1.0, "r3"), "d1": doc("t.csv", 1.0, "r1"),  # another file's r1 is someone else
        "e1": doc("t.csv", 1.0, None), "e2": doc("t.csv", 1.0, None),  # no response id: an item each
    }  # fmt: skip
    assert sorted(ids for ids, _, _ in respondents(documents)) == [["a1", "a2"], ["b1", "b2"], ["c1"], ["d1"],
                                                                   ["e1"], ["e2"]]  # fmt: skip
    entries = [{"id": "billing"}]
    tally = SimpleNamespace(docs={"billing": {"a1"}})
    summary = add_impact(SimpleNamespace(documents=documents), tally, entries)  # type: ignore[arg-type]
    assert summary["rated_items"] == 6
    # mean of 6 respondents (5/6) minus the mean of the 5 unaffected (1.0): -1/6, not -1/8 per answer
    assert entries[0]["impact"]["points"] == pytest.approx(-100 / 6)
    assert (entries[0]["impact"]["n_with"], entries[0]["impact"]["n_without"]) == (1, 5)


def test_a_change_of_nothing_is_flat_in_the_report_as_in_the_api():
    """The report's JSON called a change of 0% "unchanged" where the API, whose `direction` documents its words as
    an enum, says "flat": one word for one judgement, so a dashboard reading both compares like with like."""
    from typing import get_args

    from api.queries.pain_points import trend
    from api.schemas import Trend

    same = change(10, 100, 10, 100)
    assert same["status"] == "flat" and same["p_value"] == 1.0
    assert trend(10, 10, 10, 10, 100, 100)["direction"] == "flat"
    statuses = {change(*args)["status"] for args in [(10, 100, 10, 100), (10, 100, 30, 100), (30, 100, 10, 100),
                                                     (0, 100, 10, 100), (1, 1, 0, 3)]}  # fmt: skip
    assert statuses <= set(get_args(Trend.model_fields["direction"].annotation))
