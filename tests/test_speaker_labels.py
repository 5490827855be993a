"""Speaker labels given a side (`mine --customer-speaker`, `--agent-speaker`; POST /v1/datasets' `customer_speaker`):
a diarised export's SPEAKER_00 / SPEAKER_01, A / B or Left / Right, which the tool cannot read, and an outbound call
where nobody says an agent's phrase, which the guess reads backwards (miner/ingest/speakers.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.errors import InputError
from miner.ingest import ColumnMap, read_file

# An outbound call: the agent rings and speaks first, and says none of the phrases that mark an agent
OUTBOUND = [
    ("SPEAKER_01", "Hello?"),
    ("SPEAKER_00", "It's Dana from Acme about the ticket you raised."),
    ("SPEAKER_01", "My refund never arrived after three weeks."),
    ("SPEAKER_00", "I can see it here and I will chase it."),
]


def _said(recs, side: str) -> list[str]:
    return [t.text for r in recs for t in r.turns or [] if t.speaker == side]


def _utterances(path, calls: dict[str, list[tuple[str, str]]]):
    lines = ["call_id,start,speaker,utterance"]
    lines += [f'{cid},{i}.0,{who},"{said}"' for cid, turns in calls.items() for i, (who, said) in enumerate(turns)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_outbound_call_read_backwards_is_read_right_with_the_customer_s_label(tmp_path):
    path = _utterances(tmp_path / "calls.csv", {"c1": OUTBOUND, "c2": OUTBOUND[1:]})
    guessed = read_file(path)
    assert "It's Dana from Acme about the ticket you raised." in _said(guessed, "customer")  # the guess
    for columns in (ColumnMap(customer_speakers=("speaker_01",)), ColumnMap(agent_speakers=("Speaker_00",))):
        recs = read_file(path, columns)
        assert [r.source_id for r in recs] == ["c1", "c2"]
        assert _said(recs, "customer") == ["My refund never arrived after three weeks."] * 2


def test_labels_the_tool_cannot_read_are_speakers_once_given_in_every_shape(tmp_path):
    lines = tmp_path / "call.txt"
    lines.write_text(
        "A: Hi, this is Mark calling from Acme about your renewal.\n"
        "B: The last invoice charged me twice and nobody answered my emails.\n"
        "A: Let me look into that for you.\n"
        "B: The app keeps logging me out as well.\n",
        encoding="utf-8",
    )
    assert read_file(lines)[0].turns is None  # read as one review: the agent's words mined with the customer's
    customer = [
        "The last invoice charged me twice and nobody answered my emails.",
        "The app keeps logging me out as well.",
    ]
    for columns in (ColumnMap(customer_speakers=("b",)), ColumnMap(agent_speakers=("A",))):
        assert _said(read_file(lines, columns), "customer") == customer  # the other label is the other side
    column = tmp_path / "channels.csv"
    column.write_text(
        "conversation_id,channel,text\nx1,Left,Hi I am calling about your contract.\n"
        "x1,Right,The signal drops every evening at home.\nx2,Right,My bill doubled without warning.\n"
        "x2,Left,I will check the tariff.\n",
        encoding="utf-8",
    )
    listed = tmp_path / "channels.jsonl"
    listed.write_text(
        "\n".join(
            json.dumps({"conversation_id": cid, "messages": [{"channel": c, "text": t} for c, t in said]})
            for cid, said in (
                (
                    "x1",
                    [
                        ("Left", "Hi I am calling about your contract."),
                        ("Right", "The signal drops every evening at home."),
                    ],
                ),
                ("x2", [("Right", "My bill doubled without warning."), ("Left", "I will check the tariff.")]),
            )
        ),  # fmt: skip
        encoding="utf-8",
    )
    for path in (column, listed):
        recs = read_file(path, ColumnMap(customer_speakers=("RIGHT",)))
        assert [r.source_id for r in recs] == ["x1", "x2"], path.name
        assert _said(recs, "customer") == [
            "The signal drops every evening at home.",
            "My bill doubled without warning.",
        ]


def test_a_known_role_keeps_its_side_unless_given(tmp_path):
    said = [("Customer", "The app crashed at checkout."), ("agent_7", "Sorry."), ("Supervisor", "I will refund it.")]
    path = _utterances(tmp_path / "roles.csv", {"c1": said})
    assert _said(read_file(path, ColumnMap(customer_speakers=("customer",))), "agent") == [
        "Sorry.",
        "I will refund it.",
    ]
    # the customer's role given to the agent; agent_7 keeps its role's side, and a label naming no role is the other
    assert _said(read_file(path, ColumnMap(agent_speakers=("customer",))), "customer") == ["I will refund it."]


@pytest.mark.parametrize("shape", ["csv", "txt", "jsonl"])
def test_a_label_no_transcript_uses_is_refused_naming_the_labels_the_file_holds(tmp_path, shape):
    path = tmp_path / f"calls.{shape}"
    if shape == "csv":
        _utterances(path, {"c1": OUTBOUND})
    elif shape == "txt":
        path.write_text("\n".join(f"{who}: {said}" for who, said in OUTBOUND) + "\n", encoding="utf-8")
    else:
        turns = [{"speaker": who, "text": said} for who, said in OUTBOUND]
        path.write_text(json.dumps({"conversation_id": "c1", "turns": turns}) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_file(path, ColumnMap(customer_speakers=("SPEAKER_1",)))
    assert str(err.value).startswith(f"{path}: --customer-speaker 'SPEAKER_1' names no speaker of its transcripts")
    assert "the speakers it holds are 'SPEAKER_00', 'SPEAKER_01'" in str(err.value)


def test_mine_imports_nothing_when_a_label_is_mistyped_and_takes_the_option(tmp_path):
    path = _utterances(tmp_path / "calls.csv", {"c1": OUTBOUND})
    db = tmp_path / "t.db"
    mine = ["mine", str(path), "--db", str(db), "--segmenter", "rules", "--embedding-model", "fake", "--no-redact"]
    typo = CliRunner().invoke(app, [*mine, "--customer-speaker", "SPEAKER_1"])
    assert typo.exit_code == 2 and "'SPEAKER_00', 'SPEAKER_01'" in " ".join(typo.output.split())
    assert not db.exists()
    both = CliRunner().invoke(app, [*mine, "--customer-speaker", "A", "--agent-speaker", "a"])
    assert both.exit_code == 2 and "both name 'a'" in both.output


def test_the_api_takes_the_labels_with_the_upload_and_its_run_reads_them(tmp_path):
    from fastapi.testclient import TestClient

    from api.db import dataset_row, open_control
    from api.keys import create_key
    from api.main import create_app
    from api.settings import Settings
    from miner.ingest import iter_file

    control = open_control(tmp_path / "main.db")
    key = create_key(control, "alpha")
    path = _utterances(tmp_path / "calls.csv", {"c1": OUTBOUND})
    client = TestClient(create_app(Settings(db=tmp_path / "main.db", embedding_model="fake")))
    with client:
        client.headers["Authorization"] = f"Bearer {key}"

        def upload(**params):
            return client.post("/v1/datasets", params=params, files={"file": ("calls.csv", path.read_bytes())})

        typo = upload(customer_speaker=["SPEAKER_1"])
        assert typo.status_code == 400 and typo.json()["field"] == "customer_speaker", typo.json()
        assert "customer_speaker 'SPEAKER_1' names no speaker" in typo.json()["message"]
        assert upload(customer_speaker="a", agent_speaker="A").status_code == 422
        made = upload(customer_speaker=["speaker_01"])
        assert made.status_code == 201, made.json()
    stored = dataset_row(control, "alpha", made.json()["id"])
    columns = ColumnMap(**json.loads(stored["columns"]))  # as the run reads the upload (api/jobs.py)
    recs = [r for chunk in iter_file(path, columns) for r in chunk]
    assert _said(recs, "customer") == ["My refund never arrived after three weeks."]


# A Zendesk ticket whose roles mislead: a store manager answers through an end-user account, the customer's partner
# writes with no role, and a bot posts as an end-user
TICKET = {
    "id": 4410,
    "requester_id": 100,
    "subject": "Refund",
    "comments": [
        {"author_id": 100, "author": {"name": "Pat Buyer", "role": "end-user"}, "body": "My refund never arrived."},
        {"author_id": 205, "author": {"name": "Sam Store", "role": "end-user"}, "body": "The store issued it Monday."},
        {"author_id": 101, "body": "The card statement still shows no refund at all."},
        {"author_id": 900, "author": {"name": "Answer Bot", "role": "end-user"}, "body": "These articles may help."},
        {"author_id": 7, "author": {"name": "Ann", "role": "admin"}, "public": False, "body": "Chase finance on it."},
    ],
}


def _part(author_type: str | None, author_id: str, name: str | None, said: str, kind: str = "comment") -> dict:
    author = {"type": author_type, "id": author_id, "name": name}
    return {"part_type": kind, "body": f"<p>{said}</p>", "author": {k: v for k, v in author.items() if v}}


# An Intercom conversation whose opening message has no author type, and whose bot is exported as a user
CONVERSATION = {
    "id": "c1",
    "source": _part(None, "u1", "Robin", "The parcel was left in the rain and soaked."),
    "conversation_parts": [
        _part("user", "bot-1", "Fin", "Fin here: a replacement is booked."),
        _part("user", "u1", "Robin", "The replacement box came damaged too."),
        _part("admin", "a9", None, "Claim with the courier.", kind="note"),
    ],
}


def _stored_turns(tmp_path, path, *options: str) -> list[tuple[str, str]]:
    """The turns `mine` stores for the file (each document's meta), read with the labels the options give."""
    import sqlite_utils

    db = tmp_path / f"{len(list(tmp_path.glob('*.db')))}.db"
    mine = ["mine", str(path), "--db", str(db), "--segmenter", "rules", "--embedding-model", "fake", "--no-redact"]
    done = CliRunner().invoke(app, [*mine, *options])
    assert done.exit_code == 0, done.output
    metas = [json.loads(row["meta"]) for row in sqlite_utils.Database(db)["documents"].rows]
    return [(t["speaker"], t["text"]) for meta in metas for t in meta["turns"]]


def test_a_zendesk_author_named_by_id_name_or_role_takes_its_side_over_the_export_s_role(tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([TICKET]), encoding="utf-8")
    by_role = _stored_turns(tmp_path, path)
    assert [side for side, _ in by_role] == ["customer", "customer", "agent", "customer", "agent"]
    given = ["--agent-speaker", "sam store", "--agent-speaker", "900", "--customer-speaker", "101"]
    named = _stored_turns(tmp_path, path, *given, "--customer-speaker", "ADMIN")
    assert named == [
        ("customer", "My refund never arrived."),  # not named: its role's side, whatever the customer labels given
        ("agent", "The store issued it Monday."),
        ("customer", "The card statement still shows no refund at all."),
        ("agent", "These articles may help."),
        ("agent", "Chase finance on it."),  # a private note stays the company's, its author's role given or not
    ]


def test_an_intercom_author_named_by_id_name_or_type_takes_its_side_over_the_export_s_type(tmp_path):
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps({"conversations": [CONVERSATION]}), encoding="utf-8")
    by_type = _stored_turns(tmp_path, path)
    assert [side for side, _ in by_type] == ["agent", "customer", "customer", "agent"]
    by_id = _stored_turns(tmp_path, path, "--customer-speaker", "u1", "--agent-speaker", "BOT-1")
    by_name = _stored_turns(tmp_path, path, "--customer-speaker", "robin", "--agent-speaker", "fin")
    assert [side for side, _ in by_id] == [side for side, _ in by_name] == ["customer", "agent", "customer", "agent"]
    by_role = _stored_turns(tmp_path, path, "--agent-speaker", "user")  # every author of that type
    assert by_role[2] == ("agent", "The replacement box came damaged too.")


@pytest.mark.parametrize("export", ["zendesk", "intercom"])
def test_a_label_no_author_has_is_refused_naming_the_ids_and_roles_the_export_holds(tmp_path, export):
    path = tmp_path / f"{export}.json"
    path.write_text(json.dumps([TICKET] if export == "zendesk" else [CONVERSATION]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_file(path, ColumnMap(agent_speakers=("Sam Stor",)))
    # the label given and the authors' names may be people's: counted, never quoted (tests/test_speaker_refusal.py)
    given = "--agent-speaker (a label that may be a person's name, not shown)"
    assert str(err.value).startswith(f"{path}: {given} names no speaker of its transcripts")
    held = {
        "zendesk": "'100', '101', '205', '7', '900', 'admin', 'Answer Bot', 'end-user' and 3 that may be people's "
        "names (not shown)",
        "intercom": "'a9', 'admin', 'bot-1', 'u1', 'user' and 2 that may be people's names (not shown)",
    }
    assert f"the speakers it holds are {held[export]}" in str(err.value)
