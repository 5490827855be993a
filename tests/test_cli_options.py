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
