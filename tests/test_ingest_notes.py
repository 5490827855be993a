"""What `mine` says about each file: the columns it chose, what it left out, and the files a folder held that it
does not read."""

from __future__ import annotations

import pytest

from miner.cli.notes import note_skipped
from miner.errors import InputError
from miner.ingest import discover, iter_file
from miner.pipeline.imports import import_files
from miner.progress import Progress
from miner.segment.rules import RuleSegmenter
from miner.store import open_db


class Notes(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, message: str) -> None:
        self.lines.append(message)


def test_mine_names_the_files_a_folder_held_that_it_does_not_read(tmp_path):
    (tmp_path / "a.csv").write_text("id,review\n1,The courier was late again\n")
    (tmp_path / ".hidden.csv").write_text("id,review\n1,The courier was late again\n")
    (tmp_path / "~$book.xlsx").write_bytes(b"\x05Alice")
    skipped: list = []
    discover([tmp_path], skipped)
    notes = Notes()
    note_skipped(skipped, notes, redact=False)
    assert notes.lines == [f"{tmp_path / '.hidden.csv'}: not read (hidden)",
                           f"{tmp_path / '~$book.xlsx'}: not read (an Excel lock file)"]  # fmt: skip


def test_mine_says_which_columns_it_chose_and_which_it_found_none_for(tmp_path):
    path = tmp_path / "nps.csv"
    path.write_text("id,rating,customer_comment\nS1,2,Still no reply.\nS2,5,Quick and friendly.\n")
    notes: list[str] = []
    assert len([r for chunk in iter_file(path, notes=notes) for r in chunk]) == 2
    assert notes == [
        "columns: text 'customer_comment', rating 'rating' (stars5), id 'id'; no date column found (name one with "
        "--date-col)"
    ]


def test_mine_names_the_other_columns_it_keeps_for_filters(tmp_path):
    """An app-store export's 'Market' and 'appVersion' were kept with each item, for --where and top --by, but only
    a survey's note said so: the analyst learnt it from the docs, or never."""
    path = tmp_path / "app.csv"
    path.write_text("review_id,score,at,content,replyContent,appVersion,Market,empty\n"
                    "r1,1,2026-11-02,The app crashes on my bill,Sorry to hear that,5.2.1,UK,\n"
                    "r2,5,2026-11-03,Great app,,5.2.0,DE,\n")  # fmt: skip
    notes: list[str] = []
    list(iter_file(path, notes=notes))
    assert notes[-1] == ("kept with each item, not mined: 'replyContent', 'appVersion', 'Market' (filter on one with "
                         "--where COLUMN=VALUE, or compare its values with top --by COLUMN)")  # fmt: skip
    bare = tmp_path / "bare.csv"
    bare.write_text("id,text\n1,The courier was late\n")
    notes = []
    list(iter_file(bare, notes=notes))
    assert not [n for n in notes if "kept with each item" in n]


def test_rows_repeating_an_id_are_counted_and_the_import_says_so(tmp_path):
    path = tmp_path / "chat.csv"  # no column says who speaks: the repeats are dropped, and the import says so
    lines = ["c1,2026-03-01 10:00,My parcel never came", "c1,2026-03-01 10:01,Sorry to hear that",
             "c1,2026-03-01 10:02,It was due on Monday", "c2,2026-03-01 11:00,Refund please",
             "c2,2026-03-01 11:01,Done"]  # fmt: skip
    path.write_text("conversation_id,timestamp,text\n" + "\n".join(lines) + "\n")
    notes = Notes()
    [result] = import_files(open_db(memory=True), [path], RuleSegmenter(), None, progress=notes)
    assert (result.rows, result.added) == (5, 2)
    assert notes.lines[0].startswith("chat.csv: columns: text 'text', date 'timestamp', id 'conversation_id'; no rat")
    assert notes.lines[1].startswith("chat.csv: 3 rows repeat an id ('conversation_id') of an earlier row in the file")
    assert "one message of a conversation" in notes.lines[1] and "--id-col" in notes.lines[1]


def test_the_joined_rows_note_counts_what_was_stored_and_says_what_was_skipped(tmp_path):
    """The note "6 message rows joined into 4 conversations" was said of a file whose row of 5 fields had been counted a
    conversation of its own, beside "3 rows, 3 new"; a conversation skipped for its date was counted as joined."""
    path = tmp_path / "msgs.csv"
    lines = ["A,2026-03-01T10:00,customer,The parcel never came", "A,2026-03-01T10:01,agent,Checking",
             "B,2026-03-01T11:00,customer,Checkout fails", "C,2026-03-01T12:00,customer,Extra field,oops",
             "C,2026-03-01T12:01,agent,Sorry", "D,2286-11-20T17:46,customer,Refund took weeks"]  # fmt: skip
    path.write_text("conversation_id,timestamp,speaker,text\n" + "\n".join(lines) + "\n")
    notes = Notes()
    [result] = import_files(open_db(memory=True), [path], RuleSegmenter(), None, on_error="skip", progress=notes)
    assert (result.rows, result.skipped) == (3, 2)
    assert "msgs.csv: 5 message rows joined into 4 conversations, 1 of them skipped; 1 message row skipped" in (
        notes.lines
    ), notes.lines


def test_a_chat_export_with_a_row_per_message_is_read_as_one_transcript_per_conversation(tmp_path):
    path = tmp_path / "chat.csv"  # sorted by time: c2 comes between c1's messages, as a live-chat log lists them
    lines = ["c1,2026-03-01 10:00,customer,Hi,", "c1,2026-03-01 10:01,customer,My parcel never came,",
             "c2,2026-03-01 10:01,Customer,Refund please,", "c1,2026-03-01 10:02,agent,Sorry to hear that,",
             "c2,2026-03-01 10:02,bot,Done,", "c1,2026-03-01 10:03,customer,It was due on Monday,2"]  # fmt: skip
    path.write_text("conversation_id,timestamp,speaker,text,csat\n" + "\n".join(lines) + "\n")
    notes = Notes()
    db = open_db(memory=True)
    [result] = import_files(db, [path], RuleSegmenter(), None, progress=notes)
    assert (result.rows, result.added) == (2, 2)
    assert "one row per message" in notes.lines[1] and "'speaker' saying who speaks" in notes.lines[1]
    assert not any("dropped" in line for line in notes.lines)
    assert "chat.csv: 6 message rows joined into 2 conversations" in notes.lines  # mine's "2 rows" counts these
    docs = {d["source_id"]: d for d in db.query("SELECT * FROM documents")}
    assert docs["c1"]["kind"] == "transcript" and docs["c1"]["date"].startswith("2026-03-01T10:00")
    assert docs["c1"]["rating_raw"] == 2  # the rating given on the conversation's last message
    # only the customer's words are mined, the greeting dropped; the agent's and the bot's stay in the stored text
    segments = [r[0] for r in db.execute("SELECT text FROM segments ORDER BY id")]
    assert segments == ["My parcel never came", "It was due on Monday", "Refund please"]
    assert "Agent: Sorry to hear that" in docs["c1"]["text"] and "Agent: Done" in docs["c2"]["text"]


def test_a_conversation_resuming_after_the_window_is_counted_not_joined(tmp_path, monkeypatch):
    from miner.ingest import messages

    monkeypatch.setattr(messages, "OPEN_ROWS", 3)  # a conversation idle for 3 rows is taken as finished
    path = tmp_path / "chat.csv"
    lines = ["c1,customer,My parcel never came", "c2,customer,Refund please", "c3,customer,Rude driver",
             "c4,customer,Cold food", "c5,customer,App crashed", "c1,customer,Still nothing"]  # fmt: skip
    path.write_text("conversation_id,speaker,text\n" + "\n".join(lines) + "\n")
    notes = Notes()
    db = open_db(memory=True)
    [result] = import_files(db, [path], RuleSegmenter(), None, progress=notes)
    assert (result.rows, result.added) == (6, 5)  # c1's late message would be a second c1: it is dropped
    assert any(line.startswith("chat.csv: 1 run of messages came over 3 rows after") for line in notes.lines)
    assert db.execute("SELECT text FROM documents WHERE source_id = 'c1'").fetchone()[0] == (
        "Customer: My parcel never came"
    )


def test_a_text_file_gets_no_note_on_columns_it_cannot_have(tmp_path):
    """A .txt has no columns: 'no rating column found (name one with --rating-col)' pointed at an option it cannot
    use."""
    path = tmp_path / "notes.txt"
    path.write_text("The delivery was late.\n---\nThe website hides the fees.\n")
    notes: list[str] = []
    assert len([r for chunk in iter_file(path, notes=notes) for r in chunk]) == 2
    assert not [n for n in notes if "column" in n]


def test_rows_left_out_under_skip_are_not_told_to_pass_skip(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text,rating\n1,the driver was late,3\n2,,4\n3,cold food,lots\n4,a,b,c\n")
    rejected: list = []
    kept = [r for chunk in iter_file(path, on_error="skip", rejected=rejected) for r in chunk]
    assert len(kept) == 1 and len(rejected) == 3
    messages = [str(err) for err in rejected]
    assert not [m for m in messages if "--on-error" in m], messages
    assert "line 3, field 'text': the text is empty (fill it in)" in messages[0]
    with pytest.raises(InputError, match="or pass --on-error skip"):  # where the option helps, it is still named
        list(iter_file(path))


def test_a_count_of_one_is_singular_and_a_long_name_keeps_its_extension(tmp_path):
    from miner.progress import LABEL_WIDTH, label
    from miner.segment.scripts import unread_notes
    from miner.store.documents import ImportResult

    assert ImportResult("a.csv", 1, 1).summary() == "a.csv: 1 row, 1 new"
    assert ImportResult("a.csv", 1200, 0).summary() == "a.csv: 1,200 rows, 0 new"
    note = unread_notes("a.csv", 0, 1)[0]
    assert note.startswith("a.csv: 1 item has no English words")
    assert note.endswith("; it still counts in the run's items and its complaint rate")
    # on a terminal; was cut to 'Importing new_export.c'
    assert label("Importing", "new_export.csv").short == "Importing new_exp….csv"
    assert label("Importing", "a.csv").short == label("Importing", "a.csv") == "Importing a.csv"
    assert len(label("Reading", "reviews_of_november_2026.xlsx").short) == LABEL_WIDTH


def test_off_a_terminal_the_progress_line_names_the_whole_file(capsys):
    """Under cron, four nights' files printed 'Importing chats….jsonl done in 5.3 s' alike: grep on a file's name
    (nightly.md) found none of its lines."""
    from miner.progress import RichProgress, label

    progress = RichProgress()
    assert not progress.console.is_terminal  # captured, as a log file is
    with progress.stage(label("Importing", "chats-2026-03-02.jsonl")):
        pass
    said = capsys.readouterr().err
    assert said.startswith("Importing chats-2026-03-02.jsonl done in ") and "…" not in said


def test_an_import_says_the_size_it_read_not_a_bare_count(tmp_path, capsys):
    """'Importing nps.csv 2,566 done in 12.0 s' for a survey of 30 answers: the count was the file's bytes, read as
    rows. A stage counted in bytes says the size it read; one counted in items keeps its count."""
    from miner.pipeline.imports import import_files
    from miner.progress import RichProgress
    from miner.segment.rules import RuleSegmenter
    from miner.store import open_db

    path = tmp_path / "nps.csv"
    path.write_text("id,text\n" + "".join(f"r{i},The delivery was late again for order {i}\n" for i in range(60)))
    progress = RichProgress()
    import_files(open_db(tmp_path / "t.db"), [path], RuleSegmenter(), None, progress=progress)
    with progress.stage("Mapping", 3) as advance:
        advance(3)
    said = capsys.readouterr().err
    size = path.stat().st_size
    assert f"{size:,}" not in said and f"{size / 1000:.1f} kB read in " in said, said
    assert "Mapping" in said and " 3 done in " in said


def test_a_row_repeating_an_id_in_other_words_is_named_by_its_line_and_the_earlier_ones(tmp_path):
    """The note "1 row repeats an id ('id') of an earlier row in the file and was dropped" named no line: in a file of
    thousands the user could not find the row whose text was lost ("Refund never came"), nor tell it from a copy."""
    path = tmp_path / "dup.csv"
    path.write_text("id,text,date\n1,The app crashed twice,2026-03-01\n2,Delivery was late,2026-03-02\n"
                    "1,Refund never came,2026-03-03\n2,Delivery was late,2026-03-02\n")  # fmt: skip
    notes = Notes()
    [result] = import_files(open_db(memory=True), [path], RuleSegmenter(), None, progress=notes)
    assert (result.rows, result.added) == (4, 2)
    other, copy = notes.lines[1:]
    assert other.startswith("dup.csv: 1 row repeats an id ('id') of an earlier row in the file with other text and "
                            "was dropped, its text not stored: line 4 repeats id '1' of line 2; to keep it, name a "
                            "column unique to each row with --id-col or give each row an id of its own")  # fmt: skip
    assert copy.startswith("dup.csv: 1 row repeats the id ('id') and text of an earlier row in the file and was "
                           "dropped as a copy: line 5 repeats id '2' of line 3;")  # fmt: skip


def test_many_repeated_ids_name_the_first_few_and_count_the_rest(tmp_path):
    path = tmp_path / "many.csv"  # a quoted field over two lines: the rows after it start a line further down
    rows = ['1,"The app crashed\ntwice"', *(f"{i % 2 + 1},Complaint number {i}" for i in range(2, 9))]
    path.write_text("id,text\n" + "\n".join(rows) + "\n")
    notes: list[str] = []
    assert len([r for chunk in iter_file(path, notes=notes) for r in chunk]) == 8
    assert notes[1].startswith("6 rows repeat an id ('id') of an earlier row in the file with other text and were "
                               "dropped, their text not stored: line 4 repeats id '1' of line 2, line 6 repeats id '1' "
                               "of line 2, line 7 repeats id '2' of line 5 and 3 more; to keep them")  # fmt: skip


def test_an_id_that_names_a_customer_is_shown_as_its_token(tmp_path):
    path = tmp_path / "by_email.csv"
    path.write_text("id,text\njane.doe@example.com,The app crashed\njane.doe@example.com,The refund never came\n")
    notes: list[str] = []
    list(iter_file(path, notes=notes))
    assert "line 3 repeats id '<EMAIL:" in notes[1] and "jane.doe" not in notes[1]


def test_a_file_whose_rows_were_all_stored_before_no_longer_says_to_name_a_date_column(tmp_path):
    """Read again by a nightly `--incremental`, a file that added nothing still said "no date column found (name
    one with --date-col)": named then, its stored items stay undated (or, without ids, the file is refused)."""
    path = tmp_path / "r.csv"
    path.write_text("id,comment\n1,The driver was late.\n2,The app crashed.\n", encoding="utf-8")
    db, said = open_db(memory=True), []
    for _ in range(2):
        notes = Notes()
        import_files(db, [path], RuleSegmenter(), None, progress=notes)
        said.append(notes.lines[0])
    assert said[0].endswith("no date column found (name one with --date-col)")
    assert said[1].endswith("no date column found (its rows were all stored before: a --date-col now would not date "
                            "them)")  # fmt: skip
    assert "no rating column found (name one with --rating-col)" in said[1]  # a rating still fills stored items


def test_a_conversation_exports_id_is_named_by_the_files_own_field(tmp_path):
    """A chat JSONL keyed by 'conversation_id' was said to have "id 'id'", a column the file does not hold (the
    reader's own, made from it)."""
    import json

    turns = [{"role": "customer", "text": "My parcel never came."}, {"role": "agent", "text": "Sorry, checking."}]
    path = tmp_path / "chats.jsonl"
    lines = [{"conversation_id": f"c-{i}", "created_at": "2026-03-02", "messages": turns} for i in (1, 2, 1)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    notes: list[str] = []
    recs = [r for chunk in iter_file(path, notes=notes) for r in chunk]
    assert [r.source_id for r in recs] == ["c-1", "c-2", "c-1"]  # the third is dropped as it is stored
    assert notes[0].startswith("columns: text 'text', date 'created_at', id 'conversation_id'; "), notes
    assert "the id ('conversation_id') and text of an earlier row" in notes[1]
    tickets = tmp_path / "tickets.json"
    tickets.write_text(json.dumps([{"id": 7, "comments": [{"author_role": "end-user", "body": "Refund late."}]}]))
    notes = []
    list(iter_file(tickets, notes=notes))
    assert "id 'id'" in notes[0]  # where the record's field is 'id', it is said so


def test_the_columns_read_are_given_by_role_for_the_api(tmp_path):
    """POST /v1/datasets' files[].columns: a survey's open-text questions and score by their headers, a .txt none."""
    survey = tmp_path / "nps.csv"
    header = "Response ID,Date,How likely are you to recommend us? (0-10),What is the main reason for your score?,Zone"
    survey.write_text(f"{header}\nR1,2026-09-01,2,Broadband drops every evening,North\nR2,2026-09-02,9,Fast,South\n")
    chosen: dict = {}
    list(iter_file(survey, chosen=chosen))
    assert chosen["text"] == ["What is the main reason for your score?"] and chosen["rating_scale"] == "nps", chosen
    assert (chosen["date"], chosen["id"]) == ("Date", "Response ID") and "Zone" in chosen["kept"], chosen
    plain = tmp_path / "notes.txt"
    plain.write_text("The courier was late again.\n")
    chosen = {}
    list(iter_file(plain, chosen=chosen))
    assert chosen == {}
