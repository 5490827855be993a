"""The mean rating per period (miner/report/rating_trend.py), counted as the report's overall mean rating: a survey
respondent once, on the items' own scale where they share one, a period of few ratings marked thin."""

from miner.report.rating_trend import rating_trend, thin_ratings_warning
from miner.report.respondents import group
from miner.report.trends import MIN_PERIOD_ITEMS


def _doc(day: str, raw: float | None, scale: str = "stars5", response_id: str | None = None) -> dict:
    low, high = {"stars5": (1, 5), "csat5": (1, 5), "csat7": (1, 7), "nps": (0, 10)}[scale]
    rating = None if raw is None else (raw - low) / (high - low)
    return {"source": "s.csv", "source_id": None, "date": day, "rating": rating, "rating_raw": raw,
            "rating_scale": scale if raw is not None else None, "response_id": response_id, "import_id": 1}  # fmt: skip


def test_each_period_gets_its_mean_rating_on_0_100_and_on_the_items_own_scale():
    docs = {f"j{i}": _doc("2026-01-10", 1) for i in range(10)}  # a bad January: one star
    docs |= {f"f{i}": _doc("2026-02-10", 5, "csat5") for i in range(12)}  # a good February, CSAT 1-5 (same range)
    docs |= {"m0": _doc("2026-03-02", 3), "m1": _doc("2026-03-03", None)}  # March: one rating, one unrated item
    got = rating_trend(group(docs), ["2026-01", "2026-02", "2026-03", "2026-04"], "month")
    assert got["rating_range"] == "1–5"
    assert got["ratings"] == [
        {"period": "2026-01", "mean_rating": 0.0, "native_mean": 1.0, "rated_items": 10, "thin": False},
        {"period": "2026-02", "mean_rating": 100.0, "native_mean": 5.0, "rated_items": 12, "thin": False},
        {"period": "2026-03", "mean_rating": 50.0, "native_mean": 3.0, "rated_items": 1, "thin": True},
    ]  # April has no rated item: no entry, as trends.nps leaves out a period with no NPS answer
    warning = thin_ratings_warning({"unit": "month", **got})
    assert len(warning) == 1 and "1 month of 3" in warning[0] and f"fewer than {MIN_PERIOD_ITEMS}" in warning[0]
    assert "2026-03" in warning[0]


def test_a_survey_respondent_counts_once_and_mixed_scales_have_no_own_mean():
    # two answers of one response share its score: one rated respondent, not two
    docs = {"a1": _doc("2026-01-10", 10, "nps", "r1"), "a2": _doc("2026-01-10", 10, "nps", "r1"),
            "b1": _doc("2026-01-11", 0, "nps", "r2"), "c1": _doc("2026-01-12", 4)}  # fmt: skip
    got = rating_trend(group(docs), ["2026-01"], "month")
    january = got["ratings"][0]
    assert january["rated_items"] == 3 and january["mean_rating"] == round(100 * (1 + 0 + 0.75) / 3, 2)
    assert got["rating_range"] is None and january["native_mean"] is None  # 0-10 beside 1-5
    assert rating_trend(group({"x": _doc("2026-01-10", None)}), ["2026-01"], "month") == {
        "ratings": [], "rating_range": None,
    }  # fmt: skip
