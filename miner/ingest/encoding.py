"""Which encoding a text file is in: BOMs, then UTF-8, then charset-normalizer for legacy code pages."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from miner.errors import InputError

SAMPLE_BYTES = 1 << 20
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A valid multi-byte UTF-8 sequence: a file holding some is UTF-8 with a bad byte, not a legacy code page.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")
_WESTERN = {"latin_1", "iso8859_1", "iso8859_15", "cp1252", "windows-1252", "ascii"}


def _bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if len(head) >= 4 and head[1:4:2] == b"\x00\x00" and head[0] and head[2]:
        return "utf-16-le"  # UTF-16 without a BOM: every other byte of ASCII text is NUL
    if len(head) >= 4 and head[0:4:2] == b"\x00\x00" and head[1] and head[3]:
        return "utf-16-be"
    return None


def _undecodable(path: Path, raw: bytes, err: UnicodeDecodeError, encoding: str) -> InputError:
    line = raw[: err.start].count(b"\n") + 1
    return InputError(
        str(path),
        f"byte {raw[err.start]:#04x} is not valid {encoding.upper()} (the rest of the file is)",
        line=line,
        hint="fix or remove that character, or save the file again as UTF-8",
    )


def _utf8_line(raw: bytes) -> bool:
    """Whether a line of `raw` holds text beyond ASCII that decodes as UTF-8: a file joined from a UTF-8 export and a
    Windows-1252 one whose bad byte came first was read whole as a code page ("The ‚Äúexpress‚Äù shipping")."""
    for line in raw.split(b"\n"):
        if _UTF8_MULTIBYTE.search(line):
            try:
                line.decode("utf-8")
                return True
            except UnicodeDecodeError:
                continue
    return False


def detect(path: Path, head: bytes) -> str:
    """The encoding to read the file with, judged from its first bytes (up to 1 MiB)."""
    bom = _bom_encoding(head)
    if bom:
        return bom
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as err:
        if err.reason == "unexpected end of data":  # a character cut by the end of the sample
            return "utf-8"
        if _UTF8_MULTIBYTE.search(head[: err.start]) or _utf8_line(head[err.start :]):
            raise _undecodable(path, head, err, "utf-8") from None
    from charset_normalizer import from_bytes

    results = from_bytes(head)
    best = results.best()
    if best is None:
        raise InputError(
            str(path),
            "the text encoding could not be recognised",
            hint="save the file as UTF-8 (or UTF-16, Windows-1252) and try again",
        )
    # Short texts often tie between code pages (cp1250, cp1252, cp1257 read "Café" alike); exports in English
    # are far more often Windows-1252, so it wins a tie.
    ties = [m.encoding for m in results if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    return "cp1252" if set(ties) & _WESTERN else best.encoding


def decode(path: Path, raw: bytes) -> str:
    """The whole file as text; raises InputError naming the line of a byte that does not decode."""
    encoding = detect(path, raw[:SAMPLE_BYTES])
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise _undecodable(path, raw, err, encoding.removesuffix("-sig")) from None


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(str(path), "the file is empty", hint="export the data again or remove the file")
    return decode(path, raw)
