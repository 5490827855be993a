"""The customer's own new words in an e-mail: what a helpdesk export's ticket body holds besides them is left unmined.

A support ticket's body is the whole e-mail: the customer's message, then quoted replies ("> ..."), the reply header
before them ("On Tue, 3 Mar 2026 at 10:02, Support <help@shop.example> wrote:"), Outlook's "From: / Sent: / To:"
block, forwarded messages, a signature and a company's legal disclaimer; headers and Outlook blocks are read in
English, German, French, Spanish, Dutch, Italian and Portuguese ("Am ... schrieb ...:", "Le ... a écrit :", "Von: /
Gesendet: / An: / Betreff:", "De : / Envoyé : / À : / Objet :"). Mined whole, a third of a 190-ticket export's
complaints were those: the agent's "Please try clearing your cookies", "If you are not the intended recipient, please
notify the sender immediately" as a pain point's lead quote. Only a text with an e-mail's marks is touched (a
reply header, two quoted lines, a forward or Outlook header, a "-- " line, a phone's "Sent from my iPhone", a
disclaimer), so "I'd give it > 3 stars" or "On Monday the driver wrote: sorry" is mined as before.

Every pattern reads one line (or a paragraph's opening) of bounded length, so a text is read in linear time.
"""

from __future__ import annotations

import re

_LONG = 300  # no header, signature or marker line is longer; longer lines are the customer's (and never re-read)
_QUOTE = re.compile(r"[ \t]{0,3}>")
# A reply header's start: "On" and a date, a time or an address ("On 3/3/26, Anna wrote:", "On Tue, 3 Mar ..."); in
# German, French, Spanish, Dutch, Italian and Portuguese mail apps "Am", "Le", "El", "Op", "Il" ("Il giorno") and "Em"
_ON = re.compile(r"[ \t]*(?:On|Am|Le|El|Op|Il|Em)[ \t]", re.IGNORECASE)
# A header names a time, a year, a numeric date or an address: "On 3 March the driver wrote:" is a review's
_DATED = re.compile(r"\d:\d\d|\b(?:19|20)\d\d\b|\d/\d|@|<EMAIL")
_COLON = r"[ \t\u00a0\u202f]?:"  # French puts a space (often a no-break one) before a colon: "a écrit :", "De :"
# Its end: "wrote:", "a écrit :", "escribió:", "ha scritto:", "escreveu:", "schrieb:" ("Jane Doe schrieb:")
_WROTE = re.compile(
    rf"\b(?:wrote|a[ \t\u00a0]+écrit|escribió|ha[ \t]+scritto|escreveu|schrieb|schreef){_COLON}[ \t]*$", re.IGNORECASE
)
# German and Dutch name the writer after the verb ("Am 02.03.2026 um 10:02 schrieb Jane <jane@x.com>:", "Op 2 mrt.
# 2026 om 10:02 schreef Jane:"): read as a header only with a time or an address ("Am 3.3.2026 schrieb ich: ..." is not)
_WROTE_NAME = re.compile(r"\b(?:schrieb|schreef)[ \t]+[^\n:]{1,120}:[ \t]*$", re.IGNORECASE)
_TIMED = re.compile(r"\d:\d\d|@|<EMAIL")
_MARKER = re.compile(
    r"[ \t]*(?:-{2,}[ \t]*(?:Forwarded message|Original Message|Ursprüngliche Nachricht|Weitergeleitete Nachricht"
    r"|Message d'origine|Message transféré|Mensaje original|Mensaje reenviado|Oorspronkelijk bericht"
    r"|Doorgestuurd bericht|Messaggio originale|Messaggio inoltrato|Mensagem original|Mensagem encaminhada)[ \t]*-{2,}"
    r"|Begin forwarded message:|-{2,}[ \t]*(?:Forwarded|Original) by [^\n]{0,100}-{2,})[ \t]*$",
    re.IGNORECASE,
)
# Outlook's header fields, in English, German, French, Spanish, Dutch, Italian and Portuguese, by what each names
_FIELDS = {
    "from": ("From", "Von", "De", "Van", "Da"),
    "sent": ("Sent", "Gesendet", "Envoyé", "Envoye", "Enviado", "Enviada", "Verzonden", "Inviato"),
    "date": ("Date", "Datum", "Fecha", "Data"),
    "to": ("To", "An", "À", "A", "Para", "Aan"),
    "cc": ("Cc",),
    "subject": ("Subject", "Betreff", "Objet", "Asunto", "Onderwerp", "Oggetto", "Assunto"),
}
_FIELD_OF = {name.casefold(): field for field, names in _FIELDS.items() for name in names}
_FIELD = re.compile(
    rf"[ \t]*\*?({'|'.join(sorted(_FIELD_OF, key=len, reverse=True))})(?:[ \t]+em)?\*?{_COLON}", re.IGNORECASE
)
_DEVICES = (
    r"iPhone|iPad|iOS|Android|Galaxy|Samsung|Pixel|Huawei|BlackBerry|Windows|Outlook|Gmail|Mail|mobile|phone"
    r"|smartphone|tablet|Xiaomi|OnePlus|Motorola|Nokia|Mac"
)
_MODELS = "Pro|Max|Plus|Ultra|Mini|Lite|Edge|Note|Air|FE"
# A phone's or a mail app's line, the whole line: "Sent from my iPhone", "Sent from Yahoo Mail for iPhone", "Get
# Outlook for Android"; not "Sent via Royal Mail and it never arrived"
_MOBILE = re.compile(
    rf"[ \t]*(?:(?:Sent from|Sent with|Sent via|Sent using)[ \t]+(?:my[ \t]+|the[ \t]+)?(?:[\w.'&-]+[ \t]+){{0,3}}"
    rf"(?:{_DEVICES})\b(?:[ \t]+(?:for|on)[ \t]+[\w.-]+)?(?:[ \t]+(?:[\w.-]*\d[\w.-]*|{_MODELS})){{0,3}}"
    r"|Get[ \t]+Outlook[ \t]+for[ \t]+(?:iOS|Android))[ \t]*[.!]?[ \t]*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"[ \t]*(?:(?:kind|best|warm|warmest|many|with|yours)[ \t]+)?(?:regards|thanks|thank you|cheers|wishes"
    r"|sincerely|faithfully|truly|best|thx|many thanks|all the best)(?:[ \t]+(?:again|so much))?[ \t]*[,.!]?[ \t]*$",
    re.IGNORECASE,
)
# A company's legal footer, by its opening: read over a paragraph's first 400 characters, any line breaks
_DISCLAIMER = re.compile(
    r"\b(?:this[ \t\n]+(?:e-?mail|message|communication|transmission)\b[^.]{0,120}?\b(?:confidential|privileged)"
    r"|if[ \t\n]+you[ \t\n]+(?:are|have)[ \t\n]+(?:not[ \t\n]+the[ \t\n]+intended[ \t\n]+recipient"
    r"|received[ \t\n]+this[ \t\n]+(?:e-?mail|message|communication)[ \t\n]+in[ \t\n]+error)"
    r"|please[ \t\n]+consider[ \t\n]+the[ \t\n]+environment[ \t\n]+before[ \t\n]+printing"
    r"|(?:confidentiality[ \t\n]+notice|disclaimer)[ \t]*:"
    r"|the[ \t\n]+information[ \t\n]+(?:contained[ \t\n]+)?in[ \t\n]+this[ \t\n]+(?:e-?mail|message)\b"
    r"|registered[ \t\n]+in[ \t\n]+england[ \t\n]+(?:and|&)[ \t\n]+wales)",
    re.IGNORECASE,
)
# A helpdesk's thread (Zendesk's "comments formatted"): a rule of dashes, then "Name, 17 Feb 2026, 10:42" over each
# message; a message whose author is not the first message's and names a company role is the agent's (the first
# message may have none over it: the ticket's description, the customer's)
_RULE = re.compile(r"[ \t]*-{20,}[ \t]*$")
_AUTHOR = re.compile(r"[ \t]*([^,\n]{1,80}),[ \t][^\n]{0,40}\d[^\n]{0,40}\b\d{1,2}:\d\d(?:[ \t]?[AaPp][Mm])?[ \t]*$")
_COMPANY = re.compile(r"\b(?:support|agent|team|care|service|helpdesk|staff|advisor|adviser|rep)\b", re.IGNORECASE)
_WORDS = re.compile(r"\S+")
_LETTER = re.compile(r"[A-Za-z0-9]")


def customer_parts(text: str) -> list[str]:
    """The parts of `text` that are the customer's own new words, each a slice of `text` as it stands (segments are
    found in the stored text by their characters), in order; `[text]` where `text` does not look like an e-mail."""
    spans = customer_spans(text)
    return [text] if spans is None else [text[a:b] for a, b in spans]


def customer_spans(text: str) -> list[tuple[int, int]] | None:
    """(start, end) of each part of an e-mail `text` that is the customer's own, stripped; None where `text` does
    not look like an e-mail (nothing is left out)."""
    if "\n" not in text:
        return None
    lines = text.split("\n")
    cut = _non_customer([line.rstrip("\r") for line in lines] if "\r" in text else lines)
    if cut is None:
        return None
    spans, at, start = [], 0, None
    for line, gone in zip(lines, cut, strict=True):
        if gone and start is not None:
            spans.append((start, at - 1))
            start = None
        elif not gone and start is None:
            start = at
        at += len(line) + 1
    if start is not None:
        spans.append((start, len(text)))
    return [_strip(text, a, b) for a, b in spans if _LETTER.search(text, a, b)]


def quotes_earlier(text: str) -> bool:
    """Whether `text` is an e-mail that holds an earlier message: a reply or forward header, an Outlook header block,
    two quoted lines, or a helpdesk thread of two messages or more (`_thread`: the newest last). A helpdesk export
    read as reviews (its id column a plain `id`) has its tickets' later versions told by this
    (miner/store/versions.py), as a conversation's are by their turns."""
    if "\n" not in text:
        return False
    lines = [line.rstrip("\r") for line in text.split("\n")]
    short = [len(line) <= _LONG for line in lines]
    quoted = [s and bool(_QUOTE.match(line)) for s, line in zip(short, lines, strict=True)]
    if sum(quoted) >= 2 or _headers(lines, short, quoted):
        return True
    authors, opened = _thread(lines, short)
    return len(authors) + opened >= 2


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _non_customer(lines: list[str]) -> list[bool] | None:
    """Per line, whether it is not the customer's own; None where no line marks the text as an e-mail."""
    n = len(lines)
    short = [len(line) <= _LONG for line in lines]
    cut = [s and bool(_QUOTE.match(line)) for s, line in zip(short, lines, strict=True)]
    quotes = sum(cut)
    headers = _headers(lines, short, cut) + _agent_messages(lines, short)
    end = n
    for first, last, to_end in sorted(headers, reverse=True):  # a header's block ends where a later one starts
        stop = end if to_end else last + 1
        cut[first:stop] = [True] * (stop - first)
        end = first
    mobile = [i for i in range(n) if short[i] and not cut[i] and _MOBILE.match(lines[i])]
    signatures = [i for i in range(n) if short[i] and not cut[i] and _signature(cut, lines, i)]
    disclaimers = _disclaimers(lines)
    if not headers and not mobile and not signatures and not disclaimers and quotes < 2:
        return None
    for i in mobile:
        cut[i] = True
    for i in reversed(signatures):  # to the next part cut, each line once
        stop = next((j for j in range(i + 1, n) if cut[j]), n)
        cut[i:stop] = [True] * (stop - i)
    for first, last in disclaimers:
        cut[first : last + 1] = [True] * (last + 1 - first)
        _cut_block_above(cut, lines, first)  # the name, job title and address the disclaimer follows
    for i in range(n):
        if short[i] and not cut[i] and _SIGN_OFF.match(lines[i]):
            _cut_sign_off(cut, lines, i)
    return cut


def _headers(lines: list[str], short: list[bool], quoted: list[bool]) -> list[tuple[int, int, bool]]:
    """(first line, last line, whether all that follows is quoted) of each reply or forward header."""
    out = []
    n = len(lines)
    for i, line in enumerate(lines):
        if not short[i] or quoted[i]:
            continue
        if _MARKER.match(line):
            out.append((i, i, True))
        elif (end := _reply_header(lines, short, i)) is not None:
            after = next((j for j in range(end + 1, n) if lines[j].strip()), None)
            out.append((i, end, after is None or not quoted[after]))
        elif _FIELD.match(line) and _outlook_block(lines, short, i):
            out.append((i, i, True))
    return out


def _agent_messages(lines: list[str], short: list[bool]) -> list[tuple[int, int, bool]]:
    """(rule line, last line, False) of each message of a helpdesk thread, the agent's to its end (the customer's
    keep their words, only the rule and author line over them cut), where it holds two messages or more
    (`_thread`) and one is the agent's."""
    authors, opened = _thread(lines, short)
    if not authors:
        return []
    first = None if opened else authors[0][2]  # a first message with no author line is the customer's
    agents = [who != first and bool(_COMPANY.search(who)) for _, _, who in authors]
    if len(authors) + opened < 2 or (len(authors) < 2 and not any(agents)):
        return []
    ends = [i - 1 for i, _, _ in authors[1:]] + [len(lines) - 1]
    return [(i, end if agent else j, False) for (i, j, _), end, agent in zip(authors, ends, agents, strict=True)]


def _thread(lines: list[str], short: list[bool]) -> tuple[list[tuple[int, int, str]], bool]:
    """A helpdesk thread's messages: (rule line, author line, author) of each with a rule and an author line over it,
    and whether words come above the first (the ticket's description, with none over it)."""
    authors = []
    for i, line in enumerate(lines):
        if short[i] and _RULE.match(line):
            j = next((j for j in range(i + 1, min(i + 3, len(lines))) if lines[j].strip()), None)
            if j is not None and short[j] and (m := _AUTHOR.match(lines[j])):
                authors.append((i, j, m.group(1).strip()))
    return authors, bool(authors) and any(line.strip() for line in lines[: authors[0][0]])


def _reply_header(lines: list[str], short: list[bool], i: int) -> int | None:
    """The last line of a reply header starting at line `i` ("On ... wrote:", maybe wrapped onto a second line;
    or any "... wrote:" line a quoted line follows), else None."""
    line, nxt = lines[i], i + 1
    after = lines[nxt] if nxt < len(lines) and short[nxt] else None
    if _ON.match(line):
        if _ends_header(line):
            return i if _DATED.search(line) else None
        if after is not None and len(after) <= 100 and not _QUOTE.match(after) and _ends_header(f"{line} {after}"):
            return nxt if _DATED.search(f"{line} {after}") else None
    if after is not None and ":" in line and _WROTE.search(line):
        follow = next((j for j in range(nxt, min(nxt + 2, len(lines))) if lines[j].strip()), None)
        if follow is not None and _QUOTE.match(lines[follow]):
            return i
    return None


def _ends_header(text: str) -> bool:
    """Whether `text` ends as a reply header does: "... wrote:" (or its German, French, Spanish, Dutch, Italian or
    Portuguese), or "... schrieb Jane <jane@x.com>:" with a time or an address."""
    if ":" not in text:  # most lines: the patterns below are not tried
        return False
    return bool(_WROTE.search(text)) or bool(_WROTE_NAME.search(text) and _TIMED.search(text))


def _outlook_block(lines: list[str], short: list[bool], i: int) -> bool:
    """Whether line `i`, a "From:" line (or "Von:", "De :"...), opens a header block of an earlier message: "Sent:"
    or "Subject:" among the next four lines, each a header field ("From: London / To: Paris" in a review is not one)."""
    if (m := _FIELD.match(lines[i])) is None or _FIELD_OF[m.group(1).casefold()] != "from":
        return False
    names = set()
    for j in range(i + 1, min(i + 5, len(lines))):
        if not short[j] or (f := _FIELD.match(lines[j])) is None:
            break
        names.add(_FIELD_OF[f.group(1).casefold()])
    return bool(names & {"sent", "subject"}) and bool(names & {"to", "date", "sent"})


def _disclaimers(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last line) of each paragraph that opens with a legal disclaimer's words."""
    out, first = [], None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and first is None:
            first = i
        elif not line.strip() and first is not None:
            head = "\n".join(lines[first : min(i, first + 6)])[:400]
            opening = re.search(r"[.!?](?:\s|$)", head)  # its first sentence: a disclaimer opens the paragraph
            if (m := _DISCLAIMER.search(head)) and m.start() < (opening.end() if opening else len(head)):
                out.append((first, i - 1))
            first = None
    return out


def _signature(cut: list[bool], lines: list[str], i: int) -> bool:
    """Whether line `i` is the signature separator "-- ", which by convention opens the signature, up to the next
    cut part or the end; a bare "--" (an export stripped the space) only where a few short lines follow it."""
    if lines[i] != "--":
        return lines[i] == "-- "
    near = min(i + 30, len(lines))
    stop = next((j for j in range(i + 1, near) if cut[j]), near)
    rest = [line for line in lines[i + 1 : stop] if line.strip()]
    return (stop < i + 30 or stop == len(lines)) and 0 < len(rest) <= 8 and all(map(_signature_line, rest))


def _cut_block_above(cut: list[bool], lines: list[str], i: int) -> None:
    """The lines above line `i` up to a blank line (past blank lines right above it), where they are a few short
    signature lines."""
    j = i - 1
    while j >= 0 and not lines[j].strip() and i - j < 4:
        j -= 1
    k = j
    while k >= 0 and lines[k].strip() and not cut[k] and _signature_line(lines[k]) and j - k < 8:
        k -= 1
    if k < j and (k < 0 or not lines[k].strip() or cut[k]):
        cut[k + 1 : j + 1] = [True] * (j - k)


def _cut_sign_off(cut: list[bool], lines: list[str], i: int) -> None:
    """A sign-off ("Kind regards,") and the name, title, phone and address lines under it, up to a blank line."""
    j = i + 1
    while j < len(lines) and lines[j].strip() and not cut[j] and _signature_line(lines[j]) and j - i <= 8:
        j += 1
    if j - i > 1 or j == len(lines) or not lines[j].strip() or cut[j]:
        cut[i:j] = [True] * (j - i)


def _signature_line(line: str) -> bool:
    """A line that may be a signature's: short, a few words (a name, a job title, a phone number, an address), not
    a sentence ("Please sort this out today.")."""
    words = sum(1 for _ in _WORDS.finditer(line)) if len(line) <= 80 else 99
    return words <= 10 and (words <= 3 or not line.rstrip().endswith((".", "?", "!")))
