import json

import pytest

from miner.errors import InputError
from miner.ingest import ColumnMap, discover, read_file
from miner.ingest.ratings import normalise
from miner.ingest.transcripts import parse_transcript


def test_csv_columns_are_detected(data_dir):
    recs = read_file(data_dir / "reviews_small.csv")
    assert len(recs) == 5
    first = recs[0]
    assert first.source_id == "A1" and first.title == "Awful" and first.kind == "review"
    assert first.rating_raw == 1 and first.rating == 0.0 and first.rating_scale == "stars5"
    assert first.date.startswith("2026-01-03")
    assert "charged twice" in first.text


def test_jsonl_transcripts_keep_speakers(data_dir):
    recs = read_file(data_dir / "chats_small.jsonl")
    assert [r.kind for r in recs] == ["transcript", "transcript"]
    assert recs[0].source_id == "C1"
    mined = recs[0].mined_text()
    assert [s for s, _ in mined] == ["customer"]  # the closing "thanks" is boilerplate, not mined
    assert "charged twice" in mined[0][1]
    assert recs[0].meta["outcome"] == "resolved"  # "I have refunded the duplicate"


def test_json_object_with_records_key(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps(
            {
                "meta": {"n": 2},
                "records": [
                    {"id": 1, "comment": "The app keeps crashing", "nps": 3, "created_at": "2026-03-01"},
                    {"id": 2, "comment": "Love it", "nps": 10, "created_at": "2026-03-02"},
                ],
            }
        )
    )
    recs = read_file(path)
    assert [r.text for r in recs] == ["The app keeps crashing", "Love it"]
    assert recs[0].rating_scale == "nps" and recs[1].rating == 1.0


def test_overrides_pick_columns(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("a,b,c\nx1,Delivery was late again,2\nx2,Fine,5\n")
    recs = read_file(path, ColumnMap(text="b", id="a", rating="c", kind="survey"))
    assert recs[0].source_id == "x1" and recs[0].kind == "survey" and recs[0].rating_raw == 2


def test_missing_text_column_is_one_clear_sentence(tmp_path):
    path = tmp_path / "nums.csv"
    path.write_text("id,rating\n1,5\n2,3\n")
    with pytest.raises(InputError) as err:
        read_file(path)
    assert "nums.csv" in str(err.value) and "no text column" in str(err.value) and "--text-col" in str(err.value)


def test_unknown_override_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,text\n1,hello there\n")
    with pytest.raises(InputError, match="there is no column 'body'"):
        read_file(path, ColumnMap(text="body"))


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "oops"\n')
    with pytest.raises(InputError, match=r"broken.jsonl, line 2: broken JSON"):
        read_file(path)


def test_a_broken_jsonl_line_is_skipped_with_on_error_skip(tmp_path):
    """--on-error skip left a CSV row with too many fields out but not a broken JSONL line: the whole mine stopped
    (exit 2), the good file beside it rolled back too."""
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "The parcel came late"}\n{"text": "cut off\n[1, 2]\n{"text": "The app froze"}\n')
    records = read_file(path, on_error="skip")
    assert [r.text for r in records] == ["The parcel came late", "The app froze"]
    assert records[0].meta["_rejected"] == [
        f"{path}, line 2: broken JSON (Unterminated string starting at column 10) (fix or remove that line)",
        f"{path}, line 3: the line is not a JSON object (one object per line)",
    ]
    with pytest.raises(InputError, match=r"mixed.jsonl, line 2: broken JSON .*\(fix or remove that line\)"):
        read_file(path)  # without the option, the first bad line stops it as before
    path.write_text('{"text": "cut off\n')
    with pytest.raises(InputError, match=r"line 1: broken JSON"):
        read_file(path, on_error="skip")  # nothing to keep: the error itself, not "no usable rows"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        read_file(path)


def test_wrong_field_count_names_the_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,text\n1,fine\n2,too,many,fields\n")
    with pytest.raises(InputError, match=r"ragged.csv, line 3: the row has 4 fields"):
        read_file(path)


def test_bad_date_names_row_and_field(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("id,date,text\n1,2026-01-01,late again\n2,not a date,cold food\n")
    with pytest.raises(InputError, match=r"dates.csv, line 3, field 'date'"):
        read_file(path)


def test_empty_text_fails_or_skips(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("id,text\n1,late again\n2,\n")
    with pytest.raises(InputError, match=r"line 3, field 'text': the text is empty"):
        read_file(path)
    assert [r.text for r in read_file(path, on_error="skip")] == ["late again"]


def test_a_title_only_review_is_mined_as_its_text(tmp_path):
    path = tmp_path / "titles.csv"
    path.write_text("review_id,rating,title,review\nR1,1,Driver refused to come up,\nR2,,,\n")
    recs = read_file(path, on_error="skip")
    assert [(r.source_id, r.text) for r in recs] == [("R1", "Driver refused to come up")]
    assert recs[0].mined_text() == [(None, "Driver refused to come up")]  # once, not as title and text
    assert "field 'review': the text is empty" in recs[0].meta["_rejected"][0]  # no title, no text: still refused


def test_cp1252_file_is_read(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("id,text\n1,Caf\xe9 food was cold \x96 again\n".encode("latin-1"))
    assert "Café" in read_file(path)[0].text


def test_discover_skips_readme_and_reports_missing(tmp_path, data_dir):
    (tmp_path / "README.md").write_text("x")
    (tmp_path / "a.csv").write_text("text\nhello world\n")
    assert [p.name for p in discover([tmp_path])] == ["a.csv"]
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "nope.csv"])


def test_markup_transcripts():
    turns = parse_transcript("<cust__  __company__ my bag is lost __cust> <rep__ __cust__ Sorry! DM us __rep>")
    assert [(t.speaker, t.text) for t in turns] == [("customer", "my bag is lost"), ("agent", "Sorry! DM us")]


def test_rating_scales():
    assert normalise(3, "stars5") == 0.5
    assert normalise(0, "nps") == 0.0 and normalise(7, "csat7") == 1.0


def test_a_customer_comment_column_beats_the_agents_longer_notes(tmp_path):
    path = tmp_path / "nps.csv"
    notes = "Customer contacted regarding their order; explained our policy at length and offered a voucher."
    rows = [f"S{i},2025-11-0{i} 11:34,{i},{text},{notes}" for i, text in enumerate(["Still no reply.", "Nothing."], 1)]
    path.write_text("id,created_at,nps,customer_comment,agent_notes\n" + "\n".join(rows) + "\n")
    recs = read_file(path)
    assert [r.text for r in recs] == ["Still no reply.", "Nothing."] and recs[0].meta["agent_notes"] == notes
    # With no column named for text, agents' or internal notes are still never taken for the customer's words
    path.write_text("id,internal_notes,what_happened\n1," + notes + ",the courier never came and nobody called back\n")
    assert read_file(path)[0].text == "the courier never came and nobody called back"
