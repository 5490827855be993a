"""Rows of a file that repeat an earlier row: by id (an item's id is its source's, so only the first is stored), and,
without an id, by text, date and rating (kept: two answers in the same words are two customers)."""

from __future__ import annotations

from miner.ingest import messages
from miner.ingest.columns import ColumnMap
from miner.ingest.records import Record
from miner.wording import counted

SHOWN = 3  # repeats a note names by their lines; the rest it counts
_ID_SHOWN = 40  # characters of an id a note shows


class RepeatedIds:
    """Rows whose source id an earlier row of the file holds, which are dropped (the first row is stored): `add`
    says whether a record repeats one. Those whose text is the earlier row's are copies; those in other words are
    text the user loses unless told, so each sort is counted and its first `SHOWN` kept with the lines to name."""

    def __init__(self) -> None:
        # an id's hash: the line it was first read on, shifted over 32 bits of its text's hash. Hashes, not ids or
        # texts: 1e6 rows take about 110 MB (70 MB as a set of the ids' hashes alone, which named no line)
        self.first: dict[int, int] = {}
        self.copies: list[tuple[int, str, int]] = []  # (line, id, earlier line) of the first `SHOWN`
        self.others: list[tuple[int, str, int]] = []
        self.n_copies = self.n_others = 0

    def add(self, rec: Record) -> bool:
        assert rec.source_id is not None
        key, said = hash(rec.source_id), hash((rec.title or "", rec.text)) & 0xFFFFFFFF
        first = self.first.get(key)
        if first is None:
            self.first[key] = rec.line << 32 | said
            return False
        shown = (rec.line, rec.source_id, first >> 32)
        if first & 0xFFFFFFFF == said:
            self.n_copies += 1
            self.copies += [shown] if len(self.copies) < SHOWN else []
        else:
            self.n_others += 1
            self.others += [shown] if len(self.others) < SHOWN else []
        return True

    @property
    def total(self) -> int:
        return self.n_copies + self.n_others

    def notes(self, cols: ColumnMap, unit: str = "line", joined: bool = False) -> list[str]:
        """What `mine` says of the rows dropped: those in other words first, each named by its line, its id and the
        earlier row's line ("line 4 repeats id '1' of line 2"), the first few and a count of the rest."""
        if joined:
            return [_joined_note(self.total, cols)] if self.total else []
        out = []
        if self.n_others:
            rows = _rows(self.n_others)
            out.append(
                f"{rows} an id ('{cols.id}') of an earlier row in the file with other text and "
                f"{_was(self.n_others)} dropped, {'its' if self.n_others == 1 else 'their'} text not stored: "
                f"{_lines(self.others, self.n_others, unit)}; to keep {_it(self.n_others)}, name a column unique to "
                f"each row with --id-col or give each row an id of its own in the file (if each row is one message of "
                "a conversation, join each conversation's messages into one text, one row per conversation)"
            )
        if self.n_copies:
            out.append(
                f"{_rows(self.n_copies)} the id ('{cols.id}') and text of an earlier row in "
                f"the file and {_was(self.n_copies)} dropped as {'a copy' if self.n_copies == 1 else 'copies'}: "
                f"{_lines(self.copies, self.n_copies, unit)}; if {'it is' if self.n_copies == 1 else 'they are'} "
                "another item in the same words, name a column unique to each row with --id-col"
            )
        return out


def _rows(n: int) -> str:
    return "1 row repeats" if n == 1 else f"{n:,} rows repeat"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _it(n: int) -> str:
    return "it" if n == 1 else "them"


def _lines(shown: list[tuple[int, str, int]], n: int, unit: str) -> str:
    """The rows `shown` by line, id and earlier line, and a count of the rest: "line 4 repeats id '1' of line 2, line 7
    repeats id '3' of line 5 and 12 more"."""
    from miner.segment.pii import pseudonymise  # an id may be an address: shown as the keyed token it is stored as

    def said(value: str) -> str:
        value = pseudonymise(value)
        return value if len(value) <= _ID_SHOWN else f"{value[: _ID_SHOWN - 3]}..."

    named = [f"{unit} {line} repeats id '{said(sid)}' of {unit} {earlier}" for line, sid, earlier in shown]
    more = n - len(shown)
    return ", ".join(named) + (f" and {more:,} more" if more else "")


def _joined_note(repeats: int, cols: ColumnMap) -> str:
    runs = counted(repeats, "run of messages", "runs of messages")
    return (f"{runs} came over {messages.OPEN_ROWS:,} rows after the conversation's ('{cols.id}') previous message "
            f"and {_was(repeats)} dropped: sort the export by conversation, then time")  # fmt: skip


class Alike:
    """Rows without a source id, by their text, date and rating: `count` gives how many earlier rows of the file read
    the same (the record's `repeat`, part of its id). Hashes, not texts, as for ids; a count only for those seen
    twice."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.more: dict[int, int] = {}
        self.repeated = 0

    def count(self, rec: Record) -> int:
        key = hash((rec.kind, rec.title, rec.text, rec.date, rec.rating_raw))
        if key not in self.seen:
            self.seen.add(key)
            return 0
        self.more[key] = n = self.more.get(key, 0) + 1
        self.repeated += 1
        return n

    def note(self) -> str:
        one = self.repeated == 1
        rows = _rows(self.repeated)
        kept = "is kept as an item of its own" if one else "are kept as items of their own"
        return (
            f"{rows} the text, date and rating of an earlier row and {kept} (two answers in the same words are two "
            f"customers); if {'it is a copy' if one else 'they are copies'} of one item, remove "
            f"{'it' if one else 'them'} or name an id column with --id-col"
        )
