"""The record every reader produces, whatever the export looked like."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

from miner.ingest.email import customer_parts

Kind = Literal["review", "survey", "transcript"]
KINDS: tuple[str, ...] = ("review", "survey", "transcript")


@dataclass
class Turn:
    """One speaker turn of a transcript."""

    speaker: str  # "customer" or "agent"
    text: str
    # the export's id of the message, where it gives one: a later export holding only the messages since is told
    # from another conversation of the same id by it (miner/store/continued.py)
    message: str | None = None


@dataclass
class Record:
    """One feedback item: a review, a survey answer or a conversation."""

    source: str
    line: int
    text: str
    kind: str = "review"
    source_id: str | None = None
    # The file's column the source id was read from, where it numbers the rows (`columns.numbering`): redaction keeps
    # a number in it, which a phone number's pattern fits (SurveyMonkey's 114230987000)
    id_column: str | None = None
    title: str | None = None
    rating: float | None = None  # normalised onto 0..1 (1 = best)
    rating_raw: float | None = None
    rating_scale: str | None = None  # stars5, nps, csat5, csat7
    date: str | None = None  # ISO 8601
    turns: list[Turn] | None = None
    meta: dict = field(default_factory=dict)
    repeat: int = 0  # earlier rows of its file with the same text, date and rating (`rows.iter_records`)
    # A conversation that grew since it was stored (miner/store/versions.py): the stored document it replaces, and
    # what tells this version's id from that one's where the source id alone would give both the same
    replaces: list[str] = field(default_factory=list)
    # Those of `replaces` it quotes (an e-mail replying on top of the thread): their customer's words are in its
    # quoted lines, which are never mined, so their segments are carried into it (`versions.carried_segments`)
    carries: list[str] = field(default_factory=list)
    version: str | None = None
    diverged: bool = False  # shares its id with a stored conversation it neither extends nor edits (versions.py)
    # Its file holds only each conversation's messages since the last export (`mine --append`): it continues the
    # stored conversation of its id (miner/store/continued.py)
    appended: bool = False
    # The stored documents whose conversation it continues: their turns were put before its own, and it replaces them
    continues: list[str] = field(default_factory=list)
    raw: tuple[str, str | None] | None = None  # its text and title before import made them plain, where it changed them
    # Its source id as redaction stored it before 2026-12-07, where it keeps it now: a number in an id column was
    # taken for a phone number, and stored as its keyed token (miner/segment/redact.py `redacted_id`)
    token_id: str | None = None
    # Its source id is its .txt file's name ("calls", "calls#2" for the file's second conversation): it says where
    # the item was read, not which item it is, so another export of that name holding other words is another item
    # (`versions.sort_versions` gives it a `version`); the id stays as a database written before holds it
    id_from_name: bool = False
    # Meta keys whose values the file's header gave, not a respondent: a survey answer's question and question id, or
    # the column a `--text-col` answer was read from ("LTR Comment"). Never redacted: NER took "LTR Comment" for a name
    header_fields: tuple[str, ...] = ()

    @property
    def document_id(self) -> str:
        """Stable id: the source's own id where there is one, else a hash of the content, date, rating and `repeat`,
        so that two answers of the same words ("Too expensive") are two items, and a file mined again adds none."""
        if self.source_id:
            key = self._id_key(self.source_id)
        else:
            key = f"{self._text_key}\x1f{self.date or ''}\x1f{self.rating_raw!r}\x1f{self.repeat}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]

    def _id_key(self, source_id: str) -> str:
        return f"id:{self.source}:{source_id}" + (f":{self.version}" if self.version else "")

    @property
    def tokened_id(self) -> str | None:
        """The document id a database written before 2026-12-07 holds the record under where its source id was a
        number redaction took for a phone number (`token_id`): mined again, each such row was added a second time."""
        if not self.source_id or not self.token_id:
            return None
        return hashlib.sha1(self._id_key(self.token_id).encode("utf-8")).hexdigest()[:20]

    @property
    def raw_id(self) -> str | None:
        """The id a record without a source id whose text import made plain (HTML, invisible marks, markdown) had
        before 2026-12-07, from its text as the file held it: a database written then holds it (`new_records`)."""
        if self.source_id or self.raw is None:
            return None
        text, title = self.raw
        key = f"text:{self.kind}:{title or ''}:{text}\x1f{self.date or ''}\x1f{self.rating_raw!r}\x1f{self.repeat}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]

    @property
    def legacy_id(self) -> str | None:
        """The id a record without a source id had before 2026-12-06: a hash of its text alone, which made answers of
        the same words one item. A database written then holds such ids (`new_records` reads them)."""
        if self.source_id:
            return None
        return hashlib.sha1(self._text_key.encode("utf-8")).hexdigest()[:20]

    @property
    def _text_key(self) -> str:
        return f"text:{self.kind}:{self.title or ''}:{self.text}"

    def mined_text(self) -> list[tuple[str | None, str]]:
        """(speaker, text) pieces to segment: customer turns of a transcript, else the title and the text (a review's
        title often carries the complaint: "Arrived broken"). Of an e-mail, only the customer's own new words: its
        quoted replies, headers, signature and disclaimer are not (miner/ingest/email.py); each piece is a slice of
        the stored text or turn, in order."""
        if self.turns is not None:
            return [(t.speaker, part) for t in self.turns if t.speaker == "customer" for part in customer_parts(t.text)]
        title = [(None, self.title)] if self.title and self.title.strip() not in self.text else []
        return [*title, *((None, part) for part in customer_parts(self.text))]


@dataclass
class Score:
    """A survey respondent's score where they answered no open-text question: no feedback item, but one of the
    respondents the survey's NPS and mean rating count (a survey tool's NPS counts everyone who scored; counting only
    those who also wrote a comment skews it towards the detractors, who write more)."""

    source: str
    line: int
    response_id: str  # "" where the export has no id column
    rating: float  # normalised onto 0..1 (1 = best)
    rating_raw: float
    rating_scale: str
    date: str | None = None  # ISO 8601
    repeat: int = 0  # earlier scores of its file without an id with the same date and score
    meta: dict = field(default_factory=dict)  # the columns its row kept (`Market`), as a commenter's `Record.meta`
    id_column: str | None = None  # as a Record's: redaction keeps a number under an id's name in `meta`

    @property
    def id(self) -> str:
        """Stable id, as a document's: the file and response id (a weekly re-export of the same response is stored
        beside it and counted once, as a commenter's answers are: miner/report/respondents.py), or without an id its
        date, score and `repeat`; a file mined again adds none."""
        key = (f"score:{self.source}:{self.response_id}" if self.response_id else
               f"score:{self.source}\x1f{self.date or ''}\x1f{self.rating_raw!r}\x1f{self.repeat}")  # fmt: skip
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


@dataclass
class Respondents:
    """What reading a survey export says of its respondents beside their answers: how many rows of respondents it
    read (`mine` says "210 respondents, 281 answers": it said "281 rows" of a 210-row export; None where the file is
    no survey), and the scores of those who answered no open-text question."""

    read: int | None = None
    scores: list[Score] = field(default_factory=list)
