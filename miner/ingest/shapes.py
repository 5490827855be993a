"""Export shapes that need more than column detection: survey exports with extra header rows (Qualtrics,
SurveyMonkey), and flat ones whose header is their questions with two open-text questions or more (Google Forms,
Typeform), become one row per open-text answer, kept with its question and the respondent's score."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from miner.errors import InputError
from miner.ingest.columns import norm
from miner.ingest.table import Table

SAMPLE_RESPONDENTS = 500  # rows buffered to tell open-text questions from choices and scores
_QUALTRICS_META = {
    "start_date", "end_date", "status", "ipaddress", "progress", "duration_in_seconds", "finished", "recorded_date",
    "response_id", "recipient_last_name", "recipient_first_name", "recipient_email", "external_reference",
    "location_latitude", "location_longitude", "distribution_channel", "user_language", "q_recaptcha_score",
}  # fmt: skip
_MONKEY_META = {
    "respondent_id", "collector_id", "start_date", "end_date", "ip_address", "email_address", "first_name",
    "last_name", "custom_data_1", "custom_data_2", "custom_data",
}  # fmt: skip
_FORMS_META = {
    "timestamp", "submitted_at", "submitted", "submission_date", "date", "created_at", "start_date", "end_date",
    "email", "email_address", "name", "first_name", "last_name", "phone", "id", "response_id", "respondent_id",
    "submission_id",
}  # fmt: skip
_FORMS_IDS = ("response_id", "respondent_id", "submission_id", "id")
_FORMS_DATES = ("timestamp", "submitted_at", "submitted", "submission_date", "date", "created_at", "end_date")
_NPS_GROUPS = {"promoter", "passive", "detractor"}
_PROMPT = re.compile(
    r"(?:what|how|why|which|where|when|who|would|could|can|please|any|anything|tell|describe|is|was|did|do|does|if)"
    r"\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.0)?\s*$")


def survey_shape(header: list[str], first_rows: list[list]) -> str | None:
    """'qualtrics' (question-text and ImportId rows under the header), 'surveymonkey' (a second header row of
    'Response' / 'Open-Ended Response'), or None."""
    if len(first_rows) >= 2 and any(str(v).startswith('{"ImportId"') for v in first_rows[1]):
        return "qualtrics"
    names = {norm(h) for h in header}
    subs = {str(v).strip() for v in first_rows[0]} if first_rows else set()
    if "respondent_id" in names and subs & {"Response", "Open-Ended Response"}:
        return "surveymonkey"
    return None


def forms_questions(header: list[str], rows: list[list]) -> list[int]:
    """The columns of a flat survey export (Google Forms, Typeform, a web form: the header is the questions) that
    hold open-text answers: a question (it ends with '?' or opens as one: "What...", "Any other comments") whose
    answers in `rows` are free text. Two or more make the export a 'forms' shape (one item per answer); with one,
    the plain table holds it."""
    out = []
    for i, h in enumerate(header):
        name = h.strip()
        if norm(name) in _FORMS_META or not (name.endswith("?") or _PROMPT.match(name)):
            continue
        values = [str(r[i]).strip() if i < len(r) and r[i] is not None else "" for r in rows]
        if _is_open_text(values, ""):
            out.append(i)
    return out


def _score_kind(question: str, values: list[str]) -> str | None:
    if not values or not all(_NUMBER.match(v) for v in values):
        return None
    q = question.lower()
    if "recommend" in q or "nps" in q:
        return "nps"
    if "satisf" in q or "csat" in q or "rate" in q:
        return "csat"
    return None


def _is_open_text(values: list[str], sub: str) -> bool:
    if sub == "Open-Ended Response":
        return True
    filled = [v for v in values if v]
    if not filled or {v.lower() for v in filled} <= _NPS_GROUPS or all(_NUMBER.match(v) for v in filled):
        return False
    mean = sum(len(v) for v in filled) / len(filled)
    return mean >= 15 and len(set(filled)) / len(filled) > 0.6


def _questions(shape: str, header: list[str], heads: list[list]) -> tuple[list[str], list[str], list[str]]:
    """Per column: question id, question text and sub-header."""
    if shape == "qualtrics":
        texts = [str(v).strip() for v in heads[0]]
        ids = []
        for name, raw in zip(header, heads[1], strict=False):
            try:
                ids.append(str(json.loads(str(raw)).get("ImportId") or name))
            except (ValueError, AttributeError):
                ids.append(name)
        return ids + header[len(ids) :], texts + [""] * (len(header) - len(texts)), [""] * len(header)
    texts, current = [], ""
    for h in header:
        current = h.strip() or current  # a multi-column question names only its first column
        texts.append(current)
    subs = [str(v).strip() for v in (heads[0] if heads else [])] + [""] * len(header)
    ids = [f"Q{i + 1}" for i in range(len(header))]
    return ids, texts, subs[: len(header)]


def melt_survey(path: Path, shape: str, header: list[str], peeked: list, rest: Iterator[tuple[int, list]]) -> Table:
    """One row per respondent and open-text answer: id, question, answer, score and date."""
    from miner.ingest.readers import dict_rows

    n_heads = {"qualtrics": 2, "surveymonkey": 1}.get(shape, 0)  # 'forms': the header row alone
    heads = [v for _, v in peeked[:n_heads]]
    if len(heads) < n_heads:
        raise InputError(str(path), f"the {shape} export has no answers", hint="export the responses again")
    qids, texts, subs = _questions(shape, header, heads)
    keys = [f"c{i}" for i in range(len(header))]
    data = dict_rows(path, keys, _rest(peeked[n_heads:], rest))
    sample = [r for _, r in zip(range(SAMPLE_RESPONDENTS), data, strict=False)]
    meta = {"qualtrics": _QUALTRICS_META, "surveymonkey": _MONKEY_META}.get(shape, _FORMS_META)
    names = [norm(h) for h in header]
    cols = [k for k, name in zip(keys, names, strict=True) if name not in meta]
    good = [row for _, row in sample if isinstance(row, dict)]
    values = {k: [str(row[k]).strip() for row in good] for k in cols}
    score = next(
        ((k, kind) for k in cols if (kind := _score_kind(texts[keys.index(k)], [v for v in values[k] if v]))), None
    )
    open_cols = [k for k in cols if (score is None or k != score[0]) and _is_open_text(values[k], subs[keys.index(k)])]
    if shape == "forms":  # questions only: an email or a name column is free text too
        asked = set(forms_questions(header, [[row[k] for k in keys] for row in good]))
        open_cols = [k for k in open_cols if keys.index(k) in asked]
    if not open_cols:
        raise InputError(
            str(path),
            f"the {shape} export has no open-text question",
            hint="export the text answers too, or pass --text-col for a plain table",
        )
    ids = {"qualtrics": ("response_id",), "surveymonkey": ("respondent_id",)}.get(shape, _FORMS_IDS)
    id_col = next((keys[names.index(n)] for n in ids if n in names), None)  # a form may have none: ids by content
    dates = {"qualtrics": ("recorded_date", "end_date"), "surveymonkey": ("end_date", "start_date")}
    date_col = next((keys[names.index(n)] for n in dates.get(shape, _FORMS_DATES) if n in names), None)
    score_name = score[1] if score else "score"
    columns = ["id", "response_id", "question_id", "question", "answer", "date", score_name]

    def rows() -> Iterator[tuple[int, dict | InputError]]:
        for line, row in _rest(sample, data):
            if isinstance(row, InputError):
                yield line, row
                continue
            rid = str(row[id_col]).strip() or f"line{line}" if id_col else ""
            for k in open_cols:
                answer = str(row[k]).strip()
                if not answer:
                    continue  # a question the respondent skipped is no error
                i = keys.index(k)
                question = texts[i] + (
                    f" ({subs[i]})" if subs[i] not in ("", "Response", "Open-Ended Response") else ""
                )
                out = {"id": f"{rid}:{qids[i]}" if rid else "", "response_id": rid, "question_id": qids[i]}
                out["question"] = question
                out |= {"answer": answer, "date": row[date_col] if date_col else "", score_name: ""}
                if score:
                    out[score_name] = row[score[0]]
                yield line, out

    table = Table(columns, rows(), shape=shape, kind="survey")  # type: ignore[arg-type]
    table.extra["questions"] = [header[keys.index(k)] for k in open_cols]  # what --text-col may name, read
    return table


def _rest(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def unwrap(rec: dict) -> dict:
    """JSON:API records (App Store Connect's customerReviews) keep their fields under 'attributes'."""
    attrs = rec.get("attributes")
    if isinstance(attrs, dict) and "type" in rec:
        return {"id": rec.get("id"), "type": rec.get("type"), **attrs}
    return rec


def conversation_shape(path: Path, records: list[tuple[int, dict]]) -> Table | None:
    """Zendesk tickets with comments and Intercom conversations with parts, as transcripts; else None."""
    from miner.ingest.conversations import SHAPES

    if not records:
        return None
    first = records[0][1]
    for name, (detect, convert) in SHAPES.items():
        if detect(first):
            rows = [(line, convert(rec)) for line, rec in records]
            columns = list(dict.fromkeys(k for _, r in rows for k in r if k != "_turns"))
            return Table(columns, rows, shape=name, kind="transcript")
    return None
