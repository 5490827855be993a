"""Conversation exports as transcripts: Zendesk tickets (comments with author roles) and Intercom
conversations (conversation parts with author types). Each becomes one row with speaker turns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from miner.ingest.plaintext import plain_text
from miner.ingest.records import Turn
from miner.ingest.speakers import address_key
from miner.ingest.transcripts import clean_turns

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers

CUSTOMER_AUTHORS = {"end-user", "user", "lead", "contact", "customer", "requester", "visitor"}


def customer_author(role: object) -> bool:
    """Whether an author's role or type is the customer's, however the export spells it: Zendesk's API writes
    `end-user`, its screens and other tools' exports `End user` (read as the company's role, the requester's words
    were left unmined)."""
    return "-".join(str(role or "").lower().replace("_", " ").split()) in CUSTOMER_AUTHORS


def plain(body: object) -> str:
    """HTML or plain text bodies as one line of text (`plaintext.plain_text`: a customer's "<3" stays)."""
    return " ".join(plain_text(str(body or "")).split())


def _iso(value: object) -> str:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return str(value or "")


def _customer_mail(found: Iterable[object], company: set[str]) -> str | list[str] | None:
    """The customer's e-mail addresses among `found`, once each in any case, none that the company's side writes from
    (`company`, as `address_key`s): one as a string, several as a list. Kept as a row's column, redaction stores each
    as the keyed token `forget --customer` finds by the address, as it does a CSV's e-mail column; an erasure by
    e-mail found no helpdesk conversation, whose customer was named by an author id alone."""

    kept: dict[str, str] = {}
    for value in found:
        if (key := address_key(value)) is not None and key not in company:
            kept.setdefault(key, str(value).strip())
    addresses = list(kept.values())
    return addresses[0] if len(addresses) == 1 else addresses or None


def _keys(emails: Iterable[object]) -> set[str]:

    return {key for email in emails if (key := address_key(email)) is not None}


ID_FROM = "_id_from"  # the field of the record a row's "id" came from, for the note on the columns (`shapes`)


def _ident(rec: dict, *names: str) -> tuple[str, object] | None:
    """The record's own id and the field that holds it: `id`, else the first of `names` it has (a ticket export's
    `ticket_id`)."""
    return next(((n, rec[n]) for n in ("id", *names) if rec.get(n) not in (None, "")), None)


def _row(ident: tuple[str, object] | None, turns: list[Turn], **fields: object) -> dict:
    turns = clean_turns(turns)
    text = "\n".join(f"{'Customer' if t.speaker == 'customer' else 'Agent'}: {t.text}" for t in turns)
    row: dict[str, object] = {"id": str(ident[1]) if ident else "", "text": text, "_turns": turns}
    row[ID_FROM] = ident[0] if ident else None
    row.update({k: v for k, v in fields.items() if v not in (None, "", [])})
    return row


# --- Zendesk --------------------------------------------------------------------------------------------------


def is_zendesk(rec: dict, speakers: Speakers | None = None) -> bool:
    comments = rec.get("comments")
    return (
        isinstance(comments, list)
        and (not comments or isinstance(comments[0], dict))
        and "conversation_parts" not in rec
    )


def is_comments_page(rec: dict) -> bool:
    """A Zendesk ticket comments page (GET /api/v2/tickets/{id}/comments.json): one ticket's comments with neither the
    ticket's id nor its requester in it, named by its file (`zendesk_pages`)."""
    no_id = _ident(rec, "ticket_id", "case_id", "conversation_id") is None
    return is_zendesk(rec) and no_id and rec.get("requester_id") in (None, "")


def said(comment: dict) -> str:
    """A comment's words as one line: its `plain_body`, else its `body` or `html_body` made plain."""
    return plain(comment.get("plain_body") or comment.get("body") or comment.get("html_body"))


def author_id(comment: dict) -> object:
    """A comment's author's id: `author_id`, else `author.id`."""
    return comment.get("author_id") or _author(comment).get("id")


def author_role(comment: dict, user: dict) -> object:
    """A comment's author's role: its own (`author_role`, `author.role`), else its side-loaded user's (`user`)."""
    return comment.get("author_role") or _author(comment).get("role") or user.get("role")


def _author(record: dict) -> dict:
    author = record.get("author")
    return author if isinstance(author, dict) else {}


def _sender(comment: dict) -> object:
    """The address an e-mailed comment came from (its `via.source.from.address`); None for one by another channel."""
    via = comment.get("via")
    source = via.get("source") if isinstance(via, dict) else None
    sender = source.get("from") if isinstance(source, dict) else None
    return sender.get("address") if isinstance(sender, dict) else None


class Users:
    """The users a Zendesk export side-loads (`include=users`: id, name, e-mail, role), beside its tickets or in one,
    by id: its comments name their author and a ticket its requester by an id alone. One per file, a ticket's own
    users joining it as read. It gives a comment's side (the role), the labels given a match (name, role, e-mail) and
    the customers' addresses kept for erasure (`customer_email`), never an address of the company's users."""

    def __init__(self, users: object = None) -> None:
        self.by_id: dict[str, dict] = {}
        self.staff: set[str] = set()  # the addresses of the users whose role is the company's, as `address_key`s
        self.add(users)

    def add(self, users: object) -> None:
        for user in users if isinstance(users, list) else ():
            if isinstance(user, dict) and user.get("id") not in (None, ""):
                self.by_id[str(user["id"])] = user
                self.staff |= _keys([user.get("email")]) if _staff(user) else set()

    def of(self, user_id: object) -> dict:
        """The side-loaded user with this id, or {} where none is (the comment is read as without the list)."""
        return self.by_id.get(str(user_id), {}) if user_id not in (None, "") else {}


def _staff(user: dict) -> bool:
    """A user whose role is the company's (`agent`, `admin`): never the customer, though the requester."""
    return bool(user.get("role")) and not customer_author(user.get("role"))


def _comment_emails(comment: dict, user: dict) -> tuple[object, ...]:
    """The addresses of a comment's author: its own (`author.email`), its side-loaded user's and the address an
    e-mailed comment came from (`via.source.from.address`)."""
    return _author(comment).get("email"), user.get("email"), _sender(comment)


def _zendesk_side(
    comment: dict, requester: object, speakers: Speakers | None, user: dict, emails: tuple[object, ...], page: bool
) -> tuple[str, bool]:
    """The comment's side, and whether it is surely the company's (a role or a label given says so, not a guess):
    as the user gave its author's id, name, e-mail or role (`Speakers.author_side`: an end-user who is staff, a bot,
    an author with no role), else by its role, else by whether the requester wrote it; on a comments `page`, which
    names no requester, as the labels given leave the authors they do not name (`Speakers.rest`). The name and role
    are the author's own (`author`), else its side-loaded user's (`user`: a customer's CC'd colleague is an end-user,
    the agent who requested a proactive ticket an agent)."""
    author = _author(comment)
    role = author_role(comment, user)
    if speakers is not None:
        named = (comment.get("author_id"), author.get("id"), author.get("name") or user.get("name"))
        if given := speakers.author_side(named, emails, role):
            return given, given == "agent"
    if role:
        return ("customer", False) if customer_author(role) else ("agent", True)
    if page and speakers is not None:  # without labels a page whose sides cannot be told is refused (zendesk_pages)
        return speakers.rest, speakers.rest == "agent"
    return ("customer" if requester is not None and comment.get("author_id") == requester else "agent"), False


def _requester_emails(ticket: dict, users: Users) -> tuple[list[object], bool]:
    """The requester's addresses the ticket gives (its embedded or side-loaded user's and the address an e-mailed
    ticket came from), and whether that user's role is the company's (an agent who raised a ticket is no customer)."""
    people = [p for p in (ticket.get("requester"), users.of(ticket.get("requester_id"))) if isinstance(p, dict)]
    return [*(p.get("email") for p in people), _sender(ticket)], any(map(_staff, people))


def zendesk_row(ticket: dict, speakers: Speakers | None = None, users: Users | None = None) -> dict:
    requester, page = ticket.get("requester_id"), is_comments_page(ticket)
    users = users if users is not None else Users()
    users.add(ticket.get("users"))  # the users a ticket's own comments were fetched with
    requested, staff_requester = _requester_emails(ticket, users)
    mail = [] if staff_requester else requested  # then the customers who wrote in the ticket, the requester first
    company = set(users.staff) | (_keys(requested) if staff_requester else set())
    turns = []
    for comment in ticket.get("comments") or []:
        body = said(comment)
        if not body:
            continue
        user = users.of(author_id(comment))
        emails = _comment_emails(comment, user)
        speaker, staff = _zendesk_side(comment, requester, speakers, user, emails, page)
        by_staff_requester = staff_requester and requester not in (None, "") and comment.get("author_id") == requester
        if staff or by_staff_requester:
            company |= _keys(emails)
        elif speaker == "customer":  # the requester and every other customer who wrote: a CC'd colleague too
            mail += emails
        if comment.get("public") is False:
            speaker = "agent"  # an internal note is context, never the customer's words
        turns.append(Turn(speaker, body))
    sat = ticket.get("satisfaction_rating")
    first: dict = next(iter(ticket.get("comments") or []), {})  # a page has no date: its first comment's is its own
    return _row(
        _ident(ticket, "ticket_id", "case_id", "conversation_id"),
        turns,
        subject=ticket.get("subject"),
        created_at=_iso(ticket.get("created_at") or (first.get("created_at") if page else None)),
        status=ticket.get("status"),
        customer_email=_customer_mail(mail, company),
        channel=(ticket.get("via") or {}).get("channel") if isinstance(ticket.get("via"), dict) else None,
        tags="; ".join(map(str, ticket.get("tags") or [])),
        satisfaction_rating=sat.get("score") if isinstance(sat, dict) else sat,
        satisfaction_comment=sat.get("comment") if isinstance(sat, dict) else None,
    )


# --- Intercom -------------------------------------------------------------------------------------------------


def is_intercom(rec: dict, speakers: Speakers | None = None) -> bool:
    return "conversation_parts" in rec


def _intercom_side(part: dict, speakers: Speakers | None) -> tuple[str, bool]:
    """The part's side, and whether it is surely the company's (a type or a label given says so): as the user gave
    its author's id, name, e-mail or type (`Speakers.author_side`: a bot exported as a user, a colleague as a lead,
    an opening message with no author type), else by its author's type."""
    author = _author(part)
    named = (author.get("id"), author.get("name"))
    if speakers is not None and (given := speakers.author_side(named, (author.get("email"),), author.get("type"))):
        return given, given == "agent"
    if customer_author(author.get("type")):
        return "customer", False
    return "agent", bool(author.get("type"))


def _contact_emails(conv: dict) -> list[object]:
    """The addresses of the conversation's customers, as the API version writes them: `contacts` (a contact.list or
    a list), `customers` and `user` (version 1)."""
    contacts = conv.get("contacts")
    contacts = contacts.get("contacts") if isinstance(contacts, dict) else contacts
    customers = conv.get("customers")
    people = [*(contacts if isinstance(contacts, list) else []), *(customers if isinstance(customers, list) else [])]
    return [p.get("email") for p in [*people, conv.get("user")] if isinstance(p, dict)]


def intercom_row(conv: dict, speakers: Speakers | None = None, users: Users | None = None) -> dict:
    turns, mail, company = [], _contact_emails(conv), set()
    source = conv.get("source") or {}
    parts = conv.get("conversation_parts") or {}
    if isinstance(parts, dict):
        parts = parts.get("conversation_parts") or []
    for part in [source, *parts]:
        if part is not source and part.get("part_type", "comment") not in ("comment", "note", "open", "close"):
            continue
        if not plain(part.get("body")):
            continue
        speaker, staff = _intercom_side(part, speakers)  # a note's author too: a label that names only them is heard
        email = _author(part).get("email")
        company |= _keys([email]) if staff else set()
        mail += [email] if speaker == "customer" else []
        if part.get("part_type") == "note":
            speaker = "agent"  # an internal note is context, never the customer's words
        turns.append(Turn(speaker, plain(part.get("body"))))
    rating = conv.get("conversation_rating") or {}
    return _row(
        _ident(conv, "conversation_id", "ticket_id", "case_id"),
        turns,
        subject=source.get("subject"),  # made plain with the other titles (`rows._record`)
        created_at=_iso(conv.get("created_at")),
        state=conv.get("state"),
        customer_email=_customer_mail(mail, company),
        rating=rating.get("rating") if isinstance(rating, dict) else None,
        rating_remark=rating.get("remark") if isinstance(rating, dict) else None,
    )


# --- a list of messages (Amazon Connect Contact Lens, a bot platform's log, a JSONL line with "turns") -----------

_LISTS = ("turns", "messages", "transcript", "utterances", "conversation", "dialog", "dialogue", "entries", "chat",
          "segments")  # fmt: skip
_SPEAKERS = ("speaker", "role", "sender", "author", "from", "participant", "participantid", "participant_id",
             "participantrole", "participant_role", "speaker_label", "speakerlabel", "who", "user_type",
             "type")  # fmt: skip
_CHANNELS = ("channel", "channel_label", "side")  # a vendor's "Left" and "Right": read for labels given a side
_SAYS = ("text", "content", "message", "body", "utterance", "transcript")
_MESSAGE_IDS = ("message_id", "messageid", "msg_id", "id")
_IDS = ("conversation_id", "contactid", "contact_id", "ticket_id", "case_id", "session_id", "call_id")


def _field(rec: dict, names: tuple[str, ...]) -> object:
    """The first of `names` the record holds, in any case ("ParticipantId", "Content")."""
    found = _named(rec, names)
    return found[1] if found else None


def _named(rec: dict, names: tuple[str, ...]) -> tuple[str, object] | None:
    """`_field`'s value with the key that holds it, as the record spells it."""
    keys = {k.lower(): k for k in rec if isinstance(k, str)}
    return next(((keys[n], rec[keys[n]]) for n in names if n in keys and rec[keys[n]] not in (None, "")), None)


def _speaker(message: dict, speakers: Speakers | None) -> str:
    """Who says the message: the first of its speaker fields holding a label given a side (`speakers`), else the
    first it has (with labels given, a channel field too)."""
    if speakers is None:
        return str(_field(message, _SPEAKERS) or "")
    for name in (*_SPEAKERS, *_CHANNELS):
        if (value := _field(message, (name,))) is not None and speakers.given_label(str(value)):
            return str(value)
    return str(_field(message, _SPEAKERS) or _field(message, _CHANNELS) or "")


def _messages(rec: dict, speakers: Speakers | None = None) -> list | None:
    """The record's list of messages: objects, each saying who speaks (a known role or "Speaker 1"; with labels
    given a side, `speakers`, any label: the file is said to hold labelled transcripts, and a label given that none
    uses is refused by name) and what."""
    from miner.ingest.transcripts import speaker_role

    def known(label: str) -> bool:
        return bool(label) if speakers is not None else speaker_role(label) is not None

    for key, value in rec.items():
        if not isinstance(key, str) or key.lower() not in _LISTS or not isinstance(value, list) or not value:
            continue
        if all(isinstance(m, dict) for m in value) and sum(
            known(_speaker(m, speakers)) and bool(_field(m, _SAYS)) for m in value
        ) >= max(1, len(value) // 2):
            return value
    return None


def is_messages(rec: dict, speakers: Speakers | None = None) -> bool:
    return _messages(rec, speakers) is not None


def messages_row(conv: dict, speakers: Speakers | None = None, users: Users | None = None) -> dict:
    from miner.ingest.transcripts import sides_of

    labelled, ids = [], []
    for message in _messages(conv, speakers) or []:
        said = plain(_field(message, _SAYS))
        if said:
            labelled.append((_speaker(message, speakers), said))
            ids.append(None if (own := _field(message, _MESSAGE_IDS)) is None else str(own))
    turns = sides_of(labelled, speakers)
    if all(ids) and len(set(ids)) == len(ids):  # each message's own id (Contact Lens' `Id`): `Turn.message`
        for turn, own_id in zip(turns, ids, strict=True):
            turn.message = own_id
    found = conv.get("CustomerMetadata")
    meta: dict = found if isinstance(found, dict) else {}
    ident = _ident(conv, *_IDS) or _named(conv, _IDS)
    if ident is None and (inner := _named(meta, _IDS)):
        ident = (f"CustomerMetadata.{inner[0]}", inner[1])
    rest = {k: v for k, v in conv.items() if not isinstance(v, list | dict) and k not in ("id", "text", "_turns")}
    return _row(ident, turns, **rest)


# Each shape's test and reading of a record, with the labels given a side (`speakers`) and the file's side-loaded
# users (`Users`, read by Zendesk's alone): Zendesk's and Intercom's say who speaks by the author's role, a fixed set
# of the platform's, unless a label given names the author
Shape = tuple[Callable[[dict, "Speakers | None"], bool], Callable[[dict, "Speakers | None", Users], dict]]
SHAPES: dict[str, Shape] = {
    "zendesk": (is_zendesk, zendesk_row),
    "intercom": (is_intercom, intercom_row),
    "messages": (is_messages, messages_row),
}
