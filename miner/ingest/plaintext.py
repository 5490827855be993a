"""A cell's text as the customer saw it: HTML tags and entities, invisible format characters and markdown emphasis
taken out on import, before redaction and segmentation read it.

Exports carry what their source rendered: an app store's or Zendesk's HTML (`<p>Delivery was late &amp; the box
was <b>crushed</b>.</p>`), a web form's markdown (`**Terrible**`), text pasted with zero-width or direction marks.
Left in, `4111\u200b1111\u200b1111\u200b1111` escaped card redaction, `john&#64;example.com` escaped email
redaction, "amp" became a pain point's label word and `<br>` kept lines in one clause.
"""

from __future__ import annotations

import html
import re

from miner.ingest.transcripts import has_markup

# Tags by name, so that "<3", "a < b" or a customer's "<PHONE>" are never taken for one. A block's or a line
# break's tag becomes a line break (a clause ends there, as at a newline); an inline one goes without a trace.
_BLOCKS = "br|p|div|li|ul|ol|h[1-6]|tr|table|thead|tbody|blockquote|hr|pre|section|article|header|footer|dl|dt|dd"
_INLINE = ("a|b|i|u|s|em|strong|span|font|small|big|sup|sub|mark|code|img|del|ins|strike|abbr|cite|q|center|td|th|"
           "label|o:p")  # fmt: skip
_ATTRIBUTES = r"(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?)*\s*/?"
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCKS})\b{_ATTRIBUTES}>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE})\b{_ATTRIBUTES}>", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[ \t]*\n\s*")
# A named or numbered entity with its semicolon: "&not" or "&copy" without one is a customer's "&" ("this&not that")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Zero-width, direction and other invisible format characters; the joiners are handled apart (below)
_INVISIBLE = re.compile("[\u00ad\u200b\u200e\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# A joiner between two letters or symbols outside ASCII belongs there (the ZWJ of an emoji sequence, the ZWNJ of a
# Persian word); next to an ASCII letter, digit or punctuation mark it only hides what the text says
_STRAY_JOINER = re.compile("[\u200c\u200d](?![^\\x00-\\x7f])|(?<![^\\x00-\\x7f])[\u200c\u200d]")
# A zero-width space between two words is where they part ("Refund\u200bstill\u200bnot\u200breceived")
_ZWSP_WORD = re.compile(r"(?<=[A-Za-z])\u200b+(?=[A-Za-z])")
_WORD_ZWSP = re.compile(r"\S*\u200b\S*")
_NO_BREAK = re.compile("[\u00a0\u2007\u202f]")  # "&nbsp;": a card "4111\xa01111..." escaped redaction

# Emphasis around words; never an underscore inside one (order_id, john_smith@...) or a lone asterisk ("5*")
_EMPHASIS = (
    re.compile(r"(?<![\w*])\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*(?![\w*])"),
    re.compile(r"(?<![\w_])__(?=\S)([^_\n]+?)(?<=\S)__(?![\w_])"),
    re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])"),
)


def plain_text(text: str) -> str:
    """`text` without HTML, invisible characters or markdown emphasis, stripped. Entities are decoded once
    ("&amp;amp;" reads "&amp;"), after the tags go, so an escaped "&lt;b&gt;" stays the customer's "<b>"."""
    if "<" in text and (_BLOCK_TAG.search(text) or _INLINE_TAG.search(text)):
        text = _INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", text))
        text = _LINE_BREAKS.sub("\n", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if not text.isascii():
        text = visible(text)
    if ("*" in text or "_" in text) and not has_markup(text):
        for pattern in _EMPHASIS:
            text = pattern.sub(r"\1", text)
    return text.strip()


def visible(text: str) -> str:
    """`text` without invisible format characters, a zero-width space between words read as a space (not inside an
    email address, whose redaction a space would cut: "sarah\u200b.whitfield@gmail.com"), no-break spaces as
    spaces."""
    text = _WORD_ZWSP.sub(lambda m: m.group(0) if "@" in m.group(0) else _ZWSP_WORD.sub(" ", m.group(0)), text)
    text = _STRAY_JOINER.sub("", _INVISIBLE.sub("", text))
    return _NO_BREAK.sub(" ", text)
