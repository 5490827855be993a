"""Speaker labels that name a Zendesk or Intercom author by e-mail (`mine --agent-speaker @acme.com`, a whole address):
a data engineer knows the company's domain, not each agent's id (miner/ingest/speakers.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.ingest import ColumnMap, read_file


def _via(address: str | None = None) -> dict:
    if address is None:
        return {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}}
    return {"channel": "email", "source": {"from": {"address": address, "name": ""}, "to": {}, "rel": None}}


# A ticket as the API writes it (comments by author_id, each with its `via`) with its users side-loaded beside it
# (`include=users`): a store manager answers through an end-user account on a subdomain; the requester's colleague,
# no user side-loaded, writes by e-mail and is no requester, so read as the company's
ZENDESK = {
    "tickets": [
        {
            "id": 4410,
            "requester_id": 100,
            "subject": "Refund",
            "comments": [
                {"author_id": 100, "via": _via(), "body": "My refund never arrived."},
                {"author_id": 205, "author_role": "end-user", "via": _via(), "body": "The store issued it Monday."},
                {"author_id": 101, "via": _via("Jo@Buyer.org"), "body": "The card statement still shows no refund."},
                {"author_id": 7, "author_role": "admin", "via": _via(), "body": "We have chased finance on it."},
            ],
        }
    ],
    "users": [
        {"id": 100, "name": "Pat Buyer", "email": "pat@buyer.org", "role": "end-user"},
        {"id": 205, "name": "Sam Store", "email": "Sam.Store@EU.Acme.com", "role": "end-user"},
        {"id": 7, "name": "Ann", "email": "ann@acme.com", "role": "admin"},
    ],
}

# An Intercom conversation whose opening message has no author type, and whose colleague is exported as a lead
INTERCOM = {
    "conversations": [
        {
            "id": "c1",
            "source": {
                "body": "<p>The parcel was left in the rain.</p>",
                "author": {"id": "u1", "email": "robin@buyer.org"},
            },
            "conversation_parts": {
                "conversation_parts": [
                    {
                        "part_type": "comment",
                        "body": "<p>A replacement is booked for Friday.</p>",
                        "author": {"type": "lead", "id": "l4", "name": "Kim", "email": "kim@acme.com"},
                    },
                    {
                        "part_type": "comment",
                        "body": "<p>The replacement box came damaged too.</p>",
                        "author": {"type": "user", "id": "u1", "email": "robin@buyer.org"},
                    },
                ]
            },
        }
    ]
}


def _sides(tmp_path, export: dict, name: str, **given: tuple[str, ...]) -> list[str]:
    path = tmp_path / name
    path.write_text(json.dumps(export), encoding="utf-8")
    return [t.speaker for r in read_file(path, ColumnMap(**given) if given else None) for t in r.turns or []]


def test_a_zendesk_author_is_named_by_a_domain_or_an_address_in_any_case(tmp_path):
    assert _sides(tmp_path, ZENDESK, "t.json") == ["customer", "customer", "agent", "agent"]
    given = {"agent_speakers": ("@acme.com",), "customer_speakers": ("jo@buyer.ORG",)}
    # the side-loaded user's address, on a subdomain; the e-mailed comment's sender, any case
    assert _sides(tmp_path, ZENDESK, "t.json", **given) == ["customer", "agent", "customer", "agent"]
    address_over_domain = {"agent_speakers": ("@acme.com",), "customer_speakers": ("sam.store@eu.acme.com",)}
    assert _sides(tmp_path, ZENDESK, "t.json", **address_over_domain)[1] == "customer"


def test_a_zendesk_ticket_s_own_side_loaded_users_give_their_addresses_in_jsonl(tmp_path):
    ticket = {**ZENDESK["tickets"][0], "users": ZENDESK["users"]}
    path = tmp_path / "tickets.jsonl"
    path.write_text(json.dumps(ticket) + "\n", encoding="utf-8")
    recs = read_file(path, ColumnMap(agent_speakers=("sam.store@eu.acme.com",)))
    assert [t.speaker for t in recs[0].turns] == ["customer", "agent", "agent", "agent"]


def test_an_intercom_author_is_named_by_a_domain_or_an_address(tmp_path):
    assert _sides(tmp_path, INTERCOM, "c.json") == ["agent", "customer", "customer"]
    given = {"agent_speakers": ("@ACME.com",), "customer_speakers": ("Robin@Buyer.org",)}
    assert _sides(tmp_path, INTERCOM, "c.json", **given) == ["customer", "agent", "customer"]


@pytest.mark.parametrize(
    ("label", "said"),
    [
        # a domain is matched whole: @cme.com is not acme.com's
        ("@cme.com", "its authors write from '@buyer.org', '@acme.com', '@eu.acme.com'; the speakers it holds are "),
        # an address is named by its domain, and the addresses by their count: an error never quotes one
        ("an@acme.com", "its authors have 2 other addresses at @acme.com; its authors write from '@buyer.org', "),
    ],
)
def test_an_address_or_domain_no_author_has_is_refused_naming_the_domains_its_authors_write_from(tmp_path, label, said):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(ZENDESK), encoding="utf-8")
    mine = ["mine", str(path), "--db", str(tmp_path / "t.db"), "--embedding-model", "fake", "--agent-speaker", label]
    done = CliRunner().invoke(app, mine)
    assert done.exit_code != 0
    output = " ".join(done.output.split())
    given = "(an address at @acme.com)" if label == "an@acme.com" else f"'{label}'"
    assert f"--agent-speaker {given} names no speaker of its transcripts; {said}" in output, output
    assert "an e-mail domain as '@acme.com'" in output
