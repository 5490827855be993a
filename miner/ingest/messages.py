"""Chat exports with one row per message: the rows of one conversation joined into one transcript.

A live-chat or messaging export often holds a row per message (`conversation_id, timestamp, speaker, text`). Read
as rows, every message after a conversation's first repeats its id and is dropped, and an agent's message is mined
as the customer's. Such a file is recognised by a speaker column (its name and its values: customer, agent, bot...)
beside an id that repeats, and each run of rows sharing the id becomes one transcript item, its turns in file order,
streamed: only the conversation being read is held. Exports list a conversation's messages together; one whose rows
are scattered is joined run by run, and `mine` counts the later runs as repeated ids.
"""

from __future__ import annotations

from collections.abc import Iterator

from miner.ingest.columns import ColumnMap, norm
from miner.ingest.records import Turn
from miner.ingest.transcripts import CUSTOMER_ROLES, clean_turns, role

SPEAKER_NAMES = {
    "speaker", "role", "sender", "sender_type", "author_type", "author_role", "from", "participant", "party",
    "user_type", "speaker_role", "message_from", "who",
}  # fmt: skip
AGENT_ROLES = {
    "agent", "rep", "representative", "support", "advisor", "adviser", "operator", "bot", "staff", "assistant",
    "admin", "teammate", "system", "company", "brand", "employee",
}  # fmt: skip
KNOWN_SHARE = 0.8  # of the sampled speaker cells that must be a known role for the column to be one


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def speaker_column(columns: list[str], sample: list[dict], cols: ColumnMap) -> str | None:
    """The column saying who wrote each message, when the file holds one row per message: a speaker-like name
    whose values are mostly customer or agent roles, and an id that repeats within the sampled rows."""
    if not cols.id or not cols.text:
        return None
    ids = [_text(r.get(cols.id)) for r in sample]
    if len(set(ids)) == len(ids):
        return None
    for column in columns:
        if norm(column) not in SPEAKER_NAMES or column in (cols.text, cols.id):
            continue
        values = [_text(r.get(column)).lower() for r in sample if _text(r.get(column))]
        known = sum(v in CUSTOMER_ROLES or v in AGENT_ROLES for v in values)
        if values and known >= KNOWN_SHARE * len(values):
            return column
    return None


def joined(rows: Iterator[tuple[int, dict]], cols: ColumnMap, speaker: str) -> Iterator[tuple[int, dict]]:
    """Each run of rows sharing an id as one row: the transcript as its text and its turns (`_turns`), the other
    columns from the conversation's first row that has them (its date, a rating given at its end). Errors from
    the reader pass through at their lines."""
    line: int = 0
    first: dict | None = None
    turns: list[Turn] = []
    for number, row in rows:
        if not isinstance(row, dict):
            yield number, row
            continue
        if first is not None and _text(row.get(cols.id)) != _text(first.get(cols.id)):
            yield line, _conversation(first, turns, cols, speaker)
            first = None
        if first is None:
            line, first, turns = number, dict(row), []
        else:
            first.update({k: v for k, v in row.items() if first.get(k) in (None, "") and v not in (None, "")})
        if text := _text(row.get(cols.text)):
            turns.append(Turn(role(_text(row.get(speaker)) or "customer"), text))
    if first is not None:
        yield line, _conversation(first, turns, cols, speaker)


def _conversation(first: dict, turns: list[Turn], cols: ColumnMap, speaker: str) -> dict:
    kept = clean_turns(turns) or turns  # greetings and thanks dropped, unless that is all there is
    row = {k: v for k, v in first.items() if k != speaker}
    row[str(cols.text)] = "\n".join(f"{'Customer' if t.speaker == 'customer' else 'Agent'}: {t.text}" for t in kept)
    row["_turns"] = kept
    row["messages"] = len(turns)
    return row
