"""Identifiers said bare (miner/segment/identifiers.py): an account number or a meter serial given as the answer to
an agent who asked for it, or named in the same clause, is redacted; amounts, dates, times, measures and order
references beside it are not. A data-protection review found them kept in contact-centre transcripts."""

from miner.ingest import read_file
from miner.ingest.records import Record, Turn
from miner.segment.pii import Redactor, redact, redact_records

CALL = """Agent: Morning, you're through to billing. Can I take your account number please?
Customer: 52290417
Agent: Thank you. And the serial on your meter?
Customer: hang on... it's F09B 77342
Agent: Lovely. So that's 5229 0417 on the account, is that right? And the full account number on your last bill?
Customer: yes that's 3318 2207 5561
Agent: How much was the bill, and when did it come?
Customer: 187.40 pounds on 03-11-2025, order 91827364 for the new meter, waited 45 minutes on 18 Mbps wifi
"""


def _redacted_call(tmp_path, text=CALL):
    path = tmp_path / "call.txt"
    path.write_text(text, encoding="utf-8")
    [rec] = redact_records(read_file(path), Redactor(names=None), key="k")
    return rec


def test_an_answer_to_an_agent_asking_for_an_identifier_is_redacted(tmp_path):
    rec = _redacted_call(tmp_path)
    for value in ("52290417", "F09B 77342", "5229 0417", "3318 2207 5561"):
        assert value not in rec.text, value
    said = [t.text for t in rec.turns]
    assert "<ACCOUNT>" in said[1] and said[3] == "hang on... it's <ACCOUNT>"
    assert said[5] == "yes that's <ACCOUNT>"  # an account number, though a phone number's digits
    assert said[4].startswith("Lovely. So that's <ACCOUNT> on the account")  # the agent reading it back


def test_what_is_no_identifier_stays_beside_one(tmp_path):
    rec = _redacted_call(tmp_path)
    assert rec.turns[-1].text == (
        "187.40 pounds on 03-11-2025, order 91827364 for the new meter, waited 45 minutes on 18 Mbps wifi"
    )
    asked = "Agent: What's your membership number please?\nCustomer: {}\n"
    for answer in ("it cost £1249999 in total", "2 items, 250000 points", "10:30 on 2025-03-14", "flight DL4102",
                   "booking ref 77812345", "3 days, 120000 miles", "since 2019, 1500mAh battery"):  # fmt: skip
        rec = _redacted_call(tmp_path, asked.format(answer))
        assert rec.turns[-1].text == answer and "<" not in rec.text, answer


def test_a_bare_number_without_the_question_stays(tmp_path):
    rec = _redacted_call(tmp_path, "Agent: What's the order number?\nCustomer: 40718823\nAgent: Thanks, checking.\n")
    assert rec.turns[1].text == "40718823"  # an order's: kept, as the policy keeps references
    later = "Agent: Can I take your account number?\nCustomer: 40718823\nAgent: How can I help?\nCustomer: 61230099\n"
    rec = _redacted_call(tmp_path, later)
    assert [t.text for t in rec.turns[1::2]] == ["<ACCOUNT>", "61230099"]  # the cue lasts to the agent's next turn


def test_a_turn_not_found_in_its_text_keeps_the_cue():
    # parsed turns a reader cleaned ("Hi," dropped, spacing changed) are redacted on their own: the question is in
    # the turn before, which such a turn's own pass does not see
    turns = [Turn("agent", "Could you confirm your policy number?"), Turn("customer", "sure  PLC 40718823")]
    text = "Agent: Could you confirm your policy number?\nCustomer: Hi, sure PLC 40718823"
    [rec] = redact_records([Record("c.txt", 1, text, kind="transcript", turns=turns)], Redactor(names=None))
    assert rec.turns[1].text == "sure  PLC <ACCOUNT>" and rec.text.endswith("Customer: Hi, sure PLC <ACCOUNT>")


def test_an_identifier_named_in_the_same_clause_is_redacted():
    assert redact("Meter serial K12A 04553, reading 04553 today.") == "Meter serial <ACCOUNT>, reading 04553 today."
    assert redact("my MPAN is 1200023456789") == "my MPAN is <ACCOUNT>"
    assert redact("account number GX4471902 was billed twice") == "account number <ACCOUNT> was billed twice"
    assert redact("the serial number on the meter is D08K 0239871.") == "the serial number on the meter is <ACCOUNT>."
    for kept in ("serial number 12 Mbps", "account number 15-03-2024", "meter reading 045533", "order 55821"):
        assert redact(kept) == kept


def test_a_money_amount_is_no_account_or_phone_number(tmp_path):
    # "I was charged 1234567.89 twice" was "<PHONE>", after "account" "<ACCOUNT>.89": the pattern stopped at the point
    for amount in ("1234567.89", "1,234,567.89", "1 234 567.89", "1.234.567,89", "£1234567", "$ 123456789",
                   "USD 123456789", "123456789 GBP", "1234567 pounds", "1234567€"):  # fmt: skip
        for text in (f"I was charged {amount} twice", f"charged to my account {amount}", f"account: {amount}"):
            assert redact(text) == text, text
    # a bare digit run after its name is still an account number or a meter serial, and a phone number still one
    assert redact("my account number is 4482913.") == "my account number is <ACCOUNT>."
    assert redact("account 12345678, charged 1234567.89") == "account <ACCOUNT>, charged 1234567.89"
    assert redact("meter serial 04553871, bill 1234.56") == "meter serial <ACCOUNT>, bill 1234.56"
    assert redact("call 0161.496.0754 or 07700 900123") == "call <PHONE> or <PHONE>"
    # an account number the customer gave is no part of an amount the same digits begin
    rec = _redacted_call(tmp_path, "Agent: Can I take your account number?\nCustomer: 1234567\nAgent: And?\n"
                                   "Customer: I was charged 1234567.89 twice\n")  # fmt: skip
    assert [t.text for t in rec.turns[1::2]] == ["<ACCOUNT>", "I was charged 1234567.89 twice"]


def test_a_loyalty_or_membership_number_named_without_number_is_redacted():
    # kept before: "number" was the only word that named such a value
    for text in ("my Nectar card 9826 3341 2290 1187", "Avios membership 12345678", "loyalty ID: 88231177",
                 "Clubcard 634004023456 was not scanned", "my ID: 88231177", "rewards #40718823"):  # fmt: skip
        assert "<ACCOUNT>" in redact(text) and not any(ch.isdigit() for ch in redact(text)), text
    for kept in ("membership for 12 months", "3 loyalty points", "rewards 250000 points", "graphics card RTX4090",
                 "card 2 of 3", "card ending 1881", "member since 2019", "membership 2024", "my order ID 12345678",
                 "card was charged 1234567.89", "gift card £500000"):  # fmt: skip
        assert redact(kept) == kept, kept
