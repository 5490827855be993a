"""Each export shape in tests/data/exports/ is recognised with no column flags."""

import json
from pathlib import Path

import pytest

from miner.ingest import discover, read_file
from miner.ingest.transcripts import parse_transcript

EXPORTS = "exports"


def _read(data_dir, name):
    return read_file(data_dir / EXPORTS / name)


def test_every_sample_export_reads_with_no_flags(data_dir):
    files = discover([data_dir / EXPORTS])
    assert len(files) == 10
    for path in files:
        assert read_file(path), path


def test_app_store_connect_reviews_json(data_dir):
    recs = _read(data_dir, "appstore_reviews.json")
    first = recs[0]
    assert len(recs) == 4 and first.kind == "review"
    assert first.source_id.endswith("0001") and first.rating_raw == 1 and first.rating_scale == "stars5"
    assert first.title == "Delivery fee only shown at the very end" and first.date.startswith("2026-02-03")
    assert first.meta["reviewerNickname"] == "hungryinleeds"


def test_google_play_export_in_utf16(data_dir):
    path = data_dir / EXPORTS / "googleplay_reviews_202602.csv"
    assert path.read_bytes()[:2] == b"\xff\xfe"  # Play Console writes UTF-16 with a BOM
    recs = read_file(path)
    assert [r.rating_raw for r in recs] == [1, 2, 5, 3]
    assert recs[2].text.startswith("Café orders") and recs[0].date == "2026-02-01T10:15:44+00:00"
    assert "Developer Reply Text" in recs[0].meta  # the developer's reply is context, not the text


def test_trustpilot_with_multiline_quoted_fields(data_dir):
    recs = _read(data_dir, "trustpilot_reviews.csv")
    assert [r.rating_raw for r in recs] == [2, 1, 5, 1]
    assert "\nNot on the restaurant page" in recs[0].text and '"service fee"' in recs[0].text
    assert recs[0].title == "Hidden charges" and recs[0].source_id == "65f1a2b3c4d5e6f708090a01"
    assert [r.line for r in recs] == [2, 4, 5, 6]  # where each review starts, multi-line fields counted
    assert recs[0].meta["Company Reply Content"].startswith("Hi, thanks")


def test_google_business_reviews_star_words(data_dir):
    recs = _read(data_dir, "google_business_reviews.json")
    assert [r.rating_raw for r in recs] == [2, 5, 1]
    assert recs[0].text.startswith("Collection point") and recs[1].meta["reviewReply.comment"]
    assert recs[0].date.startswith("2026-01-21T17:02:11")


def test_amazon_reviews_mine_title_and_body(data_dir):
    recs = _read(data_dir, "amazon_reviews.tsv")
    first = recs[1]
    assert first.title == "Arrived crushed" and first.rating_raw == 1 and first.source_id == "R2B7LW8N4AAB02"
    assert [t for _, t in first.mined_text()] == ["Arrived crushed", first.text]
    assert first.meta["product_title"].startswith("ThermoBox")


def test_qualtrics_one_record_per_open_answer(data_dir):
    recs = _read(data_dir, "qualtrics_survey.csv")
    assert len(recs) == 6 and {r.kind for r in recs} == {"survey"}
    first = recs[0]
    assert first.source_id == "R_1a2B3c4D5e6F7g8:QID2_TEXT" and first.line == 4
    assert first.meta["question"] == "What is the main reason for your score?"
    assert first.rating_scale == "nps" and first.rating_raw == 3 and first.rating == 0.3
    assert recs[1].meta["question_id"] == "QID4_TEXT" and recs[1].text == "Show the fees on the menu page."
    assert "Website" not in {r.text for r in recs}  # a multiple-choice answer is not mined
    assert "saved cards page" in recs[3].text  # a multi-line answer
    assert all("81.2.69" not in str(r.meta) for r in recs)  # IP addresses are left behind


def test_surveymonkey_two_header_rows(data_dir):
    recs = _read(data_dir, "surveymonkey_survey.csv")
    assert len(recs) == 6
    assert recs[0].source_id == "114230987651:Q11" and recs[0].rating_scale == "csat5" and recs[0].rating_raw == 2
    assert recs[0].meta["question"] == "What went well or badly with your delivery?"
    assert recs[1].meta["question"] == "Is there anything else you would like to tell us?"
    assert recs[0].date == "2026-03-10T20:05:40"
    assert not any(r.text in ("App", "Website", "Phone") for r in recs)


def test_zendesk_tickets_with_author_roles(data_dir):
    recs = _read(data_dir, "zendesk_tickets.jsonl")
    first, second = recs
    assert first.kind == "transcript" and first.source_id == "50211" and first.title.startswith("Charged twice")
    mined = [t for _, t in first.mined_text()]
    assert len(mined) == 1 and mined[0].startswith("I was charged twice")  # "Hello," and "Thank you!" dropped
    assert any("Internal" in t.text and t.speaker == "agent" for t in first.turns)  # private note = context
    assert first.meta["outcome"] == "resolved" and first.meta["satisfaction_rating"] == "bad"
    assert second.meta["outcome"] == "escalated"
    assert [t.speaker for t in second.turns] == ["customer", "agent"]  # roles from requester_id; "ok" dropped


def test_a_ticket_or_case_id_is_the_items_id(tmp_path):
    comments = [{"author_role": "end-user", "body": "I was charged twice for one order"}]
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([{"ticket_id": 7781, "subject": "Charged twice", "comments": comments}]))
    assert read_file(path)[0].source_id == "7781"
    path = tmp_path / "cases.csv"
    path.write_text("case_id,account_id,text\nC-9,A-1,The courier never came\n")
    assert read_file(path)[0].source_id == "C-9"  # not the account's id, which ends in _id too


def test_a_zendesk_end_user_role_is_the_customer_s_however_it_is_spelt(tmp_path):
    roles = ["end-user", "End user", "END_USER", "agent"]
    comments = [{"author_role": role, "body": f"The courier lost parcel {i} again."} for i, role in enumerate(roles)]
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([{"id": 1, "comments": comments}]))
    assert [t.speaker for t in read_file(path)[0].turns] == ["customer", "customer", "customer", "agent"]


def test_intercom_conversation_parts(data_dir):
    recs = _read(data_dir, "intercom_conversations.json")
    first, second = recs
    assert first.kind == "transcript" and first.rating_raw == 2 and first.date.startswith("2026-02-13")
    assert [t for _, t in first.mined_text()] == [
        "The promo code WELCOME10 says invalid at checkout but the email says it's valid until Sunday."
    ]
    assert "£5 credit" in first.text and "<p>" not in first.text
    assert second.title == "Allergy information" and second.meta["outcome"] == "escalated"
    assert [t.speaker for t in second.turns] == ["customer", "agent", "agent"]


def test_chat_log_with_speaker_prefixes(data_dir):
    recs = _read(data_dir, "chat_log.txt")
    assert [r.source_id for r in recs] == ["chat_log#1", "chat_log#2"] and [r.line for r in recs] == [1, 9]
    mined = [t for _, t in recs[0].mined_text()]
    assert mined == [
        "I ordered at 17:15 and the app still says preparing. It said 30 minutes.",
        "Why didn't the app tell me that before I paid?",
    ]
    assert recs[0].meta["outcome"] == "escalated" and recs[1].meta["outcome"] == "resolved"


@pytest.mark.parametrize(
    "stamp",
    ["2026-03-01 10:02 - {who}:", "[2026-03-01 10:02:13] {who}:", "{who} [10:02]:", "[10:02] {who}:",
     "10:02:13 {who}:", "2026-03-01T10:02:13 {who}:", "[10:02 PM] {who}:"],
)  # fmt: skip
def test_speaker_turns_with_time_stamps_in_common_formats(stamp):
    said = [("Customer", "My order is two hours late"), ("Agent", "I have escalated this to the kitchen")]
    text = "\n".join(f"{stamp.format(who=who)} {words}" for who, words in said)
    turns = parse_transcript(text)
    assert turns is not None and [(t.speaker, t.text) for t in turns] == [
        ("customer", "My order is two hours late"), ("agent", "I have escalated this to the kitchen")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "boilerplate"),
    [("hi", True), ("Thanks!", True), ("ok thanks", True), ("hello? anyone there?", True), ("ok but no refund", False)],
)
def test_boilerplate_turns(text, boilerplate):
    from miner.ingest.transcripts import is_boilerplate

    assert is_boilerplate(text) is boilerplate


def test_real_airline_conversations_customer_turns_only():
    path = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "raw" / "twcs_airline_conversations.csv"
    if not path.exists():
        pytest.skip("shared datasets absent")
    from miner.ingest import iter_file

    n = 0
    for chunk in iter_file(path):
        for rec in chunk:
            n += 1
            assert rec.kind == "transcript"
            assert all(s == "customer" for s, _ in rec.mined_text())
            assert not any("__rep>" in t or "<rep__" in t for _, t in rec.mined_text())
    assert n > 40_000


HEADER = "Timestamp,Email Address,How likely are you to recommend us? (0-10),What is the main reason for your score?"
FORM = (
    HEADER
    + """,Anything we could do better?
2026/02/01 9:00:00 AM GMT,u0@example.com,0,The courier never showed up and support ignored me,
2026/02/02 9:01:00 AM GMT,u1@example.com,9,Fast delivery and friendly drivers every time,More vegan options on the menu
2026/02/03 9:02:00 AM GMT,u2@example.com,3,Food arrived cold for the third time this month,Use insulated bags please
2026/02/04 9:03:00 AM GMT,u3@example.com,5,,
2026/02/05 9:04:00 AM GMT,u4@example.com,4,,Order arrived with missing items again
"""
)


def test_a_flat_form_export_is_one_item_per_open_answer(tmp_path):
    # Google Forms: the header is the questions. Only the first was mined, and S004's answer to the second was
    # refused with its row (its first answer is empty)
    (tmp_path / "form.csv").write_text(FORM, encoding="utf-8")
    recs = read_file(tmp_path / "form.csv")
    assert [r.text for r in recs] == [
        "The courier never showed up and support ignored me", "Fast delivery and friendly drivers every time",
        "More vegan options on the menu", "Food arrived cold for the third time this month",
        "Use insulated bags please", "Order arrived with missing items again",
    ]  # fmt: skip
    assert {r.kind for r in recs} == {"survey"} and [r.rating_raw for r in recs] == [0, 9, 9, 3, 3, 4]
    assert recs[-1].meta["question"] == "Anything we could do better?" and recs[-1].date == "2026-02-05T09:04:00+00:00"
    assert not any("@" in json.dumps(r.meta) for r in recs)  # the email column is no answer, and not kept


def test_text_col_naming_one_of_a_forms_questions_mines_that_one(tmp_path):
    from miner.ingest import ColumnMap

    (tmp_path / "form.csv").write_text(FORM, encoding="utf-8")
    recs = read_file(tmp_path / "form.csv", ColumnMap(text="Anything we could do better?"))  # "no column" before
    assert [r.text for r in recs] == [
        "More vegan options on the menu", "Use insulated bags please", "Order arrived with missing items again"
    ]  # fmt: skip


def test_one_open_question_or_review_columns_stay_a_plain_table(tmp_path):
    one = "\n".join(line.rsplit(",", 1)[0] for line in FORM.splitlines())  # without the second question
    (tmp_path / "one.csv").write_text(one, encoding="utf-8")
    assert len(read_file(tmp_path / "one.csv", on_error="skip")) == 3  # the empty answers: rows skipped, as before
    reviews = "Review title,Review text\nCold again and late,The food came an hour late and stone cold\n"
    reviews += "Rude courier on the phone,He shouted at me when I asked where the order was\n"
    (tmp_path / "reviews.csv").write_text(reviews, encoding="utf-8")
    [first, _] = read_file(tmp_path / "reviews.csv")
    assert first.title == "Cold again and late" and first.text.startswith("The food came")
