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


# The ticket comments endpoint itself (GET /api/v2/tickets/{id}/comments.json?include=users): one ticket's comments
# and their authors, no ticket id nor requester anywhere in the page
PAGE = {
    "comments": [{"id": 900 + i, "type": "Comment", "author_id": c["author_id"], "body": c["body"],
                  "plain_body": c["body"], "public": True, "created_at": f"2026-03-0{i + 1}T10:00:00Z"}
                 for i, c in enumerate(CC["comments"])],
    "users": USERS, "next_page": None, "previous_page": None, "count": 3,
}  # fmt: skip


def _read(path, page: object, **given: tuple[str, ...]) -> list[tuple]:
    lines = [json.dumps(p) for p in page] if path.suffix == ".jsonl" else [json.dumps(page)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_file(path, ColumnMap(**given) if given else None)
    return [
        (r.source_id, [t.speaker for t in r.turns or []], r.meta.get("customer_email"), (r.date or "")[:10])
        for r in read
    ]


def test_a_ticket_comments_page_is_one_conversation_named_by_its_file(tmp_path):
    sides, mail = ["customer", "customer", "agent"], ["pat@buyer.org", "lee@buyer.org"]  # Lee is Pat's CC'd colleague
    assert _read(tmp_path / "ticket-12345-comments.json", PAGE) == [("12345", sides, mail, "2026-03-01")]
    users_first = {"users": USERS, **PAGE}  # the users side-loaded before the comments read the same
    assert _read(tmp_path / "12346.json", users_first) == [("12346", sides, mail, "2026-03-01")]
    assert _read(tmp_path / "export.json", PAGE)[0][0] == "export"  # no number in the name: the name itself
    # an API dump's tickets/12345/comments.json: every page named 'comments' was one ticket
    (tmp_path / "tickets" / "12348").mkdir(parents=True)
    assert _read(tmp_path / "tickets" / "12348" / "comments.json", PAGE)[0][0] == "12348"
    linked = {**PAGE, "previous_page": "https://acme.zendesk.com/api/v2/tickets/12349/comments.json?page=1"}
    assert _read(tmp_path / "page-two.json", linked)[0][0] == "12349"  # the ticket its link names
    # a JSONL of pages, one ticket a line: each its own conversation, the line telling them apart
    pages = _read(tmp_path / "pages.jsonl", [PAGE, PAGE])
    assert [(ident, turns) for ident, turns, _, _ in pages] == [("pages#1", sides), ("pages#2", sides)]
    # the authors' own roles, without side-loaded users, as a ticket's comments
    roles = {"end-user": (100, 300), "agent": (7,)}
    own = [{**c, "author_role": next(r for r, ids in roles.items() if c["author_id"] in ids)} for c in PAGE["comments"]]
    assert _read(tmp_path / "ticket_12347.json", {"comments": own})[0][:2] == ("12347", sides)


def test_a_page_whose_sides_cannot_be_told_is_refused_and_one_with_a_next_page_said_to_be_cut(tmp_path):
    bare = {k: v for k, v in PAGE.items() if k != "users"}  # no users, no roles: every author by id alone
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "12345.json").write_text(json.dumps(bare), encoding="utf-8")
    mine = ["mine", "--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--segmenter", "rules"]
    done = CliRunner().invoke(app, [*mine, str(tmp_path / "pages")])
    said = " ".join(done.output.split())
    assert done.exit_code == 2, said
    assert "12345.json: a Zendesk ticket comments page names no requester and no role for 3 of its" in said, said
    assert "(author_id 100, 300, 7)" in said and "include=users" in said and "--customer-speaker" in said, said
    assert _read(tmp_path / "12345.json", bare, customer_speakers=("100",))[0][:2] == (
        "12345", ["customer", "agent", "agent"]  # the customer named, every other author is the agent's
    )  # fmt: skip
    cut = {**PAGE, "next_page": "https://acme.zendesk.com/api/v2/tickets/12345/comments.json?page=2", "count": 140}
    (tmp_path / "pages" / "12345.json").write_text(json.dumps(cut), encoding="utf-8")
    done = CliRunner().invoke(app, [*mine, str(tmp_path / "pages")])
    said = " ".join(done.output.split())
    assert done.exit_code == 0, said
    assert "12345.json: read as one Zendesk ticket's comments page, which holds no ticket id: its id is the number " \
           "in the file's name" in said, said  # fmt: skip
    assert "has a next page (next_page set): its ticket may be cut, 3 of its 140 comments read" in said, said
