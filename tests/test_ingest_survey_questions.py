"""Which survey questions are mined, and the column options naming a survey's own headers (a tester's Qualtrics
export lost its complaint question to its "Nothing" and "N/A" answers, and said nothing of it)."""

import csv
import io

import pytest

from miner.errors import InputError
from miner.ingest import ColumnMap, iter_file, read_file

COMPLAINTS = [
    "The delivery took two weeks and nobody told me why",
    "Support never answered my emails about the refund",
    "The app crashes every time I open the basket",
    "I was charged twice for the same order",
]
PRAISE = [
    "Friendly drivers who always smile", "Great selection of vegan dishes", "Prices are fair for the portion size",
    "Loved the quick checkout on the app", "The food arrived hot and fresh", "Easy to reorder my favourite meal",
    "Clear tracking map while waiting", "Good discounts for regular customers", "The packaging is recyclable",
    "Customer service fixed my issue quickly",
]  # fmt: skip
BETTER = COMPLAINTS + ["Nothing", "Nothing", "N/A", "Nothing", "Nothing", "N/A"]


def _qualtrics(path, better=BETTER, praise=PRAISE):
    """A Qualtrics CSV: column names, question texts, ImportId JSON."""
    names = ["StartDate", "EndDate", "Status", "RecordedDate", "ResponseId", "Q1", "Q4", "Q2_TEXT", "Q3_TEXT"]
    texts = ["Start Date", "End Date", "Response Type", "Recorded Date", "Response ID",
             "How likely are you to recommend us to a friend?", "Which of these did you use?",
             "What could we do better?", "What did you like?"]  # fmt: skip
    ids = ["startDate", "endDate", "status", "recordedDate", "_recordId", "QID1", "QID4", "QID2_TEXT", "QID3_TEXT"]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerows([names, texts, [f'{{"ImportId":"{i}"}}' for i in ids]])
    for i, (b, p) in enumerate(zip(better, praise, strict=True)):
        day = f"2026-03-{1 + i % 28:02d}"
        w.writerow([f"{day} 10:00:00", f"{day} 10:05:00", "IP Address", f"{day} 10:05:01", f"R_{i:04d}",
                    i % 11, ["App", "Website"][i % 2], b, p])  # fmt: skip
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _mine(path, columns=None):
    notes = []
    recs = [r for chunk in iter_file(path, columns, notes=notes) for r in chunk]
    return recs, notes


def test_an_open_question_with_many_non_answers_is_mined(tmp_path):
    recs, notes = _mine(_qualtrics(tmp_path / "q.csv"))
    better = [r.text for r in recs if r.meta["question"] == "What could we do better?"]
    assert better[:4] == COMPLAINTS and len(recs) == 18  # only Q3's 10 answers before; the 2 "N/A" are none
    assert not {"App", "Website"} & {r.text for r in recs}  # the choice question stays out
    assert notes[0].startswith(
        "qualtrics survey: mining 2 open-text questions: Q2_TEXT (What could we do better?), Q3_TEXT (What did you "
        "like?); rating Q1 (How likely are you to recommend us to a friend?) (nps), date RecordedDate, id ResponseId;"
        " kept with each answer, not mined: Q4 (Which of these did you use?)"
    )  # "columns: text 'answer', rating 'nps' (nps), date 'date', id 'id'" before


def test_at_scale_the_complaint_question_is_not_left_for_the_praise(tmp_path):
    shorts = ["N/A", "Nothing", "-", "no comment", "None.", "nope", "Same as above", "idk", "no"]
    better = [f"Complaint {i}: the order was late by {i} hours" for i in range(47)]
    better += [shorts[i % len(shorts)] for i in range(51)]
    praise = [f"Praise {i}: lovely food" for i in range(98)]
    recs, _ = _mine(_qualtrics(tmp_path / "q.csv", better, praise))
    asked = {r.meta["question_id"] for r in recs if r.text.startswith("Complaint")}
    assert asked == {"QID2_TEXT"} and sum(r.text.startswith("Complaint") for r in recs) == 47


def test_a_text_entry_column_with_short_answers_is_open_text(tmp_path):
    short = ["Too slow", "Prices", "Cold food", "Rude", "Late", "Late", "Nothing", "Nothing", "N/A", "Nothing"]
    recs, _ = _mine(_qualtrics(tmp_path / "q.csv", short))
    assert [r.text for r in recs if r.meta["question_id"] == "QID2_TEXT"][:5] == short[:5]


def test_column_options_name_the_surveys_own_headers(tmp_path):
    path = _qualtrics(tmp_path / "q.csv")
    recs, notes = _mine(path, ColumnMap(date="StartDate", rating="Q1", id="ResponseId"))
    assert recs[0].date == "2026-03-01T10:00:00" and recs[0].rating_scale == "nps"
    assert "date StartDate" in notes[0]  # "there is no column 'StartDate' ... (columns are: id, response_id..." before
    only, notes = _mine(path, ColumnMap(text="Q2_TEXT"))
    assert {r.meta["question_id"] for r in only} == {"QID2_TEXT"} and "mining 1 open-text question:" in notes[0]
    two, _ = _mine(path, ColumnMap(texts=("Q2_TEXT", "Q4")))
    assert {r.meta["question_id"] for r in two} == {"QID2_TEXT", "QID4"}
    with pytest.raises(InputError, match="there is no column 'Q9'") as err:
        _mine(path, ColumnMap(text="Q9"))
    assert "columns are: StartDate, EndDate, Status, RecordedDate, ResponseId, Q1, Q4, Q2_TEXT" in str(err.value)


def test_a_surveys_tags_and_choices_are_kept_with_each_answer(tmp_path):
    """A Qualtrics export's UserLanguage and its embedded Touchpoint column were "left out" and lost, `mine` saying
    to name them with --text-col as if a tag were feedback: each answer keeps them in its meta, not mined, and no
    export field with personal data is kept."""
    path = tmp_path / "q.csv"
    path.write_text(
        "ResponseId,RecipientEmail,UserLanguage,Q1,Q2_TEXT,Q4,Touchpoint\n"
        "Response ID,Recipient Email,User Language,How likely are you to recommend us?,Why that score?,"
        "Which services do you take?,Touchpoint\n"
        + ",".join(
            f'"{{""ImportId"":""{i}""}}"'
            for i in ("_recordId", "recipientEmail", "userLanguage", "QID1", "QID2_TEXT", "QID4", "Touchpoint")
        )
        + "\nR_1,ann@example.com,EN,2,The engineer never came.,Broadband,Installation\n"
        "R_2,bob@example.com,EN,9,,TV,Billing\n"
        "R_3,cy@example.com,EN-GB,4,On hold for an hour.,Broadband,Contact Centre\n",
        encoding="utf-8",
    )
    recs, notes = _mine(path)
    assert [r.meta for r in recs] == [
        {"response_id": "R_1", "question_id": "QID2_TEXT", "question": "Why that score?", "UserLanguage": "EN",
         "Q4": "Broadband", "Touchpoint": "Installation"},
        {"response_id": "R_3", "question_id": "QID2_TEXT", "question": "Why that score?", "UserLanguage": "EN-GB",
         "Q4": "Broadband", "Touchpoint": "Contact Centre"},
    ]  # fmt: skip
    assert ("kept with each answer, not mined: UserLanguage (User Language), Q4 (Which services do you take?), "
            "Touchpoint; left out: 1 export field (RecipientEmail)") in notes[0]  # fmt: skip
    assert "--text-col" not in notes[0]


def test_a_bad_rating_names_the_files_column(tmp_path):
    path = _qualtrics(tmp_path / "q.csv")
    path.write_text(path.read_text(encoding="utf-8").replace(",R_0003,3,", ",R_0003,12,"), encoding="utf-8")
    with pytest.raises(InputError, match="line 7, field 'Q1': the rating is outside the 0-10 scale"):
        _mine(path)


def test_a_recommend_question_exported_as_choice_text_is_the_rating(tmp_path):
    # Qualtrics' choice text labels the scale's ends ("0 - Not at all likely"), the numbers between plain: the
    # question was left out ("no rating column found") and every item had no rating, --rating-col Q1 read it well
    path = _qualtrics(tmp_path / "q.csv")
    labelled = {",R_0000,0,": ",R_0000,0 - Not at all likely,", ",R_0010,10,": ",R_0010,10 - Extremely likely,"}
    text = path.read_text(encoding="utf-8")
    for plain, label in labelled.items():
        text = text.replace(plain, label)
    path.write_text(text, encoding="utf-8")
    recs, notes = _mine(path)
    assert [r.rating_raw for r in recs if r.meta["question_id"] == "QID3_TEXT"] == [i % 11 for i in range(10)]
    assert recs[0].rating_scale == "nps"
    assert "rating Q1 (How likely are you to recommend us to a friend?) (nps)" in notes[0]


def test_a_satisfaction_question_exported_as_its_labels_is_the_rating(tmp_path):
    """SurveyMonkey's default CSAT export writes the choice's label alone ("Very satisfied"): the file had "no rating
    column found", where its numeric and "5 - Very satisfied" variants were read as CSAT."""
    path = tmp_path / "csat.csv"
    path.write_text(
        'Respondent ID,Journey,"Overall, how satisfied were you with your recent experience?",Why that score?\n'
        ",,Response,Open-Ended Response\n"
        "114900000037,Contact centre call,Very dissatisfied,I was on hold for over an hour.\n"
        "114900000038,Engineer visit,Neither satisfied nor dissatisfied,The engineer came late.\n"
        "114900000039,Engineer visit,Very satisfied,\n114900000040,Billing,Satisfied,Clear bill.\n",
        encoding="utf-8",
    )
    recs, notes = _mine(path)
    assert [(r.rating_raw, r.rating_scale) for r in recs] == [(1, "csat5"), (3, "csat5"), (4, "csat5")]
    assert "rating Overall, how satisfied were you with your recent experience? (csat5)" in notes[0]
    assert "no rating column found" not in notes[0]
    from miner.ingest.columns import score_kind

    assert score_kind("Which did you prefer?", ["Neither", "Neutral"]) is None  # labels alone: no satisfaction asked


@pytest.mark.parametrize(
    "values, kind",
    [
        (["0 - Not at all likely", "3", "10 - Extremely likely", "10 - Extremely likely"], "nps"),
        (["1 (Very dissatisfied)", "2 (Dissatisfied)", "5 (Very satisfied)"], "csat"),
        (["2 days late", "3 days late", "10"], None),  # free text opening with a number: one label, two numbers
        (["10 - Extremely likely", "10 - Very likely", "9"], None),  # a number of two labels is no choice's
        (["10 - Extremely likely", "Not sure"], None),
    ],
)
def test_a_score_with_its_choices_label_is_a_score(values, kind):
    from miner.ingest.columns import score_kind

    question = "How likely are you to recommend us?" if kind != "csat" else "How satisfied were you?"
    assert score_kind(question, values) == kind


FORM = """Timestamp,Email Address,"On a scale of 0 to 10, how likely are you to recommend us to a friend?",\
What could we do better?
2026/02/01 9:00:00 AM GMT,u0@example.com,0,The courier never showed up and support ignored me
2026/02/02 9:01:00 AM GMT,u1@example.com,9,Nothing
2026/02/03 9:02:00 AM GMT,u2@example.com,3,Food arrived cold for the third time this month
2026/02/04 9:03:00 AM GMT,u3@example.com,10,N/A
"""


def test_a_forms_recommend_question_is_the_nps_rating(tmp_path):
    (tmp_path / "form.csv").write_text(FORM, encoding="utf-8")
    recs, notes = _mine(tmp_path / "form.csv")
    assert recs[0].text.startswith("The courier") and recs[0].rating_scale == "nps"
    assert [r.rating_raw for r in recs] == [0, 9, 3]  # "no rating column found" before; the "N/A" left out
    assert "no rating column found" not in notes[0]


def test_a_form_of_one_comment_and_a_score_is_a_survey(tmp_path):
    """The commonest NPS export: a score and one comment. As a plain table, the first respondent who skipped the
    comment stopped the whole import ("the text is empty") and an "N/A" was mined as feedback; as a survey both are
    left out and counted, and each respondent's item keeps the id a plain table gave it."""
    form = (
        "response_id,date,How likely are you to recommend us? (0-10),What is the main reason for your score?\n"
        "r1,2026-05-01,3,The delivery was two hours late.\nr2,2026-05-02,9,\nr3,2026-05-03,8,N/A\n"
        "r4,2026-05-04,2,Charged twice for one order.\n"
    )
    (tmp_path / "nps.csv").write_text(form, encoding="utf-8")
    recs, notes = _mine(tmp_path / "nps.csv")
    assert [(r.source_id, r.rating_raw, r.kind) for r in recs] == [("r1", 3, "survey"), ("r4", 2, "survey")]
    assert "1 answer left out as saying nothing" in notes[-1] and "2 respondents answered no" in notes[-1]
    plain = "response_id,date,comment\nr1,2026-05-01,The delivery was late.\nr2,2026-05-02,\n"
    (tmp_path / "plain.csv").write_text(plain, encoding="utf-8")
    with pytest.raises(InputError, match="the text is empty"):  # no score question: a plain table, as before
        _mine(tmp_path / "plain.csv")


def test_a_form_without_response_ids_keeps_every_answer(tmp_path):
    """A Google Forms export has a timestamp and no response id: each answer's question id was taken for its id, and
    every answer to a question but the first was dropped as a repeat ("2 rows repeat an id ('question_id')")."""
    path = tmp_path / "form.csv"
    path.write_text(
        "Timestamp,How likely are you to recommend us?,What could we do better?\n2026-03-01,2,Too expensive\n"
        "2026-03-02,3,Way too expensive really\n2026-03-03,9,Fast delivery was great\n2026-03-04,2,Too expensive\n",
        encoding="utf-8",
    )
    recs, notes = _mine(path)
    assert [(r.text, r.rating_raw, r.source_id) for r in recs] == [
        ("Too expensive", 2, None), ("Way too expensive really", 3, None), ("Fast delivery was great", 9, None),
        ("Too expensive", 2, None),
    ]  # fmt: skip
    assert len({r.document_id for r in recs}) == 4 and not [n for n in notes if "repeat" in n]


def test_non_answers_are_left_out_as_empty_cells_are_and_counted(tmp_path):
    """36 of a tester's 120 answers were "N/A", "-", "no comment"...: each was a feedback item without a complaint,
    and the complaint rate read 38% where 68% of the respondents complained. "Nothing" to "What could we do
    better?" says there is nothing to complain of: it stays an answer."""
    better = COMPLAINTS + ["N/A", "-", "no comment", "?", "Nothing", "None."]
    recs, notes = _mine(_qualtrics(tmp_path / "q.csv", better))
    asked = [r.text for r in recs if r.meta["question_id"] == "QID2_TEXT"]
    assert asked == [*COMPLAINTS, "Nothing", "None."] and len(recs) == 16  # 20 items before
    assert notes[-1] == ("4 answers left out as saying nothing ('N/A', '-', 'no comment'...; Q2_TEXT 4), as empty "
                         "ones are: they are no feedback items")  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "question", "none"),
    [
        ("N/A", "What could we do better?", True), ("--", "Why that score?", True), (" . ", "Why?", True),
        ("No comments", "Why?", True), ("Nothing", "What could we do better?", False),
        ("none", "What one thing should we improve?", False), ("No", "Is there anything else you would like to tell "
        "us?", True), ("Nothing.", "Any other comments?", True), ("no", "Anything to add?", True),
        ("Nothing, all good", "Anything else?", False), ("👍", "Anything else?", False),
        ("Late", "Anything else?", False),
    ],
)  # fmt: skip
def test_a_non_answer_is_read_with_its_question(answer, question, none):
    from miner.ingest.nonanswers import declines

    assert declines(answer, question) is none


def test_several_text_columns_of_a_plain_table_are_each_mined(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,a,b\n1,Late again,Rude driver\n2,,Cold food\n3,,\n", encoding="utf-8")
    recs = read_file(path, ColumnMap(texts=("a", "b")), on_error="skip")  # only 'b' before
    assert [(r.source_id, r.text, r.meta["question"]) for r in recs] == [
        ("1:a", "Late again", "a"), ("1:b", "Rude driver", "b"), ("2:b", "Cold food", "b"),
    ]  # fmt: skip
    assert recs[0].meta["_rejected"] == [f"{path}, line 4, field 'a, b': the text is empty (fill it in)"]


def test_mine_names_the_questions_and_refuses_a_column_option_given_twice(tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    path = _qualtrics(tmp_path / "q.csv")
    args = ["mine", str(path), "--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules"]
    result = CliRunner().invoke(app, [*args, "--no-redact", "--text-col", "Q2_TEXT", "--date-col", "StartDate"])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, said
    assert "q.csv: qualtrics survey: mining 1 open-text question: Q2_TEXT (What could we do better?)" in said
    assert ("kept with each answer, not mined: Q4 (Which of these did you use?); left out: Q3_TEXT (What did you "
            "like?) (name the questions to mine with --text-col)") in said  # fmt: skip
    twice = CliRunner().invoke(app, [*args, "--date-col", "StartDate", "--date-col", "EndDate"])
    assert twice.exit_code == 2  # the last one was taken without a word
    assert "--date-col given 2 times ('StartDate', 'EndDate')" in " ".join(twice.output.split())


def test_a_small_forms_open_question_is_its_text_column(tmp_path):
    """3 rows under "What could we do better?": answers too short for the longest text column's rule, and the file
    was "no text column found"."""
    path = tmp_path / "short_survey.csv"
    rows = ["1,2026-01-05,2,Show delivery fees", "2,2026-01-06,3,Nothing", "3,2026-01-07,1,On hold for an hour"]
    path.write_text("\n".join(["Response ID,Submitted At,CSAT,What could we do better?", *rows, ""]), encoding="utf-8")
    records = read_file(path)
    assert [r.text for r in records][::2] == ["Show delivery fees", "On hold for an hour"]
    assert [r.rating_raw for r in records] == [2, 3, 1] and records[0].source_id == "1"
    path.write_text("id,How did you hear of us?\n1,Radio\n2,Radio\n3,Radio\n4,A friend\n", encoding="utf-8")
    with pytest.raises(InputError, match="no text column found"):  # a choice question's answers are no text
        read_file(path)


def test_a_form_no_respondent_wrote_in_says_so(tmp_path):
    """Every comment empty or "N/A": "no text column found (columns are: ...; name one with --text-col)", as if the
    question were not there, and --text-col then failed on the empty cell of line 3."""
    form = (
        "response_id,date,How likely are you to recommend us? (0-10),What is the main reason for your score?\n"
        "r1,2026-05-01,9,N/A\nr2,2026-05-02,3,\n"
    )
    (tmp_path / "nps0.csv").write_text(form, encoding="utf-8")
    with pytest.raises(InputError, match="the open question 'What is the main reason for your score\\?' has no answer"):
        _mine(tmp_path / "nps0.csv")
