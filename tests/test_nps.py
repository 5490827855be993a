"""Net Promoter Score in the report (miner/report/nps.py): an NPS survey's overview gave "mean rating 56/100" and no
NPS, the figure leadership asks for."""

from conftest import COMPLAINTS
from test_respondents import qualtrics

from miner.report.nps import add_nps, nps
from miner.report.respondents import Respondent


def test_nps_is_promoters_less_detractors_of_the_respondents():
    scores = [10.0] * 9 + [9.0] * 9 + [8.0, 7.0, 7.0, 8.0] + [0.0] * 8 + [6.0] * 30  # the tester's March
    assert nps(scores) == {"nps": -100 / 3, "promoters": 18, "passives": 4, "detractors": 38, "respondents": 60}
    assert nps([]) is None


def test_each_touchpoint_and_period_get_the_nps_of_their_respondents():
    def one(i: int, score: float, scale: str = "nps") -> Respondent:
        return Respondent([f"d{i}", f"e{i}"], score / 10, score, scale, True, f"2026-03-{1 + 10 * (i % 2):02d}")

    respondents = [one(0, 0), one(1, 3), one(2, 10), one(3, 9), one(4, 7), one(5, 4, "stars5")]
    entries = [{"id": "billing", "impact": {"points": -10}}, {"id": "website", "impact": None}]
    trends = {"unit": "week", "periods": ["2026-W09", "2026-W10", "2026-W11"]}
    overall = add_nps(respondents, {"billing": {"e0", "d1"}, "website": {"d2"}}, entries, trends)
    assert overall == {
        "nps": 0.0,
        "promoters": 2,
        "passives": 1,
        "detractors": 2,
        "respondents": 5,
        "without_comment": 0,
    }  # not the stars
    assert entries[0]["nps"]["with"]["nps"] == -100.0 and entries[0]["nps"]["without"]["nps"] == 100 * 2 / 3
    assert "nps" not in entries[1]  # no rating impact shown: no NPS either
    assert [(p["period"], p["nps"], p["respondents"]) for p in trends["nps"]] == [("2026-W09", 0.0, 3),
                                                                                 ("2026-W11", 0.0, 2)]  # fmt: skip
    assert add_nps([one(0, 4, "stars5")], {}, [], {"periods": []}) is None


def test_the_report_gives_an_nps_surveys_nps(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import MineOptions, mine
    from miner.report.html import render_html
    from miner.report.model import build_report

    scores = [0, 2, 5, 6, 7, 8, 9, 10, 10, 3]
    rows = [(f"R_{i}", s, COMPLAINTS[i % 6], "Lovely recipes") for i, s in enumerate(scores)]
    qualtrics(tmp_path / "q.csv", rows)
    mine(db, [tmp_path / "q.csv"], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    report = build_report(db)
    assert report["overview"]["nps"] == {"nps": -20.0, "promoters": 3, "passives": 2, "detractors": 5,
                                         "respondents": 10, "without_comment": 0}  # fmt: skip
    assert report["overview"]["mean_rating"] is not None  # kept in the JSON
    page = " ".join(render_html(report).split())
    assert '<div class="l">NPS</div> <div class="v">-20</div>' in page
    assert "3 promoters, 5 detractors of 10 respondents" in page and "Mean rating" not in page
    assert "NPS with / without" in page and "NPS per week: 2026-W09 " in page
    # the API's trends give the same NPS per period: a dashboard could chart the ratings but not the NPS
    from api.queries.trends import trends
    from miner.store.filters import Filters
    from miner.store.runs import find_run

    served = trends(db, find_run(db), Filters(), period=report["trends"]["unit"])
    assert served["nps"] and served["nps"] == report["trends"]["nps"]


def test_other_scales_keep_the_mean_rating(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import MineOptions, mine
    from miner.report.html import render_html
    from miner.report.model import build_report

    path = tmp_path / "r.csv"
    path.write_text("id,rating,text\n" + "".join(f"{i},{1 + i % 5},{c}\n" for i, c in enumerate(COMPLAINTS)))
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    report = build_report(db)
    assert report["overview"]["nps"] is None and "nps" not in report["trends"]
    page = render_html(report)
    assert "Mean rating" in page and "NPS with / without" not in page
