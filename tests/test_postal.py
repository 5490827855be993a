"""Postcodes as customers type them (miner/segment/postal.py): unspaced and in any case they were kept ("m11ae"),
where the capitalised, spaced form was redacted; product codes and chat words of a like shape stay."""

from miner.ingest import read_file
from miner.ingest.records import Record, Turn
from miner.segment.pii import Redactor, redact, redact_records


def test_an_unspaced_postcode_in_any_case_is_redacted():
    for code in ("E16UP", "SW1A1AA", "m11ae", "Sw1a1aa", "ls62ab", "cf103an"):
        assert redact(f"I moved, it's {code} now.") == "I moved, it's <ADDRESS> now.", code
        assert redact(code) == "<ADDRESS>", code


def test_a_spaced_postcode_in_lower_case_is_redacted_after_a_cue():
    assert redact("my postcode is ls6 2ab") == "my postcode is <ADDRESS>"
    assert redact("please deliver to e1 6up") == "please deliver to <ADDRESS>"
    assert redact("I live at 12 mill road, leeds ls6 2ab") == "I live at <ADDRESS>, leeds <ADDRESS>"
    for chat in ("see you b4 2nd floor", "ok m8 2day"):  # chat-speak of a postcode's shape, with no cue
        assert redact(chat) == chat


def test_product_codes_and_words_of_a_like_shape_stay():
    for text in ("A380", "MP3", "COVID19", "B2B", "4K", "PS5", "iPhone15", "AB12345", "a380", "mp3", "covid19",
                 "ps5", "ps4pro", "w10pro", "GT3RS", "h265hd", "@m11ae", "file m11ae.txt", "ref m11ae-2"):  # fmt: skip
        assert redact(f"my {text} broke") == f"my {text} broke", text
    assert redact("Austin, TX 78701") == "Austin, TX <ADDRESS>"  # a US ZIP code still


def test_a_capital_postcode_alone_needs_a_real_area_so_product_models_stay():
    """The shape alone took models for addresses ("The <ADDRESS> is great" for Ford's F150XL)."""
    for model in ("F150XL", "X100VI", "RX100VA", "PS5 1TB", "GT40 1AA", "A4 5XL", "T5 2XL"):
        assert redact(f"The {model} is great") == f"The {model} is great", model
    assert redact("I drive the F150XL") == "I drive the F150XL"  # "drive" cues a lower-case postcode, not this
    assert redact("booking HF92QA confirmed") == "booking HF92QA confirmed"  # a reference, which the policy keeps
    for code in ("LS6 2AB", "SW1A 1AA", "LS62AB", "M14 5TH"):
        assert redact(f"It's {code} now") == "It's <ADDRESS> now", code


def test_a_capital_postcode_of_any_area_is_redacted_named_or_after_a_street():
    assert redact("my postcode is XY1 2AB") == "my postcode is <ADDRESS>"
    assert (
        redact("the billing postcode?\nCustomer: 4417, and KL4 9RT")
        == "the billing postcode?\nCustomer: 4417, and <ADDRESS>"
    )
    assert redact("Flat 4, 27 Mill Road, Leeds XY1 2AB") == "<ADDRESS>"


ASKED = """Agent: Thanks for calling. Can I take your postcode?
Customer: ls6 2ab
Agent: Lovely, and what's the postcode please for the delivery?
Customer: it's sw1a 1aa, the office
Agent: So that's LS6 2AB at home. Anything else?
Customer: no ta, see you b4 2nd
"""


def _redacted(tmp_path, text):
    path = tmp_path / "call.txt"
    path.write_text(text, encoding="utf-8")
    [rec] = redact_records(read_file(path), Redactor(names=None), key="k")
    return rec


def test_a_lower_case_postcode_given_as_the_answer_to_the_question_before_is_redacted(tmp_path):
    """The cue's search stops at the question mark and the line break, so the customer's answer was kept."""
    rec = _redacted(tmp_path, ASKED)
    said = [t.text for t in rec.turns]
    assert said[1] == "<ADDRESS>" and said[3] == "it's <ADDRESS>, the office"
    assert said[4] == "So that's <ADDRESS> at home. Anything else?"
    assert said[5] == "no ta, see you b4 2nd"  # chat-speak after no question for a postcode
    assert "ls6 2ab" not in rec.text and "sw1a 1aa" not in rec.text and rec.text.endswith("see you b4 2nd")
    assert redact("Agent: Which address is it going to?\nCustomer: e1 6up please") == (
        "Agent: Which address is it going to?\nCustomer: <ADDRESS> please"
    )


def test_chat_speak_of_a_postcode_shape_stays_after_a_line_that_asks_for_no_postcode(tmp_path):
    for before in ("Agent: Anything else I can help with?", "Agent: I've updated the address on the account.",
                   "Agent: What's the email address on it?", "see you later"):  # fmt: skip
        text = f"{before}\nCustomer: ok see you b4 2nd"
        assert redact(text) == text, before
    rec = _redacted(tmp_path, "Agent: Can I take your postcode?\nCustomer: one sec\nCustomer: ok b4 2nd then\n")
    assert rec.turns[2].text == "ok b4 2nd then"  # the question was two lines before


def test_an_answered_postcode_in_a_turn_redacted_on_its_own_is_redacted():
    # a turn its reader cleaned ("Hi," dropped, spacing changed) is redacted alone, without the question before it
    turns = [Turn("agent", "Could I take the postcode?"), Turn("customer", "sure  ls6 2ab")]
    text = "Agent: Could I take the postcode?\nCustomer: Hi, sure ls6 2ab"
    [rec] = redact_records([Record("c.txt", 1, text, kind="transcript", turns=turns)], Redactor(names=None))
    assert rec.turns[1].text == "sure  <ADDRESS>" and rec.text.endswith("Customer: Hi, sure <ADDRESS>")


def test_a_capital_postcode_of_any_area_is_redacted_after_zip_code_or_as_the_answer_to_a_question_for_an_address():
    """Only "postcode" took a capital postcode outside the real areas: "zip code", "post code" and a question for an
    address or a ZIP code the line before did not."""
    for asked in ("What's the address for delivery?", "Can I take your zip code?", "And the post code please?"):
        assert redact(f"Agent: {asked}\nCustomer: it's ZZ9 9ZZ") == f"Agent: {asked}\nCustomer: it's <ADDRESS>", asked
    assert redact("Agent: What's the address for delivery?\nCustomer: 12 High St, ZZ9 9ZZ").endswith(": <ADDRESS>")
    assert redact("my zip code is XY1 2AB") == "my zip code is <ADDRESS>"
    for kept in (
        "Can you change the delivery address for my PS5 1TB order?",  # "address" beside a model is no question
        "Please deliver to my office, the GT40 1AA kit is heavy",
        "the zip on the T5 2XL broke",  # a coat's zip
        "Agent: I've updated the address on the account.\nCustomer: great, the PS5 1TB arrived",
        "Agent: What's the email address on it?\nCustomer: PS5 1TB",
    ):
        assert redact(kept) == kept, kept


def test_a_zip_code_after_zip_or_as_the_answer_to_a_question_for_one_is_redacted(tmp_path):
    """A ZIP code after "zip code's" or "zip =" was kept, and so was "90210" given when the agent asked for the ZIP."""
    for said in ("my zip code's 90210", "zip = 90210", "Zip Code - 90210-1234", "ZIP: 90210"):
        assert redact(said).endswith(" <ADDRESS>"), said
    assert redact("Agent: What's your zip code?\nCustomer: 90210").endswith("Customer: <ADDRESS>")
    assert redact("Agent: And the zip?\nCustomer: it's 90210-1234").endswith("it's <ADDRESS>")  # not a <PHONE>
    rec = _redacted(tmp_path, "Customer: the delivery charge to zip 94110?\nAgent: Delivery to 94110 is $3.99\n")
    assert "94110" not in rec.text and rec.turns[1].text == "Delivery to <ADDRESS> is $3.99"  # read back
    for kept in (  # five digits alone are an order's number as often as a ZIP code's
        "order 90210 never came",
        "ref 12345 please",
        "Agent: What's the order number?\nCustomer: 12345",
        "Agent: Can I take your postcode?\nCustomer: sorry, 12345 is all I have",  # no UK postcode is five digits
        "Agent: What's your zip?\nCustomer: #12345 and $12345 and 12345.50",
    ):
        assert redact(kept) == kept, kept


def test_an_answered_zip_or_capital_postcode_in_a_turn_redacted_on_its_own_is_redacted():
    for asked, said in (("What's your zip code?", "sure  90210"), ("Which address is it going to?", "sure  ZZ9 9ZZ")):
        turns = [Turn("agent", asked), Turn("customer", said)]
        text = f"Agent: {asked}\nCustomer: Hi, {' '.join(said.split())}"
        [rec] = redact_records([Record("c.txt", 1, text, kind="transcript", turns=turns)], Redactor(names=None))
        assert rec.turns[1].text == "sure  <ADDRESS>" and rec.text.endswith("Customer: Hi, sure <ADDRESS>"), asked
