"""Which column holds the text, the rating, the date and the id: detected, or given by the user."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

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
)
TITLE_NAMES = ("title", "review_title", "summary", "headline", "subject")
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
)
ID_NAMES = ("id", "review_id", "response_id", "conversation_id", "ticket_id", "record_id", "uuid", "first_tweet_id")


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class ColumnMap:
    """Column names chosen for one file; None means absent."""

    text: str | None = None
    title: str | None = None
    rating: str | None = None
    date: str | None = None
    id: str | None = None
    kind: str | None = None

    def merged(self, override: ColumnMap) -> ColumnMap:
        given = {k: v for k, v in override.__dict__.items() if v is not None}
        return replace(self, **given)


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    by_norm = {norm(c): c for c in columns}
    for name in names:
        if name in by_norm:
            return by_norm[name]
    return None


def _longest_text_column(columns: list[str], rows: list[dict]) -> str | None:
    best, best_len = None, 20.0
    for col in columns:
        values = [str(r.get(col) or "") for r in rows[:200]]
        texts = [v for v in values if v and not re.fullmatch(r"[\d\s.,:/+-]+", v)]
        if len(texts) < max(1, len(values) // 2):
            continue
        mean = sum(len(v) for v in texts) / len(texts)
        if mean > best_len:
            best, best_len = col, mean
    return best


def detect(columns: list[str], rows: list[dict]) -> ColumnMap:
    """Guess the roles of the columns from their names, falling back on the longest text column."""
    text = _find(columns, TEXT_NAMES) or _longest_text_column(columns, rows)
    rating = _find(columns, RATING_NAMES)
    ident = _find(columns, ID_NAMES)
    if ident is None:
        ident = next((c for c in columns if norm(c).endswith("_id")), None)
    title = _find(columns, TITLE_NAMES)
    return ColumnMap(
        text=text, title=title if title != text else None, rating=rating, date=_find(columns, DATE_NAMES), id=ident
    )


def guess_kind(columns: list[str]) -> str:
    names = {norm(c) for c in columns}
    if names & {"transcript", "conversation", "conversation_id", "ticket_id", "first_utterance"}:
        return "transcript"
    if names & {"response_id", "respondent_id", "csat", "nps", "nps_score", "csat_score", "submitted_at"}:
        return "survey"
    return "review"
