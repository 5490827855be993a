"""Flat survey exports (miner/ingest/flat.py): one row per respondent, a score beside comment columns, as Medallia
exports them. Read as a plain table, the first respondent who only scored stopped the import ("the text is empty
(fill it in...)"), and under --on-error skip the NPS lost them (-28.1 on 64 where the programme's is -31.9 on 72)."""

import pytest
from openpyxl import Workbook

from miner.errors import InputError
from miner.ingest import ColumnMap, iter_file
from miner.ingest.records import Respondents

HEADER = ["Survey ID", "Response Date", "Touchpoint", "Likelihood to Recommend", "LTR Comment", "Overall Satisfaction",
          "Improvement Comment", "Language"]  # fmt: skip
ROWS = [
    ["MDL-1", "2026-06-22T14:50:02+01:00", "Installation", 5, "Third missed engineer visit in a row.", 2,
     "Compensate people for missed appointments.", "en-GB"],
    ["MDL-2", "2026-06-22T14:35:49+01:00", "Technical Support", 6, "Broadband is nowhere near the speed I pay for.",
     1, "", "en-GB"],
    ["MDL-3", "2026-06-25T00:34:08+01:00", "Billing", 9, "", 4, "", "en-GB"],
    ["MDL-4", "2026-06-10T11:07:35+01:00", "Billing", 7, None, 5, None, "en-GB"],
    ["MDL-5", "2026-06-20T10:02:10+01:00", "Technical Support", 4, "Wifi keeps dropping out every evening.", 2,
     "N/A", "en-GB"],
]  # fmt: skip


def _medallia(path):
    book = Workbook()
    book.active.title = "Responses"
    for row in [HEADER, *ROWS]:
        book.active.append(row)
    book.save(path)
    return path


def _read(path, columns=None):
    notes: list[str] = []
    respondents = Respondents()
    recs = [r for chunk in iter_file(path, columns, notes=notes, respondents=respondents) for r in chunk]
    return recs, notes, respondents.scores


@pytest.mark.parametrize(
    "columns",
    [None, ColumnMap(texts=("LTR Comment", "Improvement Comment")), ColumnMap(kind="survey")],
    ids=["detected", "text-cols", "kind-survey"],
)
def test_a_medallia_export_is_a_survey_whose_blank_comments_only_scored(tmp_path, columns):
    recs, notes, scores = _read(_medallia(tmp_path / "medallia_export.xlsx"), columns)
    assert [(r.source_id, r.text) for r in recs] == [
        ("MDL-1:LTR Comment", "Third missed engineer visit in a row."),
        ("MDL-1:Improvement Comment", "Compensate people for missed appointments."),
        ("MDL-2:LTR Comment", "Broadband is nowhere near the speed I pay for."),
        ("MDL-5:LTR Comment", "Wifi keeps dropping out every evening."),
    ]  # fmt: skip: the ids --text-col gave each column's answer before
    assert {(r.kind, r.rating_scale) for r in recs} == {("survey", "nps")} and recs[0].rating_raw == 5
    assert recs[0].meta == {"response_id": "MDL-1", "question_id": "LTR Comment", "question": "LTR Comment",
                            "Touchpoint": "Installation", "Overall Satisfaction": 2, "Language": "en-GB"}  # fmt: skip
    assert [(s.response_id, s.rating_raw) for s in scores] == [("MDL-3", 9), ("MDL-4", 7)]  # counted in the NPS
    assert notes[0] == (
        "survey export (one row per respondent): mining 2 open-text questions: LTR Comment, Improvement Comment; "
        "rating Likelihood to Recommend (nps), date Response Date, id Survey ID; kept with each answer, not mined: "
        "Touchpoint, Overall Satisfaction (another score, not read as the rating: name it with --rating-col to read "
        "it instead), Language"
    )
    assert "fill it in" not in " ".join(notes) and "2 respondents answered no open-text question" in notes[-1]


def test_the_other_score_is_read_when_named_and_a_review_or_ticket_export_stays_a_table(tmp_path):
    recs, notes, _ = _read(_medallia(tmp_path / "m.xlsx"), ColumnMap(rating="Overall Satisfaction"))
    assert recs[0].rating_scale == "csat5" and recs[0].rating_raw == 2
    assert "Likelihood to Recommend (another score" in notes[0]
    plain = tmp_path / "tickets.csv"
    plain.write_text("ticket_id,subject,body,csat\nT-1,Late,My parcel is late.,1\nT-2,Lost,,2\n", encoding="utf-8")
    recs, notes, _ = _read(plain)  # a helpdesk's tickets with their CSAT: no survey, the title-only ticket kept
    assert [(r.title, r.text) for r in recs] == [("Late", "My parcel is late."), ("Lost", "Lost")]
    assert notes[0].startswith("columns: text 'body', title 'subject', rating 'csat' (csat5)")
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("id,rating,review\n1,2,Cold food.\n2,5,\n", encoding="utf-8")
    with pytest.raises(InputError, match="the text is empty"):  # stars: no survey score
        _read(reviews)
    recs, notes, scores = _read(reviews, ColumnMap(kind="survey"))  # unless --kind survey says so
    assert [(r.source_id, r.kind, r.rating_raw) for r in recs] == [("1", "survey", 2)]
    assert [s.rating_raw for s in scores] == [5] and notes[0].startswith("survey export (one row per respondent)")
