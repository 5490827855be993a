"""A survey answer quoted without its question: "Hire more staff in the call centre." reads as a complaint only beside
"What could we do better?", and the report, `top --format json` and the API gave the source, date and score alone."""

from conftest import COMPLAINTS
from test_respondents import QUESTIONS, qualtrics


def test_quotes_name_the_question_they_answer(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from api.queries.examples import examples
    from miner.pipeline import MineOptions, mine
    from miner.report.html import render_html
    from miner.report.model import build_report
    from miner.store.filters import Filters
    from miner.store.runs import find_run
    from miner.store.top import top_pain_points

    qualtrics(tmp_path / "q.csv", [(f"R_{i}", i % 11, COMPLAINTS[i % 6], "") for i in range(12)])
    (tmp_path / "r.csv").write_text("id,text\n" + "".join(f"r{i},{c}\n" for i, c in enumerate(COMPLAINTS)))
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    mine(db, [tmp_path / "q.csv", tmp_path / "r.csv"], options)
    report = build_report(db)
    quotes = [q for e in report["touchpoints"] for p in e["pain_points"] for q in p["quotes"]]
    assert {q["question"] for q in quotes if q["kind"] == "survey"} == {QUESTIONS[0]}
    assert all(q["question"] is None for q in quotes if q["kind"] == "review") and len(quotes) > 2
    assert f"answering “{QUESTIONS[0]}”" in render_html(report)
    run = find_run(db)
    top = top_pain_points(db, run, limit=None)["pain_points"]
    assert {q["question"] for p in top for q in p["quotes"] if q["kind"] == "survey"} == {QUESTIONS[0]}
    served = examples(db, run, top[0]["id"], Filters(), limit=50, offset=0)["examples"]
    assert {e["question"] for e in served} <= {QUESTIONS[0], None} and served
