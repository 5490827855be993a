"""A cell's text is stored as the customer saw it: no zero-width or direction marks, HTML or markdown emphasis."""

import csv
import json

from miner.ingest import read_file
from miner.ingest.plaintext import plain_text
from miner.segment.pii import redact, redact_records


def _csv(tmp_path, texts, **columns):
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "rating", "text", *columns])
        for i, text in enumerate(texts):
            writer.writerow([i + 1, 1, text, *(values[i] for values in columns.values())])
    return read_file(path)


def test_zero_width_characters_no_longer_hide_pii(tmp_path):
    """A card split by zero-width spaces was stored whole; the phone and half the email too."""
    records = _csv(tmp_path, [
        "My card 4111\u200b1111\u200b1111\u200b1111 was charged twice",
        "Call me on 07700\u200b900123",
        "Write to sarah\u200b.whitfield@gmail.com",
        "Card 4111&nbsp;1111&nbsp;1111&nbsp;1111 charged",
    ])  # fmt: skip
    texts = [r.text for r in redact_records(records)]
    assert texts == [
        "My card <CARD> was charged twice",
        "Call me on <PHONE>",
        "Write to <EMAIL>",
        "Card <CARD> charged",
    ]


def test_invisible_marks_go_and_emoji_sequences_stay(tmp_path):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined by ZWJs
    [gaps, marks, emoji] = _csv(tmp_path, [
        "Refund\u200bstill\u200bnot\u200breceived",
        "\u200f\u202eParcel\u202c never \ufeffarrived\u2066 (order 12\u200d34)\u2069\u200e",
        f"Lovely staff {family}\u200d but the app\u200d crashed",
    ])  # fmt: skip
    assert gaps.text == "Refund still not received"  # a zero-width space parts words: it was read as one word
    assert marks.text == "Parcel never arrived (order 1234)"
    assert emoji.text == f"Lovely staff {family} but the app crashed"


def test_html_is_read_as_text(tmp_path):
    """The quote showed "&amp;" and "<b>", a pain point was labelled "amp", and an entity-encoded email was kept."""
    [para, lines, email, double] = _csv(tmp_path, [
        "<p>Delivery was late &amp; the box was <b>crushed</b>.</p>",
        "The app crashes<br>Login fails<BR/>Support never replied <a href='https://x.example/help'>here</a>",
        '<div class="msg">Contact john&#64;example.com or jane&#x40;example.com &hellip; &pound;20 lost</div>',
        "Fish &amp;amp; chips",
    ])  # fmt: skip
    assert para.text == "Delivery was late & the box was crushed."
    assert lines.text == "The app crashes\nLogin fails\nSupport never replied here"
    assert email.text == "Contact john@example.com or jane@example.com … £20 lost"
    assert redact(email.text) == "Contact <EMAIL> or <EMAIL> … £20 lost"
    assert double.text == "Fish &amp; chips"  # decoded once


def test_text_that_only_looks_like_html_stays(tmp_path):
    texts = [
        "Love the new menu <3 but a < b when the app says 2 > 1",
        "They sent &lt;b&gt;bold&lt;/b&gt; in the email",  # the customer's literal tags, escaped by the export
        "My <PHONE> was shown, R&D and AT&T this&not that",
    ]
    assert [r.text for r in _csv(tmp_path, texts)] == [
        texts[0],
        "They sent <b>bold</b> in the email",
        texts[2],
    ]


def test_markdown_emphasis_goes_and_underscores_in_words_stay(tmp_path):
    [bold, words] = _csv(tmp_path, [
        "**Terrible** experience: the order arrived *cold* and __late__, _again_",
        "Food 5* but order_id_4411 failed; mail john_smith_@example.com *see note",
    ])  # fmt: skip
    assert bold.text == "Terrible experience: the order arrived cold and late, again"
    assert words.text == "Food 5* but order_id_4411 failed; mail john_smith_@example.com *see note"


def test_titles_and_transcript_turns_are_plain(tmp_path):
    [chat] = _csv(
        tmp_path,
        ["Customer: my card 4111\u200b1111\u200b1111\u200b1111 was &amp; still is blocked\nAgent: I &lt;3 helping"],
        title=["<b>Card</b>\u200b blocked"],
    )
    assert chat.title == "Card blocked"
    assert [(t.speaker, t.text) for t in chat.turns] == [
        ("customer", "my card 4111111111111111 was & still is blocked"),
        ("agent", "I <3 helping"),
    ]


def test_rows_of_messages_and_json_conversations_are_plain(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text(
        "conversation_id,speaker,text\n"
        "c1,customer,<p>Order **never** came</p>\n"
        "c1,agent,Sorry &amp; sorry\n"
        "c2,customer,Card 4111\u200b1111\u200b1111\u200b1111 charged twice\n"
        "c2,agent,Looking now\n",
        encoding="utf-8",
    )
    texts = [[t.text for t in r.turns] for r in read_file(path)]
    assert texts == [["Order never came", "Sorry & sorry"], ["Card 4111111111111111 charged twice", "Looking now"]]
    ticket = {"id": 7, "subject": "Late &amp; cold", "requester_id": 1, "comments": [
        {"author_id": 1, "html_body": "<p>I &lt;3 the food</p><p>but it came <b>cold</b>\u200b</p>"},
        {"author_id": 2, "body": "So sorry"},
    ]}  # fmt: skip
    (tmp_path / "tickets.json").write_text(json.dumps([ticket]), encoding="utf-8")
    [rec] = read_file(tmp_path / "tickets.json")
    assert rec.title == "Late & cold"
    assert rec.turns[0].text == "I <3 the food but it came cold"


def test_plain_text_is_stable_on_plain_text():
    for text in ["Delivery was late & the box was crushed.", "5* service\n- cold food", "snake_case_name", ""]:
        assert plain_text(text) == text.strip()
