"""Feedback text made inert for where it is shown: a terminal runs no escape code or Rich markup found in a review,
a report page runs no tag or script found in a touchpoint's name."""

from __future__ import annotations

import html
import json
import re
import unicodedata

# whole escape sequences first (CSI "ESC [ ... final", OSC "ESC ] ... BEL or ESC \", and two-byte ESC x), so no
# printable tail of one ("]0;window title") is left behind; then every other control character, and the bidi
# overrides that reorder what a terminal shows
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC strings
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # the 8-bit CSI
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit string controls
    r"|\x1b[ -~]?"  # any other escape
)
_SCRIPT_ESCAPES = {ord(ch): f"\\u{ord(ch):04x}" for ch in "<>&\u2028\u2029"}
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def terminal_text(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with every escape sequence and control character removed (tabs become spaces; newlines stay only
    with `keep_newlines`): what a review says, never what it would make a terminal do."""
    out = []
    for ch in _ESCAPES.sub("", str(text)):
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in "\t\n\r":
            out.append(" ")
        elif ch not in _BIDI and unicodedata.category(ch) != "Cc":
            out.append(ch)
    return "".join(out)


def script_json(value: object) -> str:
    """JSON safe to inline in a <script> element: no `<`, `>` or `&` is left to the HTML parser (`<!--<script>`
    in a name would otherwise swallow the rest of the page), and U+2028/2029 are escaped for old JS parsers."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_ESCAPES)


def plotly_text(text: object) -> str:
    """A name or label as plain text for plotly, which renders a subset of HTML in labels, hover text and legends
    (`<a href>` would be a live link): every `<`, `>` and `&` becomes an entity, which plotly shows as the
    character itself."""
    return html.escape(str(text), quote=False)
