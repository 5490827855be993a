"""Nightly transcript exports that hold each open conversation again, longer: the longer version replaces the one
stored before (miner/store/versions.py), whether it comes under another file name or in the same file exported
again, and the earlier version's complaints leave every run's counts instead of being counted twice."""

from __future__ import annotations

import json

import pytest

from miner.pipeline import MineOptions, mine

OPENING = [("Customer", "The courier left my order at the wrong door. Mail me at jane.doe@example.com"),
           ("Agent", "Sorry Jane Doe, let me check.")]  # fmt: skip
LATER = [("Customer", "Now I was charged twice for the same order."), ("Agent", "I have refunded it.")]


def _chats(path, conversations: dict[str, list[tuple[str, str]]]):
    lines = []
    for cid, turns in conversations.items():
        text = "\n".join(f"{who}: {said}" for who, said in turns)
        lines.append(json.dumps({"conversation_id": cid, "started_at": "2026-03-02T10:00:00", "transcript": text}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def options(mini_taxonomy, fake_embedder, segmenter):
    return MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)


def _stored(db) -> dict[str, str]:
    return {r["source_id"]: r["text"] for r in db.query("SELECT source_id, text FROM documents")}


def _run_documents(db, run_id: int) -> int:
    sql = """SELECT COUNT(DISTINCT s.document_id) FROM segment_results r JOIN segments s ON s.id = r.segment_id
             WHERE r.run_id = ?"""
    return db.execute(sql, [run_id]).fetchone()[0]


@pytest.mark.parametrize(
    ("same_file", "redact"), [(False, False), (True, False), (False, True), (True, True)],
    ids=["dated-files", "one-file-exported-again", "redacted", "one-file-redacted"],
)  # fmt: skip
def test_a_conversation_that_grew_replaces_its_earlier_version(db, tmp_path, options, same_file, redact):
    options.redact_pii = redact  # compared as stored: the redacted turns of both versions
    night1 = _chats(tmp_path / "chats-03-02.jsonl", {"C1": OPENING, "C2": LATER})
    (first,), run1 = mine(db, [night1], options)
    assert first.added == 2
    night2 = tmp_path / ("chats-03-02.jsonl" if same_file else "chats-03-03.jsonl")
    _chats(night2, {"C1": OPENING + LATER, "C2": LATER, "C3": OPENING})  # C1 grew, C2 as it was, C3 is new
    options.incremental = True
    (second,), run2 = mine(db, [night2], options)
    assert (second.added, second.grown, second.changed) == (2, 1, 0)
    assert "1 conversation grew or changed since stored: the newer version replaces the earlier" in second.summary()
    stored = _stored(db)
    assert sorted(stored) == ["C1", "C2", "C3"] and "charged twice" in stored["C1"]  # one item each, C1 the longer
    assert ("jane.doe@example.com" in stored["C1"]) is not redact
    # the earlier version left the first run's results too, and the incremental run counts each conversation once
    assert _run_documents(db, run1) == 1 and _run_documents(db, run2) == 3
    assert db.execute("SELECT documents FROM runs WHERE id = ?", [run2]).fetchone()[0] == 3
    assert db["replaced_documents"].count == 0 and db["erased_documents"].count == 0
    # the first night's file read again (a backfill): the stored longer version stays, nothing is added
    (again,), _ = mine(db, [night1], options)
    assert again.added == 0 and _stored(db) == stored


def test_a_replacement_a_crash_left_pending_is_retired_by_the_next_import(db, tmp_path, options):
    from miner.store.versions import note_replaced

    (first,), _ = mine(db, [_chats(tmp_path / "a.jsonl", {"C1": OPENING})], options)
    from miner.ingest.records import Record

    old_id = db.execute("SELECT id FROM documents").fetchone()[0]
    note_replaced(db, [Record("b.jsonl", 1, "x", replaces=[old_id])], "2026-03-03T00:00:00")  # then the process died
    mine(db, [_chats(tmp_path / "b.jsonl", {"C9": LATER})], options)
    assert "C1" not in _stored(db) and db["replaced_documents"].count == 0


def test_conversations_that_only_share_an_id_are_both_kept(db, tmp_path, options):
    # two tools numbering their conversations alike: neither is the other's earlier version
    mine(db, [_chats(tmp_path / "a.jsonl", {"1": OPENING})], options)
    (other,), _ = mine(db, [_chats(tmp_path / "b.jsonl", {"1": LATER})], options)
    assert (other.added, other.grown) == (1, 0) and db["documents"].count == 2


def test_grew_reads_turns_in_order_and_a_last_turn_that_grew():
    from miner.store.versions import grew

    a, b, c = ("customer", "late"), ("agent", "sorry"), ("customer", "still late")
    assert grew([a], [a, b]) and grew([a, b], [a, b, c])
    assert grew([("customer", "The app")], [("customer", "The app crashed"), b])  # the last turn grew
    assert not grew([a, b], [a, b]) and not grew([a, b], [a]) and not grew([b], [a, b]) and not grew([], [a])


def test_nights_read_in_one_mine_keep_only_the_longest_version(db, tmp_path, options):
    """A weekly refit over a folder of nights (or a job catching up two nights) kept every version but the first:
    152 items for 103 conversations."""
    turns = [*OPENING, *LATER, ("Customer", "And the refund has still not arrived."), ("Agent", "Checking.")]
    nights = [_chats(tmp_path / f"chats-03-0{n}.jsonl", {"C1": turns[: 2 * n], f"N{n}": LATER}) for n in (1, 2, 3)]
    imports, _ = mine(db, nights, options)
    assert [r.grown for r in imports] == [0, 1, 1]
    stored = _stored(db)
    assert sorted(stored) == ["C1", "N1", "N2", "N3"] and "refund has still not arrived" in stored["C1"]
    backwards, _ = mine(db, list(reversed(nights)), options)  # read again, newest first: nothing added
    assert [r.added for r in backwards] == [0, 0, 0] and _stored(db) == stored


def test_a_forgotten_customers_conversation_stays_forgotten_in_later_exports(db, tmp_path, options):
    """A cumulative export holds the erased conversation again the next night, longer, under a new file name."""
    from miner.store.erasure import forget_customer

    mine(db, [_chats(tmp_path / "chats-03-02.jsonl", {"CU-1001": OPENING, "CU-1002": LATER})], options)
    assert forget_customer(db, "CU-1001").documents == 1
    (night,), _ = mine(
        db, [_chats(tmp_path / "chats-03-03.jsonl", {"CU-1001": OPENING + LATER, "CU-1002": LATER})], options
    )
    assert night.added == 0 and sorted(_stored(db)) == ["CU-1002"]


def test_a_conversation_whose_earlier_turns_changed(db, tmp_path, options):
    """Edited in the same export: the newer version replaces the stored one (it was kept beside it once the
    version before was replaced); in another export it may be another tool's conversation: both kept, and said."""
    edited = [("Customer", "The courier left my order at the wrong door, and it was cold."), *OPENING[1:], *LATER]
    mine(db, [_chats(tmp_path / "export.jsonl", {"E1": OPENING})], options)
    (same,), _ = mine(db, [_chats(tmp_path / "export.jsonl", {"E1": edited})], options)
    assert same.grown == 1 and _stored(db)["E1"].startswith(
        "Customer: The courier left my order at the wrong door, and"
    )
    assert db["documents"].count == 1
    (other,), _ = mine(db, [_chats(tmp_path / "other-tool.jsonl", {"E1": OPENING})], options)
    assert other.diverged == 1 and "1 conversation shares an id with another export's" in other.summary()
    assert db["documents"].count == 2


def test_an_unchanged_conversation_holding_a_name_is_not_redacted_again(db, tmp_path, options, monkeypatch):
    """A cumulative export read before redaction could not be matched with its stored, redacted text: every
    conversation with a name in it went through NER again each night the same file held it."""
    import miner.segment.redact as redact

    options.redact_pii = True
    path = _chats(tmp_path / "export.jsonl", {"C1": OPENING, "C2": LATER})
    mine(db, [path], options)
    read: list[int] = []
    real = redact.redact_records
    monkeypatch.setattr(
        redact, "redact_records", lambda records, *a, **k: read.append(len(records)) or real(records, *a, **k)
    )
    (again,), _ = mine(db, [path], options)
    assert again.added == 0 and sum(read) == 0
    _chats(path, {"C1": OPENING + LATER, "C2": LATER})  # C1 grew: only it is read again
    (grown,), _ = mine(db, [path], options)
    assert grown.grown == 1 and sum(read) == 1


def test_a_conversation_that_grew_after_a_turn_with_an_address_is_stored(db, tmp_path, options):
    """The stored version's "<EMAIL>" read as a wildcard over every turn after it: the agent's closing line said
    again after a new complaint matched the stored text's end, and the longer version was skipped as stored."""
    options.redact_pii = True
    opening = [("Customer", "My refund for order 55346 never arrived. Reach me at priya.raman@example.com."),
               ("Agent", "I'll escalate this to our specialist team.")]  # fmt: skip
    later = [("Customer", "A day later and still nothing, and the website shows the order as cancelled."), opening[1]]
    mine(db, [_chats(tmp_path / "chats-03-20.jsonl", {"W-1": opening})], options)
    options.incremental = True
    (night,), _ = mine(db, [_chats(tmp_path / "chats-03-21.jsonl", {"W-1": opening + later})], options)
    assert (night.added, night.grown) == (1, 1)
    assert "shows the order as cancelled" in _stored(db)["W-1"] and "<EMAIL>" in _stored(db)["W-1"]


def test_a_placeholder_of_a_stored_text_stands_for_a_value_on_its_line():
    from miner.store.versions import as_stored

    same = as_stored("Customer: Reach me at <EMAIL>.\nAgent: Sorry.")
    assert same is not None and same.fullmatch("Customer: Reach me at priya.raman@example.com.\nAgent: Sorry.")
    grown = "Customer: Reach me at p@example.com.\nAgent: Sorry.\nCustomer: Still late.\nAgent: Sorry."
    assert not same.fullmatch(grown)
    phone = as_stored("Call me on <PHONE>")
    assert phone is not None and phone.fullmatch("Call me on +44 7700 900 321")
    assert not phone.fullmatch("Call me on 07700 900321 and the parcel is still missing")
    assert as_stored("No personal data") is None


def _messages(path, rows: list[tuple[str, str, str]]):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["conversation_id,timestamp,speaker,text"]
    lines += [f'{cid},2026-03-12T23:40:00+00:00,{who},"{said}"' for cid, who, said in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_message_export_sliced_by_night_keeps_each_nights_turns(db, tmp_path, options):
    """A one-row-per-message export of each night, `messages.csv` in each day's folder, holds only the messages
    written since: the next night's part of a conversation shares no turn with the stored one, and as the same
    export's edit it replaced it, the first night's complaint erased."""
    night1 = _messages(tmp_path / "d12" / "messages.csv", [
        ("CH-1", "customer", "My order 77120 says delivered but I have nothing."), ("CH-1", "agent", "Checking now."),
        ("CH-2", "customer", "The checkout page keeps failing."), ("CH-2", "agent", "Please try again."),
    ])  # fmt: skip
    night2 = _messages(tmp_path / "d13" / "messages.csv", [
        ("CH-1", "customer", "Still no answer from the courier after 25 minutes."), ("CH-1", "agent", "Refunded."),
        ("CH-3", "customer", "I was promised a callback and nobody called."), ("CH-3", "agent", "Sorry."),
    ])  # fmt: skip
    mine(db, [night1], options)
    options.incremental = True
    (second,), _ = mine(db, [night2], options)
    assert (second.added, second.grown, second.diverged) == (2, 0, 1)
    texts = [r["text"] for r in db.query("SELECT text FROM documents WHERE source_id = 'CH-1'")]
    assert sorted(t.split("\n")[0] for t in texts) == [
        "Customer: My order 77120 says delivered but I have nothing.",
        "Customer: Still no answer from the courier after 25 minutes.",
    ]
    for night in (night2, night1):  # either night read again adds nothing
        (again,), _ = mine(db, [night], options)
        assert again.added == 0 and db["documents"].count == 4


def test_an_edit_keeps_a_turn_where_it_was_or_every_turn_in_order():
    from miner.store.versions import edited, held

    a, b, c, d = ("customer", "late"), ("agent", "sorry"), ("customer", "still late"), ("agent", "refunded")
    assert edited([a, b], [("customer", "late and cold"), b]) and edited([a, b], [c, a, b])
    assert not edited([a, b], [c, d]) and not edited([a, b], [b, c])  # the turns since, or from the last one on
    assert held([a, b, c, d], [c, d]) and held([a, b, c, d], [b, c]) and not held([a, b], [b, c])


def test_a_conversation_erased_before_any_run_imported_it_stays_forgotten_when_it_grows(db, tmp_path, options):
    """The API's erasure reaches uploads no run has imported (their item ids); a cumulative export then held the
    conversation again, longer, under another name: its conversation id is kept too."""
    from miner.store.erasure import forget_customer

    forget_customer(db, "CU-2002", pending=["an-id-the-upload-gave"], conversations=["CU-2002"])
    (night,), _ = mine(db, [_chats(tmp_path / "chats-03-04.jsonl", {"CU-2002": OPENING + LATER, "C3": LATER})], options)
    assert night.added == 1 and sorted(_stored(db)) == ["C3"]


# A helpdesk's e-mail tickets: the customer's reply is written on top of the thread, which it quotes with "> "
FIRST_MAIL = (
    "Hello,\n\nI was charged twice for order SE-771203, two payments of £89.00 taken on the\nsame day. Please refund "
    "the duplicate.\n\nThanks,\nOliver Brennan\n07700 900461\n\nSent from my iPhone"
)
REPLY = (
    "Still no refund of the duplicate payment, this is ridiculous. I have waited a week.\n\nOliver\n\n"
    "On Tue, 10 Mar 2026 at 09:12, ShopExample Support <help@shop.example> wrote:\n> Hi Oliver,\n>\n"
    "> I'm sorry for the inconvenience. Refunds can take 5-7 working days to\n> show on your statement.\n>\n"
    "> Kind regards,\n> Dave\n>\n> On Mon, 9 Mar 2026 at 11:00, Oliver Brennan <oliver.b@gmail.com> wrote:\n"
    "> > Hello,\n> >\n> > I was charged twice for order SE-771203, two payments of £89.00\n"
    "> > taken on the same day. Please refund the duplicate.\n> >\n> > Thanks,\n> > Oliver Brennan\n"
    "> > 07700 900461"
)
OTHER_MAIL = "Hi,\n\nMy parcel is a week late and DPD keep saying it is delayed.\n\nKind regards,\nTom Hayes"


def _tickets(path, tickets: dict[str, str], requesters: dict[str, str] | None = None):
    fields = {"created_at": "2026-03-09 11:00", "subject": "Charged twice"}
    rows = [{"ticket_id": tid, **fields, "body": body, **({"requester_email": requesters[tid]} if requesters else {})}
            for tid, body in tickets.items()]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
def test_an_email_answered_on_top_of_the_thread_replaces_the_stored_one(db, tmp_path, options, redact):
    """Night 2 held 20 tickets again, each with the customer's new message on top and the old one quoted: both were
    kept ("differ in earlier turns"), and every count counted those tickets twice (250 items for 230 tickets)."""
    options.redact_pii = redact  # compared as stored: the names and numbers in both are placeholders
    (first,), run1 = mine(db, [_tickets(tmp_path / "tickets_2026-03-10.jsonl", {"T-502": FIRST_MAIL, "T-503":
                                        OTHER_MAIL})], options)  # fmt: skip
    options.incremental = True
    night2 = _tickets(tmp_path / "tickets_2026-03-11.jsonl", {"T-502": REPLY, "T-504": OTHER_MAIL.replace("Tom", "Al")})
    (second,), run2 = mine(db, [night2], options)
    assert (second.added, second.grown, second.diverged) == (2, 1, 0)
    assert "1 conversation grew or changed since stored: the newer version replaces the earlier" in second.summary()
    stored = _stored(db)
    assert sorted(stored) == ["T-502", "T-503", "T-504"] and stored["T-502"].startswith("Still no refund")
    assert _run_documents(db, run1) == 1  # the earlier version left the first run's counts
    assert db.execute("SELECT documents FROM runs WHERE id = ?", [run2]).fetchone()[0] == 3
    # the first night read again (a backfill): the reply quoting it is stored, nothing is added
    (again,), _ = mine(db, [_tickets(tmp_path / "tickets_2026-03-10.jsonl", {"T-502": FIRST_MAIL})], options)
    assert again.added == 0 and _stored(db) == stored


def test_a_ticket_of_the_same_number_in_other_words_or_from_another_customer_is_kept_beside(db, tmp_path, options):
    options.redact_pii = True
    mine(db, [_tickets(tmp_path / "a.jsonl", {"T-1": FIRST_MAIL, "T-2": FIRST_MAIL},
                       {"T-1": "oliver.b@gmail.com", "T-2": "oliver.b@gmail.com"})], options)  # fmt: skip
    # T-1 quotes nothing of the stored T-1 (another thread); T-2 quotes it, but another customer's address asked
    night2, who = {"T-1": OTHER_MAIL, "T-2": REPLY}, {"T-1": "oliver.b@gmail.com", "T-2": "ann.lee@yahoo.co.uk"}
    (other,), _ = mine(db, [_tickets(tmp_path / "b.jsonl", night2, who)], options)
    assert (other.added, other.grown, other.diverged) == (2, 0, 2) and db["documents"].count == 4


def test_quotes_reads_past_quote_marks_wrapping_and_placeholders():
    from miner.store.versions import quotes

    assert quotes(REPLY, FIRST_MAIL) and not quotes(FIRST_MAIL, REPLY)
    redacted = FIRST_MAIL.replace("Oliver Brennan", "<PERSON>").replace("07700 900461", "<PHONE:0123456789abcdef>")
    assert quotes(REPLY, redacted)  # a placeholder in the stored text, the name in the reply's quote
    assert quotes(REPLY.replace("Oliver Brennan <", "<PERSON> <"), FIRST_MAIL)  # and the other way
    assert not quotes(REPLY.replace("£89.00", "£98.00"), FIRST_MAIL)  # other words
    # a placeholder stands for a name or a number, never for the customer's sentence
    assert not quotes("Kind regards,\n<PERSON>\n<PHONE>\n\nOn Monday", "I have had my refund. Very disappointed.")
    assert not quotes("Hi there, the parcel never came", "Hi there")  # too few words to tell


@pytest.mark.parametrize(
    ("same_file", "redact"), [(False, False), (True, False), (False, True)],
    ids=["dated-files", "same-file", "redacted"],
)  # fmt: skip
def test_an_email_reply_in_an_export_with_a_plain_id_column_replaces_the_stored_one(
    db, tmp_path, options, same_file, redact
):
    """An export whose id column is a plain `id` is read as reviews, and the version check was a conversation's
    only: night 2's T-502, the customer's reply on top of the quoted night-1 mail, was kept beside it ("1 new item
    share an id with another file's in other words: both kept") and every count counted the ticket twice."""
    options.redact_pii = redact

    def night(name: str, tickets: dict[str, str]):
        rows = [{"id": tid, "subject": "Charged twice", "body": body} for tid, body in tickets.items()]
        (path := tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    night1 = night("mail_03-10.jsonl", {"502": FIRST_MAIL, "503": OTHER_MAIL})
    (first,), run1 = mine(db, [night1], options)
    assert first.added == 2 and {r["kind"] for r in db.query("SELECT kind FROM documents")} == {"review"}
    options.incremental = True
    night2 = night("mail_03-10.jsonl" if same_file else "mail_03-11.jsonl",
                   {"502": REPLY, "503": OTHER_MAIL, "504": OTHER_MAIL.replace("Tom", "Al")})  # fmt: skip
    (second,), run2 = mine(db, [night2], options)
    assert (second.added, second.grown, second.edited, second.changed) == (2, 1, 0, 0), second.summary()
    stored = _stored(db)
    assert sorted(stored) == ["502", "503", "504"] and stored["502"].startswith("Still no refund")
    assert _run_documents(db, run1) == 1  # the earlier version left the first run's counts
    assert db.execute("SELECT documents FROM runs WHERE id = ?", [run2]).fetchone()[0] == 3
    (again,), _ = mine(db, [night("mail_03-10.jsonl", {"502": FIRST_MAIL})], options)  # a backfill of night 1
    assert again.added == 0 and _stored(db) == stored


def _segments_of(db, source_id: str) -> list[str]:
    sql = """SELECT s.text FROM segments s JOIN documents d ON d.id = s.document_id WHERE d.source_id = ?
             ORDER BY s.idx"""
    return [r[0] for r in db.execute(sql, [source_id])]


@pytest.mark.parametrize("plain_id", [False, True], ids=["ticket-id", "plain-id"])
def test_an_email_reply_that_replaces_the_stored_ticket_keeps_what_the_customer_said_before(
    db, tmp_path, options, plain_id
):
    """The reply replaced the stored ticket, but its quoted lines are never mined: the first mail's complaint ("I
    was charged twice for order ...") was in no segment of any run after night 2 (T00045's "The driver never turned
    up for the booked slot." gone, run 1's 212 complaints 205). The replaced version's clauses are carried into the
    new one, once each, and the incremental run counts them."""
    column = "id" if plain_id else "ticket_id"

    def night(name: str, tickets: dict[str, str]):
        rows = [{column: tid, "subject": "Charged twice", "body": body} for tid, body in tickets.items()]
        (path := tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    mine(db, [night("mail_03-10.jsonl", {"502": FIRST_MAIL, "503": OTHER_MAIL})], options)
    before = _segments_of(db, "502")
    assert any("charged twice" in s for s in before)
    options.incremental = True
    third = "Day ten and still nothing, I am going to my bank.\n\nOn Wed, 11 Mar 2026, Oliver wrote:\n" + "\n".join(
        f"> {line}" for line in REPLY.split("\n")
    )
    for n, body in ((11, REPLY), (12, third)):
        (grown,), run = mine(db, [night(f"mail_03-{n}.jsonl", {"502": body})], options)
        assert grown.grown == 1
        now = _segments_of(db, "502")
        assert [s for s in now if s in before] == before  # each earlier clause, once, in order
        assert len(now) == len(set(now)) and any(s.startswith("Still no refund") for s in now)
        sql = """SELECT COUNT(*) FROM segment_results r JOIN segments s ON s.id = r.segment_id
                 JOIN documents d ON d.id = s.document_id WHERE r.run_id = ? AND d.source_id = '502'"""
        assert db.execute(sql, [run]).fetchone()[0] == len(now)  # the incremental run read every one
    assert any(s.startswith("Day ten") for s in now) and db["documents"].count == 2


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
def test_a_forgotten_customers_ticket_stays_forgotten_when_an_older_export_is_read_again(db, tmp_path, options, redact):
    """An export with a plain `id` column is read as reviews, whose tombstone is the exact row (`item_tombstone`):
    after `forget --customer`, nights 1 and 2 delivered again stored night 1's version of the erased ticket, with
    the same erased `<EMAIL:...>` token. A review of another export that only shares the id stays."""
    from miner.store.erasure import forget_customer

    options.redact_pii = redact

    def export(name: str, rows: dict[str, tuple[str, str]]):
        lines = [{"id": tid, "subject": "Charged twice", "body": body, **({"requester_email": who} if who else {})}
                 for tid, (body, who) in rows.items()]  # fmt: skip
        (path := tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
        return path

    oliver, tom = "oliver.b@gmail.com", "tom.hayes@example.com"
    nights = [export("mail_03-10.jsonl", {"502": (FIRST_MAIL, oliver), "503": (OTHER_MAIL, tom)}),
              export("mail_03-11.jsonl", {"502": (REPLY, oliver)})]  # fmt: skip
    for night in nights:
        mine(db, [night], options)
    assert forget_customer(db, oliver).documents == 1 and sorted(_stored(db)) == ["503"]
    again, _ = mine(db, nights, options)  # both nights delivered again, in one folder
    assert [r.added for r in again] == [0, 0] and sorted(_stored(db)) == ["503"]
    reviews = export("reviews.jsonl", {"502": ("The parcel came a week late and the box was torn.", None)})
    (other,), _ = mine(db, [reviews], options)  # another export numbering its rows alike: not the customer's
    assert other.added == 1 and db["documents"].count == 2


def _thread(*messages: tuple[str, str]) -> str:
    """A helpdesk thread as Zendesk's "comments formatted" writes it: a rule and an author line over each message,
    the newest last."""
    return "\n\n".join(f"{'-' * 46}\n\n{who}, 1{n} Mar 2026, 09:00\n\n{said}" for n, (who, said) in enumerate(messages))


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
def test_a_helpdesk_thread_with_the_newest_message_last_replaces_the_stored_one(db, tmp_path, options, redact):
    """Night 2 held each ticket's thread again with one more customer message at the bottom: no quote marks nor
    reply header, so it was kept beside night 1's ("6 new items share an id with another file's in other words:
    both kept"), 12 items for 6 tickets and "I was charged twice for my order" counted twice per ticket."""
    options.redact_pii = redact
    agent = ("Kirsty (ShopCo Support)", "Sorry to hear that. I have asked our billing team to look into it.")
    customer = ("Dana Customer", "I was charged twice for my order and the refund has not arrived after two weeks.")
    first = [customer, agent]
    later = [*first, ("Dana Customer", "It is still not fixed and now my bank charged me an overdraft fee.")]

    def night(name: str, tickets: dict[str, str]):
        rows = [{"id": tid, "subject": "Double charge", "body": body, "requester_email": f"{tid.lower()}@example.com"}
                for tid, body in tickets.items()]  # fmt: skip
        (path := tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    nights = [night("tickets-03-12.jsonl", {"H0": _thread(*first), "H1": _thread(*first)}),
              night("tickets-03-13.jsonl", {"H0": _thread(*later), "H1": _thread(*first[:1])})]  # fmt: skip
    mine(db, nights[:1], options)
    options.incremental = True
    (second,), run = mine(db, nights[1:], options)
    assert (second.added, second.grown, second.edited) == (1, 1, 0), second.summary()
    assert db["documents"].count == 2 and "overdraft" in _stored(db)["H0"]
    said = _segments_of(db, "H0")
    assert sum("charged twice" in s for s in said) == 1 and any("overdraft" in s for s in said)
    assert not any("billing team" in s for s in said)
    (again,), _ = mine(db, nights[:1], options)  # night 1 read again (a backfill): nothing added
    assert again.added == 0 and db["documents"].count == 2


def _call(path, day: str, said: list[tuple[str, str]]):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"[{day} 09:1{i}] {who}: {text}\n" for i, (who, text) in enumerate(said)), "utf-8")
    return path


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
def test_monthly_txt_exports_of_one_file_name_are_kept_apart(db, tmp_path, options, redact):
    """Each month's `calls.txt` in its own folder: a .txt file's id is its name ('calls'), and the second month's
    call took the first's id and replaced it ("1 conversation grew or changed"): 8 of 96 calls were left."""
    options.redact_pii = redact
    jan = _call(tmp_path / "2026-01" / "calls.txt", "2026-01-05", OPENING)
    feb = _call(tmp_path / "2026-02" / "calls.txt", "2026-02-11", LATER)
    mine(db, [jan], options)
    options.incremental = True
    (second,), _ = mine(db, [feb], options)
    assert (second.added, second.grown, second.diverged, second.changed) == (1, 0, 0, 0)
    texts = [r["text"] for r in db.query("SELECT text FROM documents ORDER BY date")]
    assert len(texts) == 2 and "wrong door" in texts[0] and "charged twice" in texts[1]
    assert {r["source_id"] for r in db.query("SELECT source_id FROM documents")} == {"calls"}
    # the folder mined again, each file read again, and a third month in one mine: only the third is new
    _call(tmp_path / "2026-03" / "calls.txt", "2026-03-02", [("Customer", "The app logs me out every day.")])
    imports, _ = mine(db, [tmp_path], options)
    assert [r.added for r in imports] == [0, 0, 1] and db["documents"].count == 3
    # a month's call exported again with turns appended is still its newer version
    _call(jan, "2026-01-05", OPENING + LATER)
    (grown,), _ = mine(db, [jan], options)
    assert (grown.added, grown.grown) == (1, 1) and db["documents"].count == 3


def test_a_database_that_lost_a_month_to_the_shared_name_gets_it_back(db, tmp_path, options):
    """A database mined before, where February's call replaced January's: mined again, nothing is stored twice
    and January's call is back."""
    jan = _call(tmp_path / "2026-01" / "calls.txt", "2026-01-05", OPENING)
    feb = _call(tmp_path / "2026-02" / "calls.txt", "2026-02-11", LATER)
    mine(db, [feb], options)  # as the earlier code left it: only February's stored, under the name's id
    options.incremental = True
    imports, _ = mine(db, [jan, feb], options)
    assert [r.added for r in imports] == [1, 0] and db["documents"].count == 2
    again, _ = mine(db, [jan, feb], options)
    assert [r.added for r in again] == [0, 0] and db["documents"].count == 2


def test_plain_txt_items_of_one_file_name_in_other_words_are_both_kept(db, tmp_path, options):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "note.txt").write_text("The delivery fee was hidden until checkout.", "utf-8")
    (tmp_path / "b" / "note.txt").write_text("The courier never rang the bell.", "utf-8")
    imports, _ = mine(db, [tmp_path], options)
    assert [(r.added, r.changed) for r in imports] == [(1, 0), (1, 0)] and db["documents"].count == 2


def test_two_months_calls_in_the_same_words_are_two_calls(db, tmp_path, options):
    """Calls read from a script ("I'd like to cancel") are said alike in two months' `calls.txt`: a .txt file's id
    is its name, and the second, or one whose turns began the first's, was skipped as the stored call again (87 of
    96 calls were stored). A call started at another time is another call."""
    short = OPENING[:1]
    months = [_call(tmp_path / m / "calls.txt", f"2026-0{i}-05", said)
              for i, (m, said) in enumerate((("a", OPENING), ("b", OPENING), ("c", short)), 1)]  # fmt: skip
    imports, _ = mine(db, months, options)
    assert [r.added for r in imports] == [1, 1, 1] and db["documents"].count == 3
    again, _ = mine(db, months, options)
    assert [r.added for r in again] == [0, 0, 0]


def test_forgetting_one_calls_txt_caller_keeps_other_months_calls(db, tmp_path, options):
    """A .txt file's id is its name: erasing January's caller tombstoned the id 'calls', and every later month's
    `calls.txt` call, other customers', was skipped as forgotten. The tombstone now holds the call's start too: other
    months' calls are stored, and January's call exported again, longer, stays forgotten."""
    from miner.store.erasure import forget_customer

    jan = _call(tmp_path / "2026-01" / "calls.txt", "2026-01-05", OPENING)
    mine(db, [jan], options)
    assert forget_customer(db, "jane.doe@example.com").documents == 1
    options.incremental = True
    feb = _call(tmp_path / "2026-02" / "calls.txt", "2026-02-11", LATER)
    (month,), _ = mine(db, [feb], options)
    assert month.added == 1 and "charged twice" in _stored(db)["calls"]
    _call(jan, "2026-01-05", OPENING + LATER)  # January's call again, with turns appended
    (again,), _ = mine(db, [jan], options)
    assert again.added == 0 and db["documents"].count == 1
