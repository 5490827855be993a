"""Survey respondents in the report (miner/report/respondents.py): the complaint rate per respondent beside the rate
per item, the non-answers left out of both, and the unread items that are no language's fault."""

import csv

from conftest import COMPLAINTS

from miner.report.respondents import answered_twice, complaint_rate, group

QUESTIONS = ["What could we do better?", "Is there anything else you would like to tell us?"]


def _doc(source: str, response_id: str | None, rating: float | None = 0.0) -> dict:
    return {"source": source, "response_id": response_id, "rating": rating, "rating_scale": "nps", "rating_raw": 0}


def qualtrics(path, rows: list[tuple[str, int, str, str]]) -> None:
    """A Qualtrics export: (response id, NPS 0-10, what to do better, anything else), dated a day each."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["RecordedDate", "ResponseId", "Q1", "Q2_TEXT", "Q5_TEXT"])
        w.writerow(["Recorded Date", "Response ID", "How likely are you to recommend us to a friend?", *QUESTIONS])
        ids = ["recordedDate", "_recordId", "QID1", "QID2_TEXT", "QID5_TEXT"]
        w.writerow([f'{{"ImportId":"{i}"}}' for i in ids])
        for i, (rid, score, better, more) in enumerate(rows):
            w.writerow([f"2026-03-{1 + i % 28:02d} 10:00:00", rid, score, better, more])


def test_a_respondent_counts_once_in_the_respondents_complaint_rate():
    documents = {
        "a1": _doc("s.csv", "r1"), "a2": _doc("s.csv", "r1"),  # one respondent, one answer complaining
        "b1": _doc("s.csv", "r2"), "c1": _doc("s.csv", "r3", None),  # an unrated respondent is one too
        "e1": _doc("t.csv", None),  # a review: no respondent of a survey
    }  # fmt: skip
    assert complaint_rate(group(documents), {"a2", "e1"}) == {
        "respondents": 3, "complaint_respondents": 1, "respondent_complaint_rate": 1 / 3,
    }  # fmt: skip
    assert complaint_rate(group({"e1": _doc("t.csv", None)}), {"e1"})["respondent_complaint_rate"] is None


def test_non_answers_are_no_items_and_respondents_are_counted(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A tester's 60 respondents gave 120 answers, 36 of them "N/A", "-", "no comment"...: the report said a
    complaint rate of 38% of 120 items, where 68% of the respondents complained, and blamed the models' English for
    the "-" answers."""
    from miner.pipeline import MineOptions, mine
    from miner.report.model import build_report

    rows = [(f"R_{i}", i % 11, COMPLAINTS[i % 6], ["N/A", "-", "No", "no comment", "?", "nothing"][i % 6])
            for i in range(12)]  # fmt: skip
    rows += [(f"R_{i}", 10, ["Nothing", "n/a", "-"][i % 3], "Lovely food and friendly drivers") for i in range(12, 18)]
    qualtrics(tmp_path / "q.csv", rows)
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    [imp], _ = mine(db, [tmp_path / "q.csv"], options)
    assert imp.added == 12 + 2 + 6  # the complaints, 2 "Nothing" to "do better?" and the praise: 36 answers before
    report = build_report(db)
    overview = report["overview"]
    assert (overview["items"], overview["respondents"]) == (20, 18)
    sql = """SELECT DISTINCT json_extract(d.meta, '$.response_id') FROM segment_results r JOIN segments s
             ON s.id = r.segment_id JOIN documents d ON d.id = s.document_id WHERE r.complaint = 1"""
    by_respondent = {rid for (rid,) in db.execute(sql)}
    assert overview["complaint_respondents"] == len(by_respondent) > 0
    assert overview["respondent_complaint_rate"] == len(by_respondent) / 18
    assert not any("English" in w for w in report["quality"]["warnings"])


def test_items_of_punctuation_alone_are_not_blamed_on_language(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A survey mined before its non-answers were left out held 11 answers of "-": Data quality said they "held no
    English text ... the models read English only"."""
    from miner.pipeline import MineOptions, mine
    from miner.report.model import build_report

    path = tmp_path / "r.csv"
    path.write_text("id,text\n1,I was charged twice for my order\n2,-\n3,?\n4,Доставка опоздала на два часа\n",
                    encoding="utf-8")  # fmt: skip
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    quality = build_report(db)["quality"]
    assert (quality["unread_items"], quality["unread_wordless"]) == (3, 2)
    said = " ".join(quality["warnings"])
    assert "2 items held no words, only punctuation or symbols ('-', '?')" in said
    assert "1 item held no English text to analyse (1 in another script than Latin)" in said


def test_data_quality_counts_rated_and_dated_items_alike(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """A tester read "Items with a rating / a date: 60 / 120" for 120 items all rated and dated: the first counted
    respondents (rating impact's unit), the second items."""
    from miner.pipeline import MineOptions, mine
    from miner.report.html import render_html
    from miner.report.model import build_report

    qualtrics(tmp_path / "q.csv", [(f"R_{i}", 3 + i, COMPLAINTS[i], "The recipes are great") for i in range(6)])
    mine(db, [tmp_path / "q.csv"], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    report = build_report(db)
    quality = report["quality"]
    assert (quality["items"], quality["rated_items"], quality["dated_items"]) == (12, 12, 12)
    assert quality["rated_respondents"] == report["impact"]["rated_items"] == 6
    page = " ".join(render_html(report).split())
    assert "<dt>Items with a rating / a date</dt><dd>12 / 12 of 12</dd>" in page
    assert "<dt>Survey respondents with a rating</dt><dd>6 of 6 (rating impact counts each once)</dd>" in page
    assert "6 rated respondents" in page and "rated items" not in page


def test_a_respondent_of_two_files_counts_once_with_the_latest_answers():
    """A re-export with 5 edited answers stored them again beside the first file's: the report counted 65 rated
    respondents of a 60-person survey."""

    def doc(source: str, import_id: int, question: str, raw: float, date: str | None = "2026-04-01T10:00:00") -> dict:
        return {"source": source, "import_id": import_id, "source_id": f"R_1:{question}", "response_id": "R_1",
                "date": date, "rating": raw / 10, "rating_raw": raw, "rating_scale": "nps"}  # fmt: skip

    documents = {
        "m2": doc("mid.csv", 1, "Q2", 1), "m4": doc("mid.csv", 1, "Q4", 1),
        "f2": doc("full.csv", 2, "Q2", 0),  # the edited answer; Q4 read the same and was not stored again
        "x2": doc("mid.csv", 1, "Q2", 9, None) | {"response_id": "7", "source_id": "7:Q2"},  # undated: kept apart
        "y2": doc("full.csv", 2, "Q2", 3, None) | {"response_id": "7", "source_id": "7:Q2"},
    }  # fmt: skip
    respondents = group(documents)
    [both] = [r for r in respondents if r.files > 1]
    assert (both.ids, both.raw, both.superseded) == (["m4", "f2"], 0, ["m2"])
    assert len(respondents) == 3
    assert complaint_rate(respondents, {"m2"})["complaint_respondents"] == 0  # the edited answer no longer complains
    assert answered_twice(respondents) == [
        "1 respondent answered in two files or more (the same response id on the same day: a re-export with edited "
        "answers?): the respondents' figures (complaint rate, rating impact, NPS) count each once, with the latest "
        "file's version of each answer and its score; the items count both versions of 1 answer."
    ]


def test_the_report_counts_a_reexported_respondent_once(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import MineOptions, mine
    from miner.report.model import build_report

    scores = [10, 9, 0, 3, 7, 8, 2, 6, 10, 4]
    rows = [(f"R_{i}", s, COMPLAINTS[i % 6], "Lovely recipes") for i, s in enumerate(scores)]
    qualtrics(tmp_path / "mid.csv", rows[:6])
    edited = [(rid, 0, f"EDITED: {text}", more) if i < 2 else (rid, score, text, more)
              for i, (rid, score, text, more) in enumerate(rows)]  # fmt: skip
    qualtrics(tmp_path / "full.csv", edited)
    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter)
    mine(db, [tmp_path / "mid.csv"], options)
    [imp], _ = mine(db, [tmp_path / "full.csv"], options)
    assert imp.added == 2 + 8  # the 2 edited answers again, and the 4 new respondents' 8
    report = build_report(db)
    assert report["overview"]["items"] == 22 and report["overview"]["respondents"] == 10  # 12 respondents before
    assert report["overview"]["nps"]["respondents"] == report["impact"]["rated_items"] == 10
    nps = report["overview"]["nps"]
    assert (nps["promoters"], nps["detractors"]) == (1, 7)  # R_0 and R_1 promoters in mid.csv, 0 in the re-export
    assert report["quality"]["warnings"][0].startswith("2 respondents answered in two files or more")
