"""Postcodes as customers type them (miner/segment/postal.py): unspaced and in any case they were kept ("m11ae"),
where the capitalised, spaced form was redacted; product codes and chat words of a like shape stay."""

from miner.segment.pii import redact


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
