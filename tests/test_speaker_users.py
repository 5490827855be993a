"""A Zendesk export's side-loaded users (`include=users`: id, name, e-mail, role) say who each comment's author is:
its comments carry only `author_id`, so without them a customer's colleague who is not the requester was read as the
agent's side, and an agent's proactive ticket (the agent its requester) as the customer's
(miner/ingest/conversations.py, miner/ingest/speakers.py)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from miner.cli import app
from miner.ingest import ColumnMap, read_file

# The ticket comments endpoint's shape: comments by author_id alone, the authors side-loaded beside the tickets
CC = {"id": 1, "requester_id": 100, "subject": "Refund", "comments": [
    {"author_id": 100, "body": "My refund never arrived."},
    {"author_id": 300, "body": "Copied in: the refund on our second order is missing too."},  # a CC'd end-user
    {"author_id": 7, "body": "Finance has both refunds on their list."},
]}  # fmt: skip
OUTREACH = {"id": 2, "requester_id": 7, "subject": "Your order is delayed", "comments": [  # an agent's ticket
    {"author_id": 7, "body": "Your order is delayed by a week; we are sorry."},
    {"author_id": 100, "body": "A week is far too long, I needed it for Friday."},
    {"author_id": 7, "body": "We can refund the shipping."},
]}  # fmt: skip
# a partial list: 101 is not side-loaded, 102 has no role; both keep today's reading (the requester's or the agent's)
PARTIAL = {"id": 3, "requester_id": 102, "subject": "Login", "comments": [
    {"author_id": 102, "body": "I cannot log in since the update."},
    {"author_id": 101, "body": "Have you tried resetting the password?"},
]}  # fmt: skip
USERS = [
    {"id": 100, "name": "Pat Buyer", "email": "pat@buyer.org", "role": "end-user"},
    {"id": 300, "name": "Lee Buyer", "email": "lee@buyer.org", "role": "end-user"},
    {"id": 7, "name": "Ann Agent", "email": "ann@acme.com", "role": "agent"},
    {"id": 205, "name": "Sam Store", "email": "sam@eu.acme.com", "role": "end-user"},  # staff on an end-user account
    {"id": 102, "name": "Jo Buyer"},
]
NAMES = ("Pat", "Lee", "Ann Agent", "Sam Store", "Jo Buyer", "Buyer")


def _sides(tmp_path, export: object, name: str = "tickets.json", **given: tuple[str, ...]) -> list[list[str]]:
    path = tmp_path / name
    lines = [json.dumps(ticket) for ticket in export] if name.endswith(".jsonl") else [json.dumps(export)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    columns = ColumnMap(**given) if given else None
    return [[turn.speaker for turn in rec.turns or []] for rec in read_file(path, columns)]


def test_side_loaded_roles_give_a_cc_d_customer_and_an_agent_s_own_ticket_their_sides(tmp_path):
    export = {"tickets": [CC, OUTREACH, PARTIAL], "users": USERS}
    expected = [["customer", "customer", "agent"], ["agent", "customer", "agent"], ["customer", "agent"]]
    assert _sides(tmp_path, export) == expected
    # the users side-loaded inside each ticket of a JSONL export, as beside them
    assert _sides(tmp_path, [{**ticket, "users": USERS} for ticket in (CC, OUTREACH, PARTIAL)], "t.jsonl") == expected


def test_without_side_loaded_users_the_requester_is_the_customer_as_before(tmp_path):
    expected = [["customer", "agent", "agent"], ["customer", "agent", "customer"]]
    assert _sides(tmp_path, {"tickets": [CC, OUTREACH]}) == expected


def test_a_comment_s_own_role_wins_over_the_side_loaded_one(tmp_path):
    ticket = {**CC, "comments": [{**CC["comments"][1], "author_role": "agent"}]}
    assert _sides(tmp_path, {"tickets": [ticket], "users": USERS}) == [["agent"]]


def test_a_label_given_names_an_author_by_its_side_loaded_name_or_role(tmp_path):
    ticket = {**CC, "comments": [*CC["comments"], {"author_id": 205, "body": "The store issued it on Monday."}]}
    export = {"tickets": [ticket], "users": USERS}
    assert _sides(tmp_path, export) == [["customer", "customer", "agent", "customer"]]
    by_name = {"customer_speakers": ("pat buyer",), "agent_speakers": ("Sam Store",)}
    assert _sides(tmp_path, export, **by_name) == [["customer", "customer", "agent", "agent"]]
    by_role = {"agent_speakers": ("End-User",)}  # the side-loaded role, as the file writes it, any case
    assert _sides(tmp_path, export, **by_role) == [["agent", "agent", "agent", "agent"]]


def test_a_label_no_side_loaded_user_has_is_refused_naming_none_of_them(tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps({"tickets": [CC, PARTIAL], "users": USERS}), encoding="utf-8")
    mine = ["mine", str(path), "--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules"]
    done = CliRunner().invoke(app, [*mine, "--customer-speaker", "Pat Buyr"])
    assert done.exit_code == 2, done.output
    said = " ".join(done.output.split())
    assert "--customer-speaker (a label that may be a person's name, not shown) names no speaker" in said, said
    held = "'100', '101', '102', '300', '7', 'agent', 'end-user' and 4 that may be people's names (not shown)"
    assert f"the speakers it holds are {held}; its authors write from '@buyer.org', '@acme.com'" in said, said
    assert not [name for name in NAMES if name in said], said


def test_the_same_users_give_every_customer_s_email_and_never_an_agent_s(tmp_path):
    # Ann forwarded Pat's mail (the ticket came from her address), Lee (CC'd, no requester) wrote in it too; the
    # agent's own ticket keeps the address of the customer who answered it, never the agent's
    forwarded = {**CC, "via": {"channel": "email", "source": {"from": {"address": "Ann@acme.com"}}}}
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps({"tickets": [forwarded, OUTREACH], "users": USERS}), encoding="utf-8")
    read = read_file(path)
    assert [rec.meta.get("customer_email") for rec in read] == [["pat@buyer.org", "lee@buyer.org"], "pat@buyer.org"]
    assert [[turn.speaker for turn in rec.turns or []] for rec in read][0] == ["customer", "customer", "agent"]
