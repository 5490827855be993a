"""Which column holds the text, the rating, the date and the id: detected, or given by the user."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from miner.ingest.ratings import missing, satisfaction_labels

TEXT_NAMES = (
    "text",
    "review",
    "review_text",
    "reviewtext",
    "body",
    "review_body",
    "content",
    "comment",
    "comments",
    "feedback",
    "verbatim",
    "message",
    "transcript",
    "conversation",
    "response",
    "answer",
    "complaint",
    "narrative",
    "description",
    "first_utterance",
    "utterance",
    "review_content",
    "content_text",
    "review_comment",
    "comment_text",
)
TITLE_NAMES = ("title", "review_title", "review_headline", "summary", "headline", "subject")
RATING_NAMES = (
    "rating",
    "stars",
    "star_rating",
    "score",
    "review_rating",
    "csat",
    "csat_score",
    "nps",
    "nps_score",
    "overall",
    "overall_rating",
    "satisfaction",
    "review_stars",
    "rating_value",
    "stars_rating",
)
DATE_NAMES = (
    "date",
    "review_date",
    "created_at",
    "created",
    "submitted_at",
    "started_at",
    "timestamp",
    "datetime",
    "time",
    "updated_at",
    "date_received",
    "create_time",
    "created_date",
    "review_created_utc",
    "review_date_utc",
    "review_submit_date_and_time",
    "submitted",
    "published_at",
    "date_published",
)
ID_NAMES = (
    "id",
    "review_id",
    "response_id",
    "conversation_id",
    "ticket_id",
    "case_id",
    "record_id",
    "uuid",
    "first_tweet_id",
    "review_link",
)
# Words that mark a column as the company's side (a reply to the review, an agent's notes), never the customer's
# text or date.
_REPLY_WORDS = {
    "reply", "replies", "developer", "company", "owner", "response_date", "merchant", "agent", "agents", "note",
    "notes", "internal", "staff",
}  # fmt: skip
# A column whose name holds one of these words ("customer_comment", "Your feedback") is the text before any other
# column that matches no name; unless it also holds one of _NOT_TEXT ("review_id", "comment_date").
_TEXT_WORDS = {
    "comment", "comments", "review", "reviews", "feedback", "verbatim", "response", "responses", "text", "complaint",
    "message", "remarks", "answer", "opinion", "body",
}  # fmt: skip
_NOT_TEXT = {"id", "uuid", "date", "time", "at", "on", "utc", "rating", "score", "stars", "count", "number", "no",
             "url", "link", "type", "status", "language", "lang", "title", "author", "name", "email"}  # fmt: skip


def norm(name: str) -> str:
    """snake_case for matching: "Review Submit Date" -> review_submit_date, starRating -> star_rating."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def leaf(name: str) -> str:
    """The last part of a flattened JSON key: attributes.rating -> rating."""
    return norm(name.rsplit(".", 1)[-1])


@dataclass(frozen=True)
class ColumnMap:
    """Column names chosen for one file; None means absent."""

    text: str | None = None
    title: str | None = None
    rating: str | None = None
    date: str | None = None
    id: str | None = None
    kind: str | None = None
    texts: tuple[str, ...] = ()  # several text columns (--text-col given more than once); `text` is then None
    sheet: str | None = None  # a workbook's sheet to read (--sheet); else the reader chooses one
    date_order: str | None = None  # 'dmy' or 'mdy' (--date-order); else the dates show it (miner/ingest/dates.py)
    # speaker labels of the customer's side and of the agent's (--customer-speaker, --agent-speaker): speakers.py
    customer_speakers: tuple[str, ...] = ()
    agent_speakers: tuple[str, ...] = ()
    # each conversation holds only its messages since the last export (--append): it continues the stored one of its
    # id (miner/store/continued.py)
    append: bool = False

    def named_texts(self) -> tuple[str, ...]:
        """The text columns given: one, several, or none."""
        return tuple(self.texts) or ((self.text,) if self.text else ())

    def merged(self, override: ColumnMap) -> ColumnMap:
        given = {k: v for k, v in override.__dict__.items() if v not in (None, (), [], False)}
        return replace(self, **given)


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    """The first column whose name, or the last part of its dotted name, is one of `names`."""
    by_norm: dict[str, str] = {}
    by_leaf: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm(c), c)
        if not set(norm(c).split("_")) & _REPLY_WORDS:
            by_leaf.setdefault(leaf(c), c)
    for name in names:
        if name in by_norm:
            return by_norm[name]
    for name in names:
        if name in by_leaf:
            return by_leaf[name]
    return None


def text_named(name: str) -> bool:
    """Whether a column's name says it holds the customer's text ("customer_comment", "LTR Comment"), not an id or a
    date of it ("review_id", "comment_date"), nor the company's side ("agent_notes")."""
    words = set(norm(name).split("_"))
    return bool(words & _TEXT_WORDS) and not words & (_NOT_TEXT | _REPLY_WORDS)


def _named_text_column(columns: list[str], rows: list[dict]) -> str | None:
    """The column, of those whose name says it holds text ("customer_comment"), with the longest text."""
    return _longest_text_column([c for c in columns if text_named(c)], rows, shortest=0.0)


def _longest_text_column(columns: list[str], rows: list[dict], shortest: float = 20.0) -> str | None:
    best, best_len = None, shortest
    for col in columns:
        if set(norm(col).split("_")) & _REPLY_WORDS:
            continue
        values = [str(r.get(col) or "") for r in rows[:200]]
        texts = [v for v in values if v and not re.fullmatch(r"[\d\s.,:/+-]+", v)]
        if len(texts) < max(1, len(values) // 2):
            continue
        mean = sum(len(v) for v in texts) / len(texts)
        if mean > best_len:
            best, best_len = col, mean
    return best


NUMBER = re.compile(r"^\s*\d{1,2}(?:\.0)?\s*$")
# A score exported as its choice's text, its number first: Qualtrics' "0 - Not at all likely" and "10 - Extremely
# likely" at the ends of an NPS scale (the numbers between are plain), "5 (Very satisfied)", "4: Good"
_LABELLED = re.compile(r"^\s*(\d{1,2})(?:\.0)?(?:\s*[-–—:=.)(]\s*|\s+)([^\W\d_].*?)\)?\s*$")


def scores(values: list[str]) -> bool:
    """Whether every value is a whole-number score: plain ("7"), or a choice's text that starts with it ("0 - Not at
    all likely"), each number always with one label and each label of one number, as a choice's are (free text
    that starts with a number, "2 days late" and "3 days late", is not)."""
    labels: dict[int, set[str]] = {}
    for value in values:
        if NUMBER.match(value):
            continue
        if (match := _LABELLED.match(value)) is None:
            return False
        labels.setdefault(int(match.group(1)), set()).add(" ".join(match.group(2).lower().split()))
    named = [label for number in labels.values() for label in number]
    return all(len(label) == 1 for label in labels.values()) and len(set(named)) == len(named)


def score_kind(question: str, values: list[str]) -> str | None:
    """'nps' or 'csat' for a question that asks for a score ("How likely are you to recommend us...?", "How
    satisfied were you...?") whose answers are all whole numbers, some with their choice's label (`scores`), or, for
    a satisfaction question, all a satisfaction label ("Very satisfied": SurveyMonkey's default CSAT export, whose
    file had "no rating column found"); else None."""
    q = question.lower()
    if satisfaction_labels(values):
        return "csat" if "satisf" in q or "csat" in q else None
    if not values or not scores(values):
        return None
    if "recommend" in q or "nps" in q or "ltr" in norm(question).split("_"):  # LTR: likelihood to recommend
        return "nps"
    if "satisf" in q or "csat" in q or "rate" in q:
        return "csat"
    return None


def _score_question(columns: list[str], rows: list[dict]) -> str | None:
    """A column that asks for a score as a form's question: Google Forms' "On a scale of 0 to 10, how likely are you
    to recommend us to a friend?" was no rating, its name being none of RATING_NAMES."""
    for col in columns:
        values = [str(r.get(col) or "").strip() for r in rows[:200]]
        values = [v for v in values if not missing(v)]
        if score_kind(col, values):
            return col
    return None


# Words a date column's name holds when it is none of DATE_NAMES: "Submitted On", "Date of Review", "Posted", and
# google-play-scraper's bare "at" (its reviews had no date, so no trend), a call's "startTime" or "call_start": taken
# only where the cells are dates (a diarised call's "start_time" of seconds into the call is none)
_DATE_WORDS = frozenset(
    "date dated day submitted submission posted created received reviewed timestamp when at on start started".split()
)
# dates, but not the item's: a birthday, a renewal, the company's reply ("repliedAt", "reply_date")
_NOT_THE_ITEMS = frozenset("birth dob expiry expires expiration due renewal replied".split()) | _REPLY_WORDS
_DATED = re.compile(r"\b(?:19|20)\d\d\b|^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b")  # a year, or 03/04/26


def _dated_column(columns: list[str], rows: list[dict], taken: set[str | None]) -> str | None:
    """A column named with a date word whose cells read as dates: "Submitted On" was no date column, and a run
    had no trends with nothing but a note saying so."""
    from miner.ingest.dates import parse_date

    for col in columns:
        words = set(norm(col).split("_"))
        if col in taken or not _DATE_WORDS & words or words & _NOT_THE_ITEMS:
            continue
        values = [v for r in rows[:200] if not missing(v := str(r.get(col) or "").strip())]
        if not values:
            continue
        read = 0
        for value in values:
            try:
                read += bool(_DATED.search(value)) and bool(parse_date(value))
            except (ValueError, OverflowError):
                pass
        if read >= 0.9 * len(values):
            return col
    return None


def detect(columns: list[str], rows: list[dict]) -> ColumnMap:
    """Guess the roles of the columns from their names, falling back on the longest text column."""
    from miner.ingest.questions import open_question_column  # it reads columns' names and scores

    text = _find(columns, TEXT_NAMES) or _named_text_column(columns, rows) or _longest_text_column(columns, rows)
    text = text or open_question_column(columns, rows)
    rating = _find(columns, RATING_NAMES) or _score_question(columns, rows)
    ident = _find(columns, ID_NAMES)
    if ident is None:
        ident = next((c for c in columns if norm(c).endswith("_id")), None)
    title = _find(columns, TITLE_NAMES)
    date = _find(columns, DATE_NAMES) or _dated_column(columns, rows, {text, rating, ident, title})
    return ColumnMap(text=text, title=title if title != text else None, rating=rating, date=date, id=ident)


# A column named as an id ("Respondent ID", "order_number", "Ticket #") holds the survey tool's or the CRM's key: a
# number in it is that key, whatever its length ("114230987000" is no phone number). Not one whose name says phone
# ("caller_id", "Mobile"), which holds phone numbers.
_ID_WORDS = frozenset("id ids uuid guid ref reference".split())
_REFERENCE_WORDS = frozenset(
    "order ticket case invoice booking tracking confirmation transaction receipt claim incident consignment parcel "
    "shipment respondent response submission".split()
)
_NUMBER_WORDS = frozenset("number no num nr".split())
_PHONE_WORDS = frozenset("phone phones telephone tel caller mobile msisdn cell cellphone whatsapp sms fax ani".split())


def id_field(name: object) -> bool:
    """A column whose name says it holds an id ("Response ID", "Order number", "ticket"), not a phone number."""
    if not isinstance(name, str):
        return False
    words = set(norm(name).split("_"))
    if words & _PHONE_WORDS:
        return False
    return bool(words & _ID_WORDS) or bool(words & _REFERENCE_WORDS and (words & _NUMBER_WORDS or len(words) == 1))


def numbering(name: str | None, values: list[str]) -> str | None:
    """`name` where its column numbers the rows: it is named as an id (`id_field`) and each sampled id is a whole
    number (before the ":" a survey's id adds: "114230987000:Q12"). Redaction keeps such numbers, which a phone
    number's pattern fits (miner/segment/redact.py); not those of a column mixing them with emails, which holds
    each customer's contact as their id."""
    heads = [v.partition(":")[0] for v in values if v]
    return name if id_field(name) and heads and all(re.fullmatch(r"[0-9]+", h) for h in heads) else None


def summary(cols: ColumnMap, scale: str | None, texts: tuple[str, ...] | None = None) -> str:
    """One line on the columns chosen for a file, saying when no rating or date was found:
    "columns: text 'comment', rating 'nps' (nps), id 'id'; no date column found (name one with --date-col)".
    `texts`: the text columns when several were given, each row one item per column."""
    found = []
    if texts:
        found.append("text " + ", ".join(f"'{t}'" for t in texts) + " (one item per row and column)")
    for role in ("title", "rating", "date", "id") if texts else ("text", "title", "rating", "date", "id"):
        if getattr(cols, role):
            found.append(f"{role} '{getattr(cols, role)}'" + (f" ({scale})" if role == "rating" and scale else ""))
    missing = []
    if cols.rating and not scale:
        missing.append(f"the ratings in '{cols.rating}' fit no scale and are left unread")
    for role in ("rating", "date"):
        if not getattr(cols, role):
            missing.append(f"no {role} column found (name one with --{role}-col)")  # `stored_before` reads it
    return "columns: " + ", ".join(found) + "".join(f"; {m}" for m in missing)


def chosen(cols: ColumnMap, scale: str | None, texts: tuple[str, ...] | None = None) -> dict[str, object]:
    """The columns a file is read by, as `summary` says them, for the API (an upload's `columns`): the text
    column(s), title, rating and its scale, date and id; `kept` is added once the rows are read."""
    return {"text": list(texts) if texts else [cols.text] if cols.text else [], "title": cols.title,
            "rating": cols.rating, "rating_scale": scale, "date": cols.date, "id": cols.id}  # fmt: skip


def kept_note(columns: list[str]) -> str | None:
    """The file's other columns kept with each item, where it has some: an analyst learnt only from docs that a
    'Market' or 'appVersion' column can filter a report or break down its complaint rate."""
    if not columns:
        return None
    shown = ", ".join(f"'{c}'" for c in columns[:8]) + (f" and {len(columns) - 8} more" if len(columns) > 8 else "")
    return (f"kept with each item, not mined: {shown} (filter on one with --where COLUMN=VALUE, or compare its "
            "values with top --by COLUMN)")  # fmt: skip


_DATE_ADVICE = "no date column found (name one with --date-col)"


def stored_before(note: str) -> str:
    """`summary`'s note for a file whose rows were all stored before: naming a date column then dates none of their
    items (a row with an id is found stored; one without is refused, `check_reread`), so the note no longer tells
    to, every night the same export is read again. A rating column still does (`fill_ratings`)."""
    return note.replace(
        _DATE_ADVICE,
        "no date column found (its rows were all stored before: a --date-col now would not date them)",
    )


def guess_kind(columns: list[str]) -> str:
    names = {norm(c) for c in columns} | {leaf(c) for c in columns}
    if names & {"transcript", "conversation", "conversation_id", "ticket_id", "first_utterance"}:
        return "transcript"
    if names & {"response_id", "respondent_id", "csat", "nps", "nps_score", "csat_score", "submitted_at"}:
        return "survey"
    return "review"
