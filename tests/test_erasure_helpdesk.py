"""Forgetting a helpdesk customer by e-mail: a Zendesk ticket's requester and an Intercom conversation's customer are
kept as a commenter's e-mail column is (a keyed token, miner/ingest/conversations.py `customer_email`), so
`forget --customer jane@example.com` finds their conversations. Real SQLite files, the fake embedder."""

from __future__ import annotations

import json

import pytest
from conftest import COMPLAINTS
from typer.testing import CliRunner

from miner.cli import app
from miner.segment.pii import pseudonym
from miner.store.pii_key import pii_key

JANE, OMAR, AGENT = "jane.doe@example.com", "omar.k@example.net", "ann.support@acme.com"


def _via(address: str | None = None) -> dict:
    if address is None:
        return {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}}
    return {"channel": "email", "source": {"from": {"address": address, "name": ""}, "to": {}, "rel": None}}


def _ticket(ident: int, requester: int, said: str, via: dict) -> dict:
    return {"id": ident, "requester_id": requester, "subject": "Order", "created_at": "2026-03-02T10:00:00Z",
            "via": via, "comments": [
                {"author_id": requester, "via": via, "body": f"{said}, and nobody answered my emails."},
                {"author_id": 7, "via": _via(AGENT), "body": "Sorry, we have passed it to the team."}]}  # fmt: skip


# Zendesk's API with `include=users`: comments name their authors by id, the users beside the tickets give their
# e-mails (the agent's too, which is never kept); Jane's second ticket came by e-mail, from an address in capitals
ZENDESK = {
    "tickets": [
        _ticket(9101, 501, COMPLAINTS[0], _via()),
        _ticket(9102, 501, COMPLAINTS[1], _via(JANE.upper())),
        _ticket(9103, 502, COMPLAINTS[2], _via()),
    ],
    "users": [
        {"id": 501, "name": "Jane Doe", "email": JANE, "role": "end-user"},
        {"id": 502, "name": "Omar Khan", "email": OMAR, "role": "end-user"},
        {"id": 7, "name": "Ann", "email": AGENT, "role": "admin"},
    ],
}


def _part(author: dict, said: str) -> dict:
    return {"type": "conversation_part", "part_type": "comment", "body": f"<p>{said}</p>", "author": author}


# Intercom: Jane opened one conversation (`source.author`); Omar is named by the version 2 `contacts` list only
INTERCOM = {
    "type": "conversation.list",
    "conversations": [
        {"type": "conversation", "id": "c-771", "created_at": 1772445600,
         "source": {"type": "conversation", "body": f"<p>{COMPLAINTS[3]}</p>",
                    "author": {"type": "user", "id": "u1", "name": "Jane Doe", "email": JANE}},
         "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [
             _part({"type": "admin", "id": "4", "name": "Ann", "email": AGENT}, "We are sorry to hear it.")]}},
        {"type": "conversation", "id": "c-772", "created_at": 1772445600,
         "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "u2", "email": OMAR}]},
         "source": {"type": "conversation", "body": f"<p>{COMPLAINTS[4]}</p>", "author": {"type": "user", "id": "u2"}},
         "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [
             _part({"type": "admin", "id": "4", "email": AGENT}, "Thank you, we will fix it.")]}},
    ],
}  # fmt: skip


def _mine(db, folder, mini_taxonomy, fake_embedder, segmenter, redact: bool, **kw) -> None:
    from miner.pipeline import MineOptions, mine

    paths = [folder / "zendesk.json", folder / "intercom.json"]
    for path, export in zip(paths, (ZENDESK, INTERCOM), strict=True):
        path.write_text(json.dumps(export), encoding="utf-8")
    mine(db, paths, MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter,
                                redact_pii=redact, **kw))  # fmt: skip


def _conversations(db) -> set[str]:
    return {sid for (sid,) in db.execute("SELECT source_id FROM documents")}


def _values(db) -> list[str]:
    """Every value of every table, as text."""
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [str(v) for t in tables for row in db.execute(f'SELECT * FROM "{t}"') for v in row if v is not None]


def _forget(tmp_path, value: str, *options: str):
    result = CliRunner().invoke(app, ["forget", "--db", str(tmp_path / "t.db"), "--customer", value, *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("redact", [True, False], ids=["redacted", "no-redact"])
def test_a_helpdesk_customer_is_forgotten_by_their_email(db, tmp_path, mini_taxonomy, fake_embedder, segmenter, redact):
    _mine(db, tmp_path, mini_taxonomy, fake_embedder, segmenter, redact)
    assert _conversations(db) == {"9101", "9102", "9103", "c-771", "c-772"}
    stored = " ".join(_values(db)).lower()
    agent = AGENT if not redact else pseudonym(AGENT, "EMAIL", pii_key(db)).lower()
    assert agent not in stored  # an agent's e-mail is no customer's: kept in no form
    if redact:  # as a CSV's e-mail column: in no value of the database in clear, only as its keyed token
        assert "@example" not in stored and "jane.doe" not in stored and "omar.k" not in stored
        assert pseudonym(JANE, "EMAIL", pii_key(db)).lower() in stored
    dry = _forget(tmp_path, JANE, "--dry-run")
    assert "Would forget customer: 3 documents" in dry and "column 'customer_email' (3 items)" in dry, dry
    assert _conversations(db) == {"9101", "9102", "9103", "c-771", "c-772"}
    assert "Forgot customer: 3 documents" in _forget(tmp_path, "Jane.Doe@Example.com")
    assert _conversations(db) == {"9103", "c-772"}  # Omar's stay
    _mine(db, tmp_path, mini_taxonomy, fake_embedder, segmenter, redact, incremental=True)
    assert _conversations(db) == {"9103", "c-772"}  # the same exports mined again leave Jane's out
    assert "Forgot customer: 2 documents" in _forget(tmp_path, OMAR)
    assert _conversations(db) == set()


def test_a_customer_s_cc_d_colleague_is_forgotten_by_their_email_too(
    db, tmp_path, mini_taxonomy, fake_embedder, segmenter
):
    from miner.pipeline import MineOptions, mine

    # Jane's colleague Li, CC'd on her ticket (an end-user, not its requester), adds her own complaint by e-mail
    colleague = "li.wei@example.org"
    ticket = _ticket(9106, 501, COMPLAINTS[5], _via())
    ticket["comments"].insert(1, {"author_id": 503, "via": _via(colleague), "body": f"Same here: {COMPLAINTS[0]}."})
    users = [*ZENDESK["users"], {"id": 503, "name": "Li Wei", "email": colleague, "role": "end-user"}]
    path = tmp_path / "cc.json"
    path.write_text(json.dumps({"tickets": [ticket, ZENDESK["tickets"][2]], "users": users}), encoding="utf-8")
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    assert "Forgot customer: 1 document" in _forget(tmp_path, colleague.upper())
    assert _conversations(db) == {"9103"}  # Omar's stays
    assert "Forgot customer: 0 documents" in _forget(tmp_path, AGENT)  # the agent's address was never kept


def _kept(tmp_path, name: str, text: str, **given: tuple[str, ...]) -> list[object]:
    from miner.ingest import ColumnMap, read_file

    (tmp_path / name).write_text(text, encoding="utf-8")
    return [r.meta.get("customer_email") for r in read_file(tmp_path / name, ColumnMap(**given) if given else None)]


def test_the_customer_s_email_is_read_as_each_export_gives_it_and_never_a_company_s(tmp_path):
    # a JSONL line a ticket with the users its comments were fetched with; a ticket an agent raised for themselves
    line = {**_ticket(9104, 501, COMPLAINTS[5], _via()), "users": ZENDESK["users"]}
    staff = {**_ticket(9105, 7, COMPLAINTS[5], _via()), "users": ZENDESK["users"]}
    assert _kept(tmp_path, "t.jsonl", f"{json.dumps(line)}\n{json.dumps(staff)}\n") == [JANE, None]
    # Intercom's version 1 `user`; a colleague exported as a lead is the company's once a label says so
    colleague = _part({"type": "lead", "id": "l4", "email": "kim@acme.com"}, "A replacement is booked.")
    conversation = {"id": "c-773", "user": {"type": "user", "id": "u3", "email": JANE},
                    "source": {"body": "<p>The box came wet.</p>", "author": {"type": "user", "id": "u3"}},
                    "conversation_parts": {"conversation_parts": [colleague]}}  # fmt: skip
    export = json.dumps({"conversations": [conversation]})
    assert _kept(tmp_path, "c.json", export, agent_speakers=("@acme.com",)) == [JANE]
