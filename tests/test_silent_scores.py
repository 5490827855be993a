"""Survey respondents who scored and wrote nothing (miner/ingest/silent.py, miner/store/scores.py): a survey tool's
NPS counts them, and the report's counted only the respondents who also wrote a comment, who skew towards the
detractors (the survey programme manager's export: 60 respondents, 16 of them with a comment)."""

import pytest
from conftest import COMPLAINTS
from test_respondents import qualtrics

from miner.errors import InputError


def _survey(path, scores: list[int], wrote: set[int]) -> None:
    """A Qualtrics export of `scores`, only the respondents of `wrote` answering the open questions."""
    qualtrics(path, [(f"R_{i}", s, COMPLAINTS[i % 6] if i in wrote else "", "") for i, s in enumerate(scores)])


SCORES = [0, 2, 5, 6, 7, 8, 9, 10, 10, 3, 10, 9, 9, 8, 10, 7]  # 7 promoters, 4 passives, 5 detractors: NPS +12.5
WROTE = {0, 1, 2, 3, 9, 4}  # the comments come from 5 detractors and a passive: NPS -83.3 among them


def _options(mini_taxonomy, fake_embedder, segmenter, **kw):
    from miner.pipeline import MineOptions

    return MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, **kw)


def test_the_nps_counts_the_respondents_who_wrote_nothing(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from api.queries.trends import trends
    from miner.pipeline import mine
    from miner.report.html import render_html
    from miner.report.model import build_report
    from miner.store.filters import Filters
    from miner.store.runs import find_run

    _survey(tmp_path / "q.csv", SCORES, WROTE)
    mine(db, [tmp_path / "q.csv"], _options(mini_taxonomy, fake_embedder, segmenter))
    report = build_report(db)
    assert report["overview"]["nps"] == {"nps": 12.5, "promoters": 7, "passives": 4, "detractors": 5,
                                         "respondents": 16, "without_comment": 10}  # fmt: skip
    assert report["impact"]["rated_items"] == 16  # the mean rating counts them too
    assert report["overview"]["respondents"] == 6  # the share who complained is of those who wrote
    assert report["overview"]["items"] == 6  # and a score alone is no feedback item
    page = " ".join(render_html(report).split())
    assert "7 promoters, 5 detractors of 16 respondents (10 of them scored and wrote no comment)" in page
    served = trends(db, find_run(db), Filters(), period=report["trends"]["unit"])
    assert served["nps"] == report["trends"]["nps"] and sum(p["respondents"] for p in served["nps"]) == 16
    # mined again (a nightly job reading the same export): no respondent twice
    mine(db, [tmp_path / "q.csv"], _options(mini_taxonomy, fake_embedder, segmenter, incremental=True))
    assert db.execute("SELECT COUNT(*) FROM silent_scores").fetchone()[0] == 10
    assert build_report(db)["overview"]["nps"]["respondents"] == 16


def test_data_quality_counts_rated_respondents_of_all(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """Data quality read "Survey respondents with a rating: 16 of 6": the rated counted those who only scored, the
    whole only those who wrote (a telecom's NPS survey of 120 respondents, 24 scores alone: "120 of 96")."""
    from miner.pipeline import mine
    from miner.report.html import render_html
    from miner.report.model import build_report

    _survey(tmp_path / "q.csv", SCORES, WROTE)
    mine(db, [tmp_path / "q.csv"], _options(mini_taxonomy, fake_embedder, segmenter))
    report = build_report(db)
    assert (report["quality"]["rated_respondents"], report["quality"]["survey_respondents"]) == (16, 16)
    page = " ".join(render_html(report).split())
    assert ("Survey respondents with a rating</dt><dd>16 of 16 (10 of them scored and wrote no comment; rating impact "
            "counts each once)") in page  # fmt: skip


def test_a_weekly_re_export_counts_each_respondent_once(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import mine
    from miner.report.model import build_report

    _survey(tmp_path / "week1.csv", SCORES, WROTE)
    _survey(tmp_path / "week2.csv", SCORES, WROTE)  # the same responses exported again under another name
    mine(db, [tmp_path / "week1.csv", tmp_path / "week2.csv"], _options(mini_taxonomy, fake_embedder, segmenter))
    assert build_report(db)["overview"]["nps"]["respondents"] == 16


def test_forgetting_takes_the_scores_too(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import mine
    from miner.report.model import build_report
    from miner.store.erasure import forget_customer, forget_files

    _survey(tmp_path / "q.csv", SCORES, WROTE)
    options = _options(mini_taxonomy, fake_embedder, segmenter)
    _, run = mine(db, [tmp_path / "q.csv"], options)
    assert forget_customer(db, "R_10").scores == 1  # a respondent who only scored asks to be forgotten
    assert db["runs"].get(run)["erased_at"]  # the run counted the score: what the API holds of it is rebuilt
    mine(db, [tmp_path / "q.csv"], _options(mini_taxonomy, fake_embedder, segmenter, incremental=True))
    assert build_report(db)["overview"]["nps"]["respondents"] == 15  # and stays forgotten
    (path,) = [p for (p,) in db.execute("SELECT DISTINCT path FROM imports")]
    assert forget_files(db, [path]).scores == 9
    assert db.execute("SELECT COUNT(*) FROM silent_scores").fetchone()[0] == 0


def test_a_silent_respondents_bad_score_is_refused_as_a_commenters_is(tmp_path):
    from miner.ingest import iter_file
    from miner.ingest.records import Respondents

    path = tmp_path / "q.csv"
    _survey(path, SCORES, WROTE)
    lines = path.read_text().splitlines()
    lines[3 + 12] = lines[3 + 12].replace(",9,,", ",11,,")  # R_12 wrote nothing and scored 11 of 10
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        list(iter_file(path))
    assert err.value.line == 16 and err.value.field == "Q1" and "outside the 0-10 scale" in str(err.value)
    read = Respondents()
    records = [r for chunk in iter_file(path, on_error="skip", respondents=read) for r in chunk]
    assert len(records) == 6 and len(read.scores) == 9 and "R_12" not in {s.response_id for s in read.scores}
    assert read.read == 16  # the respondent refused for the score is one of the rows read
