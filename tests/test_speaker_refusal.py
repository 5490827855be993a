"""The refusal of a speaker label that names no speaker of a file (`mine --agent-speaker`, the upload's
`agent_speaker`) names the roles, ids and domains the file holds, never a person's name from it: a Zendesk or
Intercom author's name, a transcript's "Sarah:". The error reaches the CLI, the API's answers and the control
database's job errors, which neither redaction nor `forget --customer` reads (miner/ingest/speakers.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlite_utils
from typer.testing import CliRunner

from api.testing import serve, wait_for_run
from miner.cli import app

# A ticket whose authors are named, as a Zendesk export writes them: the customer, a store manager answering through
# an end-user account, an agent, and a bot
ZENDESK = {
    "id": 4410,
    "requester_id": 100,
    "subject": "Refund",
    "comments": [
        {"author_id": 100, "author": {"name": "Priya Okafor", "role": "end-user", "email": "priya@buyer.org"},
         "body": "My refund never arrived after three weeks."},
        {"author_id": 205, "author": {"name": "Sam Store", "role": "end-user", "email": "sam@eu.acme.com"},
         "body": "The store issued it on Monday."},
        {"author_id": 7, "author": {"name": "Grace Hopper", "role": "admin", "email": "grace@acme.com"},
         "body": "I have chased finance and the refund is on its way."},
        {"author_id": 900, "author": {"name": "Answer Bot", "role": "end-user"}, "body": "These articles may help."},
    ],
}  # fmt: skip
INTERCOM = {
    "id": "c1",
    "source": {"body": "<p>The parcel was left in the rain.</p>",
               "author": {"type": "user", "id": "u1", "name": "Priya Okafor", "email": "priya@buyer.org"}},
    "conversation_parts": [
        {"part_type": "comment", "body": "<p>A replacement is booked for Friday.</p>",
         "author": {"type": "admin", "id": "a9", "name": "Grace Hopper", "email": "grace@acme.com"}},
    ],
}  # fmt: skip
NAMES = ("Priya", "Okafor", "Sam Store", "Grace", "Hopper")


def _refused(tmp_path, name: str, content: str, *options: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    mine = ["mine", str(path), "--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules"]
    done = CliRunner().invoke(app, [*mine, *options])
    assert done.exit_code == 2, done.output
    return " ".join(done.output.split())


@pytest.mark.parametrize(
    ("export", "held"),
    [
        (
            "zendesk",
            "'100', '205', '7', '900', 'admin', 'Answer Bot', 'end-user' and 3 that may be people's names "
            "(not shown); its authors write from '@acme.com', '@buyer.org', '@eu.acme.com'",
        ),
        (
            "intercom",
            "'a9', 'admin', 'u1', 'user' and 2 that may be people's names (not shown); its authors write "
            "from '@acme.com', '@buyer.org'",
        ),
    ],
)
def test_a_helpdesk_export_s_refusal_names_its_ids_roles_and_domains_but_no_author(tmp_path, export, held):
    content = json.dumps([ZENDESK] if export == "zendesk" else {"conversations": [INTERCOM]})
    said = _refused(tmp_path, f"{export}.json", content, "--agent-speaker", "Sam Stor")
    # the label given may be a name too: the option's only one, not quoted
    assert "--agent-speaker (a label that may be a person's name, not shown) names no speaker" in said, said
    assert f"the speakers it holds are {held}" in said, said
    assert not [name for name in (*NAMES, "Sam Stor") if name in said], said


def test_a_transcript_s_refusal_names_its_roles_but_no_speaker_named_by_name(tmp_path):
    lines = ["Rep: Hello, you're through to Acme.", "Customer: My refund never arrived.", "Sarah: I supervise here.",
             "Customer: It has been three weeks.", "Sarah: Let me look."]  # fmt: skip
    said = _refused(tmp_path, "chat.txt", "\n".join(lines) + "\n", "--agent-speaker", "Rep", "--agent-speaker", "Sara")
    assert "--agent-speaker (the 2nd given, a label that may be a person's name, not shown) names no speaker" in said
    assert "the speakers it holds are 'Customer', 'Rep' and 1 that may be a person's name (not shown)" in said, said
    assert "Sarah" not in said and "'Sara'" not in said, said


def test_roles_ids_domains_and_everyday_words_are_shown_and_names_are_not():
    from miner.ingest.speakers import nameless

    shown = ["SPEAKER_00", "end-user", "admin", "Agent 7", "Rep", "A", "100", "u1", "bot-1", "5f3a9c0e1b2d",
             "@acme.com", "Left", "Right", "Answer Bot", "Customer"]  # fmt: skip
    names = ["Priya Okafor", "Sam Store", "Grace", "Mark", "Will", "Okafor", "Fin", "Ann1", "Lisa (Agent)",
             "priya@buyer.org", "sarah.jones82"]  # fmt: skip
    assert [label for label in shown if not nameless(label)] == []
    assert [label for label in names if nameless(label)] == []


def test_the_api_s_refusal_and_the_job_error_it_stores_hold_no_author_name(tmp_path):
    """The upload answers 400 naming no author; a run of a dataset whose stored label no author has (as a server
    that read its authors otherwise stored it) fails, and its error, in the answer and in the control database,
    names none either. Nothing there is erased by `forget --customer`, so nothing there may name one."""
    db = tmp_path / "main.db"
    tickets = json.dumps([ZENDESK]).encode()
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake"}) as server, server.client(server.key("w")) as client:

        def upload(**params):
            return client.post("/v1/datasets", params=params, files={"file": ("tickets.json", tickets)})

        typo = upload(agent_speaker=["Sam Stor"])
        assert typo.status_code == 400 and typo.json()["field"] == "agent_speaker", typo.json()
        message = typo.json()["message"]
        assert "agent_speaker (a label that may be a person's name, not shown) names no speaker" in message
        assert "'205', '7', '900', 'admin', 'Answer Bot', 'end-user'" in message, message
        assert not [name for name in NAMES if name in message], message
        made = upload(agent_speaker=["@acme.com"])
        assert made.status_code == 201, made.json()
        datasets = sqlite_utils.Database(db)["datasets"]  # a label no author has, as the run will read it
        datasets.update(made.json()["id"], {"columns": json.dumps({"agent_speakers": ["agent"]})})
        datasets.db.close()
        run = client.post("/v1/runs", json={}).json()
        final, _ = wait_for_run(client, run["id"])
    assert (
        final["status"] == "failed" and "agent_speaker 'agent' names no speaker of its transcripts" in final["error"]
    ), final
    assert "--" not in final["error"], final["error"]  # a run's error speaks the API's words, as the upload's does
    assert not [name for name in NAMES if name in final["error"]], final["error"]
    control = sqlite3.connect(db)
    try:
        stored = "\n".join(control.iterdump())
    finally:
        control.close()
    assert "names no speaker of its transcripts" in stored
    assert not [name for name in NAMES if name in stored]
