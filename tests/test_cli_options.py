"""A wrong option value is refused before anything is read or created, with status 2 and one sentence naming the
option (docs/guide/cli.md)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from miner.cli import app


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("id,text\n1,the driver was late again\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--embedding-model", "nosuch"], "--embedding-model nosuch: no such model; use compact, default"),
        (["--kind", "foo"], "--kind foo: use review, survey or transcript"),
        (["--limit", "0"], "--limit 0: give a count of 1 or more"),
    ],
)
def test_mine_refuses_a_bad_option_value_naming_the_option(tmp_path, small, option, words):
    """--embedding-model nosuch was taken for a Hugging Face hub name and failed with a message about the internet
    connection; --kind foo was refused while importing, naming the file; --limit 0 printed an empty table."""
    db = tmp_path / "t.db"
    result = CliRunner().invoke(app, ["mine", str(small), "--db", str(db), "--segmenter", "rules", *option])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert message.startswith(f"Error: {words}") and "internet" not in message and "small.csv" not in message
    assert not db.exists()


def test_a_folder_or_a_registered_name_is_an_embedding_model(tmp_path, small):
    """A folder is left to the sentence-transformers loader (which names what it lacks); a path that is a file is
    refused, saying a model is a folder."""
    from miner.cli.app import check_embedding_model

    check_embedding_model("fake")
    check_embedding_model(str(tmp_path))
    result = CliRunner().invoke(app, ["mine", str(small), "--db", str(tmp_path / "t.db"), "--embedding-model",
                                      str(small)])  # fmt: skip
    assert result.exit_code == 2 and "a folder holding a sentence-transformers model" in " ".join(result.output.split())


def test_eval_refuses_limit_0_which_meant_every_item(tmp_path):
    path = tmp_path / "ev.jsonl"
    path.write_text('{"id": "e1", "text": "late", "complaint": true, "gold": "delivery"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path), "--embedding-model", "fake", "--limit", "0"])
    assert result.exit_code == 2 and "--limit 0: give a count of 1 or more" in result.output


def test_mine_warns_that_files_of_one_name_in_two_folders_are_one_source(tmp_path):
    """f2/a/r.csv and f2/b/r.csv were both stored as source r.csv without a word: `--source r.csv` joined them and
    a row id of the second that the first held was dropped as already stored."""
    for folder, rows in (("a", "1,The driver was late.\n2,The app crashed."), ("b", "1,The website hides fees.")):
        (tmp_path / "f2" / folder).mkdir(parents=True)
        (tmp_path / "f2" / folder / "r.csv").write_text(f"id,text\n{rows}\n", encoding="utf-8")
    (tmp_path / "f2" / "b" / "other.csv").write_text("id,text\n1,Cold food.\n", encoding="utf-8")
    args = ["--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules", "--no-redact"]
    result = CliRunner().invoke(app, ["mine", str(tmp_path / "f2"), *args])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    a, b = tmp_path / "f2" / "a" / "r.csv", tmp_path / "f2" / "b" / "r.csv"
    assert f"warning: {a} and {b} are stored as one source, 'r.csv'" in said
    assert "rename them apart (a-r.csv, b-r.csv)" in said and "other.csv are stored" not in said


def test_the_warning_on_txt_files_of_one_name_does_not_say_a_row_is_kept_once(tmp_path):
    """A .txt file's id is its name, and another file of that name in other words is kept beside it: the warning
    said that its row would be kept once."""
    from types import SimpleNamespace

    from miner.cli.notes import note_same_names

    said: list[str] = []
    files = [tmp_path / "2026-01" / "calls.txt", tmp_path / "2026-02" / "calls.txt"]
    note_same_names(files, SimpleNamespace(note=said.append), redact=False)
    assert len(said) == 1 and "stored as one source, 'calls.txt'" in said[0] and "kept once" not in said[0]
    note_same_names([p.with_suffix(".csv") for p in files], SimpleNamespace(note=said.append), redact=False)
    assert "kept once" in said[1]


def test_json_out_holds_each_files_import_counts(tmp_path):
    """A nightly job read the top pain points and run totals from --json-out but not what the notes said of each
    file (rows, new, replaced, skipped, changed, unread items and their languages): `imports` holds them."""
    import json

    from tests.conftest import DATA

    first, out = tmp_path / "nightly.csv", tmp_path / "top.json"
    german = ("Hallo, ich habe die Rechnung zweimal bezahlt und das Geld ist immer noch nicht auf meinem Konto, das "
              "ist nicht in Ordnung")  # fmt: skip
    first.write_text(
        DATA.joinpath("reviews_small.csv").read_text() + f'G1,2026-01-20,1,,"{german}"\nB1,2026-01-21,,,\n'
    )
    later = ('review_id,date,rating,title,review\nA1,2026-01-03,1,Awful,"Another text for a stored id."\n'
             'N1,2026-02-01,1,Late,"The driver came an hour late."\n')  # fmt: skip
    common = ["--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules", "--no-redact"]
    result = CliRunner().invoke(app, ["mine", str(first), *common, "--on-error", "skip", "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{first}: 6 rows, 6 new, 1 skipped as unreadable" in result.output  # the file's line, not just the notes
    [night1] = json.loads(out.read_text())["imports"]
    assert night1 == {
        "file": str(first),
        "state": "imported",
        "rows": 6,
        "new": 6,
        "replaced": 0,
        "skipped": 1,
        "changed": 0,
        "diverged": 0,
        "edited": 0,
        "rated": 0,
        "respondents": None,
        "unread": {"other_script": 0, "other_language": 1, "languages": {"German": 1}, "no_words": 0},
    }
    first.write_text(later)  # the next night's export: one id stored with other text, one new row
    result = CliRunner().invoke(app, ["mine", str(first), *common, "--incremental", "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    top = json.loads(out.read_text())
    assert [(i["rows"], i["new"], i["changed"]) for i in top["imports"]] == [(2, 1, 1)]
    assert top["run"]["documents"] == 7 and top["touchpoints"]  # the rest of the JSON as before


def test_an_unwritable_json_out_is_refused_before_anything_is_mined(tmp_path, small):
    """--json-out logs/afile/out.json (logs/afile a regular file) failed with "File exists", exit 2, only once the
    run was committed: the job saw a failed night that had in fact been mined."""
    afile = tmp_path / "afile"
    afile.write_text("a log, not a folder\n")
    db = tmp_path / "t.db"
    args = ["mine", str(small), "--db", str(db), "--embedding-model", "fake", "--segmenter", "rules", "--json-out"]
    for out, words in ((afile / "out.json", f"{afile} is a file, not a folder"), (tmp_path, "is a folder")):
        result = CliRunner().invoke(app, [*args, str(out)])
        said = " ".join(result.output.split())
        assert result.exit_code == 2 and said.startswith(f"Error: --json-out {out}: ") and words in said, said
        assert "nothing was read or mined" in said and not db.exists()
    result = CliRunner().invoke(app, [*args, str(tmp_path / "new" / "dir" / "top.json")])
    assert result.exit_code == 0 and (tmp_path / "new" / "dir" / "top.json").exists()  # missing folders are made


def test_help_says_what_joins_rows_and_that_date_windows_leave_out_undated_feedback():
    """A speech-analytics lead set --kind transcript on a row-per-utterance export and expected it to join the rows;
    `top --since` counted fewer calls than mined, the undated ones, with nothing saying so."""
    mine = " ".join(CliRunner().invoke(app, ["mine", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "speaker column" in mine
    top = " ".join(CliRunner().invoke(app, ["top", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "undated feedback is left out" in top
