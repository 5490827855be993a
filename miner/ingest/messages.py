"""Chat exports with one row per message: the rows of one conversation joined into one transcript.

A live-chat or messaging export often holds a row per message (`conversation_id, timestamp, speaker, text`). Read
as rows, every message after a conversation's first repeats its id and is dropped, and an agent's message is mined
as the customer's. Such a file is recognised by a speaker column (its name and its values: customer, agent, bot...,
a contact-centre platform's external/internal, or a speech-to-text vendor's spk_0/spk_1) beside an id that repeats,
and each conversation's rows become one transcript item, its turns in file order. Numbered speakers are told apart
per conversation, as in a prefixed transcript (`transcripts.sides_of`): diarisation numbers speakers in the order
they speak, so spk_0 is the agent in one call and the customer in the next.

Streamed, with a window: a conversation stays open until OPEN_ROWS rows have passed without a message of its own,
so an export sorted by time, where conversations interleave, is joined as well as one sorted by conversation, and
only the open conversations are held. A message arriving after its conversation was closed starts a second item
with the same id, which `mine` counts as a repeated id and names.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from miner.ingest.columns import ColumnMap, norm
from miner.ingest.plaintext import plain_text
from miner.ingest.transcripts import clean_turns, sides_of, speaker_role
from miner.wording import counted

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers

SPEAKER_NAMES = {
    "speaker", "role", "sender", "sender_type", "author_type", "author_role", "from", "participant", "party",
    "user_type", "speaker_role", "message_from", "who", "participant_purpose", "participant_role", "participant_type",
    "speaker_type", "speaker_label", "sender_role", "author", "message_direction", "channel_label",
}  # fmt: skip
CHANNEL_NAMES = {"channel", "channel_label", "side", "spk", "speaker_id", "speaker_tag"}  # read with labels given
CONVERSATION_NAMES = {
    "conversation_id", "chat_id", "session_id", "thread_id", "ticket_id", "case_id", "contact_id", "call_id",
    "interaction_id", "dialog_id", "dialogue_id",
}  # fmt: skip
MESSAGE_NAMES = {
    "message_id", "msg_id", "message_uuid", "message_guid", "messageid", "utterance_id", "turn_id", "comment_id",
    "part_id", "chat_message_id",
}  # fmt: skip
KNOWN_SHARE = 0.8  # of the sampled speaker cells that must be a known role for the column to be one
OPEN_ROWS = 20_000  # rows without a message of its own after which a conversation is taken as finished


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def speaker_column(
    columns: list[str], sample: list[dict], cols: ColumnMap, speakers: Speakers | None = None, parts: bool = False
) -> str | None:
    """The column saying who wrote each message, when the file holds one row per message: a speaker-like name
    whose values are mostly customer or agent roles (or numbered speakers), and an id that repeats within the
    sampled rows, unless the file is said to hold messages (`parts`: a night's messages since the last export, or
    each with an id of its own, may be one for each conversation). With labels given a side (`speakers`) the file
    is said to hold labelled transcripts: a speaker-like or channel name holding any labels (a label given that none
    uses is refused by name), else a column of any name mostly holding the labels given."""
    if not cols.id or not cols.text:
        return None
    ids = [_text(r.get(cols.id)) for r in sample]
    if len(set(ids)) == len(ids) and not parts:
        return None
    candidates = [c for c in columns if c not in (cols.text, cols.id)]
    if speakers is None:
        known = [c for c in candidates if norm(c) in SPEAKER_NAMES and _mostly(sample, c, _role_known)]
        return next(iter(known), None)
    filled = [c for c in candidates if norm(c) in SPEAKER_NAMES | CHANNEL_NAMES and _mostly(sample, c, bool, True)]
    given = [c for c in candidates if _mostly(sample, c, speakers.given_label)]
    return next(iter(filled + given), None)


def by_conversation(
    columns: list[str], sample: list[dict], cols: ColumnMap, given: ColumnMap, speakers: Speakers | None
) -> tuple[ColumnMap, str | None]:
    """The columns with the conversation's id as the id, and the column of each message's own id (or None). An
    export of `id, conversation_id, author, body` had its message `id` taken for the id (the first id name): no id
    repeated, every message was an item of its own and the agent's were mined as the customer's. Where the id found
    (not given with --id-col) never repeats, a conversation id column beside a speaker column is the id, and the id
    found each message's own: one that repeats, or any with --append (a night may hold one message a conversation)."""
    ids = [_text(r.get(cols.id)) for r in sample] if cols.id else []
    if cols.id and given.id is None and all(ids) and len(set(ids)) == len(ids):
        for column in (c for c in columns if norm(c) in CONVERSATION_NAMES and c not in (cols.id, cols.text)):
            talks = [_text(r.get(column)) for r in sample]
            if not all(talks) or (len(set(talks)) == len(talks) and not cols.append):
                continue
            joined = replace(cols, id=column)
            if speaker_column(columns, sample, joined, speakers, cols.append) is not None:
                return joined, cols.id
    return cols, message_column(columns, sample, cols) if cols.id else None


def message_column(columns: list[str], sample: list[dict], cols: ColumnMap) -> str | None:
    """The column of each message's own id in a one-row-per-message export (`message_id`...): a later export holding
    only the messages since is told by it from another conversation of the same id (miner/store/continued.py).
    Every sampled value is filled in and none repeats."""
    for column in columns:
        if norm(column) in MESSAGE_NAMES and column not in (cols.id, cols.text):
            values = [_text(r.get(column)) for r in sample]
            if values and all(values) and len(set(values)) == len(values):
                return column
    return None


def _role_known(label: str) -> bool:
    return speaker_role(label) is not None


def _mostly(sample: list[dict], column: str, known: Callable[[str], bool], blanks: bool = False) -> bool:
    """Whether the column's sampled values (and its blank cells, with `blanks`) are mostly (`KNOWN_SHARE`) labels
    `known` reads."""
    values = [_text(r.get(column)) for r in sample]
    values = values if blanks else [v for v in values if v]
    return bool(values) and sum(map(known, values)) >= KNOWN_SHARE * len(values)


@dataclass
class _Open:
    line: int  # the line of the conversation's first row: errors and notes point there
    first: dict  # its first row, with blanks filled from later rows
    said: list[tuple[str, str]] = field(default_factory=list)  # (speaker label, text), sides told at the end
    # each message's own id, where a column gives one (`message_column`)
    ids: list[str | None] = field(default_factory=list)
    last: int = 0  # the index of its latest row


def joined(
    rows: Iterator[tuple[int, dict]],
    cols: ColumnMap,
    speaker: str,
    window: int | None = None,
    speakers: Speakers | None = None,
    message: str | None = None,
) -> Iterator[tuple[int, dict]]:
    """Each conversation's rows (same id) as one row: the transcript as its text and its turns (`_turns`), the
    other columns from the conversation's first row that has them (its date, a rating given at its end). A
    conversation is yielded once `window` rows have passed without one of its rows, or at the end. Errors from
    the reader pass through at their lines. `speakers`: the labels given a side (`transcripts.side`); `message`: the
    column of each message's id, which its turn keeps (`Turn.message`)."""
    window = OPEN_ROWS if window is None else window
    open_: OrderedDict[str, _Open] = OrderedDict()  # least recently active first
    for index, (number, row) in enumerate(rows):
        if not isinstance(row, dict):
            yield number, row
            continue
        key = _text(row.get(cols.id))
        talk = open_.get(key)
        if talk is None:
            talk = open_[key] = _Open(number, dict(row))
        else:
            open_.move_to_end(key)
            talk.first.update({k: v for k, v in row.items() if talk.first.get(k) in (None, "") and v not in (None, "")})
        talk.last = index
        if text := plain_text(_text(row.get(cols.text))):
            talk.said.append((_text(row.get(speaker)) or "customer", text))
            talk.ids.append((_text(row.get(message)) or None) if message else None)
        while open_ and next(iter(open_.values())).last < index - window:
            _, done = open_.popitem(last=False)
            yield done.line, _conversation(done, cols, (speaker, message), speakers)
    for done in sorted(open_.values(), key=lambda t: t.line):
        yield done.line, _conversation(done, cols, (speaker, message), speakers)


def _conversation(talk: _Open, cols: ColumnMap, own: tuple[str, str | None], speakers: Speakers | None) -> dict:
    """The conversation's row; `own`: the columns of each message's speaker and id, which are its turns' alone."""
    turns = sides_of(talk.said, speakers)
    for turn, said in zip(turns, talk.ids, strict=True):
        turn.message = said
    kept = clean_turns(turns) or turns  # greetings and thanks dropped, unless that is all there is
    row = {k: v for k, v in talk.first.items() if k not in own}
    row[str(cols.text)] = "\n".join(f"{'Customer' if t.speaker == 'customer' else 'Agent'}: {t.text}" for t in kept)
    row["_turns"] = kept
    row["messages"] = len(turns)
    return row


def joined_note(rows: int, stored: int, skipped: int, unread: int) -> str:
    """How many message rows made how many conversations, counted as `mine`'s "N rows" counts them: the rows left out
    are said apart (a row the reader could not read was counted a conversation of its own: "6 message rows joined
    into 4 conversations" where 3 were stored)."""
    note = f"{counted(rows, 'message row')} joined into {counted(stored + skipped, 'conversation')}"
    if skipped:
        note += f", {skipped:,} of them skipped"
    if unread:
        note += f"; {counted(unread, 'message row')} skipped"
    return note
