"""Export shapes that need more than column detection: survey exports with extra header rows (Qualtrics,
SurveyMonkey), and flat ones whose header is their questions with two open-text questions or more (Google Forms,
Typeform), become one row per open-text answer, kept with its question and the respondent's score."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import InputError
from miner.ingest.columns import ColumnMap, norm, score_kind, text_named
from miner.ingest.nonanswers import declines
from miner.ingest.questions import is_open_text, real_answers
from miner.ingest.table import Table
from miner.wording import counted

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers

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
# export fields kept with each answer (`Survey.carried`): the respondent's language, no personal data
_KEPT_FIELDS = {"user_language"}
_FORMS_IDS = ("response_id", "respondent_id", "submission_id", "id")
_FORMS_DATES = ("timestamp", "submitted_at", "submitted", "submission_date", "date", "created_at", "end_date")
_PROMPT = re.compile(
    r"(?:what|how|why|which|where|when|who|would|could|can|please|any|anything|tell|describe|is|was|did|do|does|if)"
    r"\b",
    re.IGNORECASE,
)
_IDS = {"qualtrics": ("response_id",), "surveymonkey": ("respondent_id",)}
_DATES = {"qualtrics": ("recorded_date", "end_date"), "surveymonkey": ("end_date", "start_date")}


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


def _asked(name: str) -> bool:
    """A form's header that is a question: it ends with '?' or opens as one ("What...", "Any other comments")."""
    return norm(name) not in _FORMS_META and (name.endswith("?") or bool(_PROMPT.match(name)))


def forms_questions(header: list[str], rows: list[list]) -> list[int]:
    """The columns of a flat survey export (Google Forms, Typeform, a web form: the header is the questions) that
    hold open-text answers: a question whose answers in `rows` are free text. Two or more make the export a
    'forms' shape (one item per answer); with one, the plain table holds it."""
    out = []
    for i, h in enumerate(header):
        values = [str(r[i]).strip() if i < len(r) and r[i] is not None else "" for r in rows]
        if _asked(h.strip()) and is_open_text(values, h):
            out.append(i)
    return out


def forms_shape(header: list[str], rows: list[list]) -> bool:
    """Whether a flat export is a survey read one item per answer: two open-text questions or more, or one beside a
    question that asks for a score (an NPS or CSAT form: "How likely are you to recommend us?" and "What is the main
    reason for your score?"). As a plain table, one respondent who skipped the comment stopped the whole import, and
    an "N/A" was mined as feedback; as a survey they are left out and counted, as in any survey export."""
    asked = forms_questions(header, rows)
    if len(asked) != 1:
        return len(asked) >= 2
    for i, h in enumerate(header):
        values = [str(r[i]).strip() if i < len(r) and r[i] is not None else "" for r in rows]
        if i != asked[0] and _asked(h.strip()) and score_kind(h, real_answers(values)):
            return True
    return False


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


@dataclass
class Survey:
    """How a survey export is read, per column index: the open-text questions mined (one item per answer), the
    score, date and id columns. Chosen from a sample of answers, then `choose` applies the column options, which
    name the file's own headers (`--date-col StartDate`, `--text-col Q3_TEXT`)."""

    shape: str
    header: list[str]
    qids: list[str]
    texts: list[str]
    subs: list[str]
    fields: list[int]  # the export's own columns (StartDate, IPAddress...): never an answer
    values: dict[int, list[str]]  # sampled cells of the other columns
    open: list[int] = field(default_factory=list)
    score: int | None = None
    score_name: str = "score"
    date: int | None = None
    id: int | None = None
    declined: Counter[int] = field(default_factory=Counter)  # answers read as none ("N/A", "-"), per column
    respondents: int = 0  # rows of respondents read (`mine` counts them beside the answers)
    silent: int = 0  # respondents with no open-text answer mined: no feedback item of theirs is stored
    # those of them with a score: (line, response id, date cell, score cell, the columns an answer keeps), whose
    # scores are kept for the NPS and rating figures (`rows.silent_scores`)
    scored_silent: list[tuple[int, str, str, str, dict]] = field(default_factory=list)
    where: str = ""  # what an error naming the columns adds: a workbook's sheet read (`tabular.sheets_read`)

    def detect(self) -> None:
        names = [norm(h) for h in self.header]
        asked = [i for i in range(len(self.header)) if i not in self.fields]
        self.score, self.score_name = next(
            ((i, kind) for i in asked if (kind := score_kind(self.texts[i], real_answers(self.values[i])))),
            (None, "score"),
        )
        self.open = [i for i in asked if i != self.score and self._open(i)]
        self.id = next((names.index(n) for n in _IDS.get(self.shape, _FORMS_IDS) if n in names), None)
        self.date = next((names.index(n) for n in _DATES.get(self.shape, _FORMS_DATES) if n in names), None)

    def _open(self, i: int) -> bool:
        comment = self.shape == "flat" and text_named(self.header[i])  # 'LTR Comment': open as a text entry is
        if self.shape in ("forms", "flat") and not (comment or _asked(self.header[i].strip())):
            return False  # questions only: an email or a name column is free text too
        entry = (
            comment
            or self.subs[i] == "Open-Ended Response"
            or any(s.upper().endswith("_TEXT") for s in (self.header[i], self.qids[i]))
        )  # Qualtrics' text-entry columns (Q2_TEXT, ImportId QID2_TEXT)
        return is_open_text(self.values[i], self.texts[i], text_entry=entry)

    def label(self, i: int) -> str:
        """A column as the file names it, with its question where another row holds that (Qualtrics)."""
        name = self.header[i] or self.texts[i]
        if self.texts[i] and self.texts[i] != name:
            return f"{name} ({self.texts[i]})"
        return name + (f" ({self.subs[i]})" if self.subs[i] not in ("", "Response", "Open-Ended Response") else "")

    def question(self, i: int) -> str:
        sub = self.subs[i]
        return self.texts[i] + (f" ({sub})" if sub not in ("", "Response", "Open-Ended Response") else "")

    def columns(self) -> list[str]:
        """The long table's columns, one row per answer, then those each answer keeps in its meta (`carried`)."""
        return self._own() + [name for name, _ in self.carried()]

    def _own(self) -> list[str]:
        return (
            (["id", "response_id"] if self.id is not None else [])
            + ["question_id", "question", "answer"]
            + [self.header[i] for i in (self.date, self.score) if i is not None]
        )

    def chosen(self, scale: str | None) -> dict[str, object]:
        """The columns read, by role, as the file names them (`columns.chosen`): the open-text questions mined, the
        score and its scale, the date, the id, and those each answer keeps (`carried`)."""
        named = {role: self.header[i] if i is not None else None
                 for role, i in (("rating", self.score), ("date", self.date), ("id", self.id))}  # fmt: skip
        return {"text": [self.header[i] for i in self.open], "title": None, **named, "rating_scale": scale,
                "kept": [name for name, _ in self.carried()]}  # fmt: skip

    def carried(self) -> list[tuple[str, int]]:
        """(name, column) of the columns each answer keeps in its meta, not mined: choice questions and tags (Q4,
        a Touchpoint or Journey column) and the export's language field, which were left out and lost, `mine` saying
        to mine them as text. Not an open-text question left unmined, nor the export's other fields (names, emails,
        IP addresses), nor a column of the same name as one of the answer's own or as `language`, which import writes
        (the language an answer is read as: miner/pipeline/imports.py `readable`)."""
        used, own, out = {*self.open, self.score, self.date, self.id}, [*self._own(), "language"], []
        for i, header in enumerate(self.header):
            if i in used or (norm(header) not in _KEPT_FIELDS if i in self.fields else self._open(i)):
                continue
            name = (self.question(i) if self.shape == "surveymonkey" else header) or f"column {i + 1}"
            if name not in own:
                out.append((name, i))
        return out

    def roles(self) -> ColumnMap:
        """The long table's columns by role: the date and rating keep the file's names, for its messages."""
        return ColumnMap(
            text="answer", id="id" if self.id is not None else None,
            rating=self.header[self.score] if self.score is not None else None,
            date=self.header[self.date] if self.date is not None else None,
        )  # fmt: skip

    def scale_name(self) -> str:
        """What the rating's scale is judged by: the score its question asks for (nps, csat) and its label."""
        return f"{self.score_name} {self.label(self.score)}" if self.score is not None else ""

    def choose(self, path: Path, given: ColumnMap) -> ColumnMap:
        """Apply the column options, which name the file's headers: --text-col the questions to mine (repeated for
        several), --rating-col, --date-col and --id-col. Returns those given, as the long table's columns."""
        if given.title:
            raise InputError(str(path), "a survey's answers have no title (given with --title-col)",
                             hint="leave out --title-col")  # fmt: skip
        if texts := given.named_texts():
            self.open = list(dict.fromkeys(self._find(path, t, "text") for t in texts))
        if given.rating:
            self.score = self._find(path, given.rating, "rating")
            self.score_name = score_kind(self.texts[self.score], real_answers(self.values[self.score])) or "score"
            self.open = [i for i in self.open if i != self.score]
        if given.date:
            self.date = self._find(path, given.date, "date")
        if given.id:
            self.id = self._find(path, given.id, "id")
        if not self.open:
            raise InputError(
                str(path),
                f"the {'survey' if self.shape == 'flat' else self.shape} export has no open-text question",
                hint=f"export the text answers too, or name the questions to mine with --text-col (columns are: "
                f"{self._names()})",
            )
        roles = self.roles()
        return replace(given, text=None, texts=(), **{r: getattr(roles, r) for r in ("rating", "date", "id")
                                                      if getattr(given, r)})  # fmt: skip

    def _find(self, path: Path, name: str, role: str) -> int:
        if name in self.header:
            return self.header.index(name)
        raise InputError(str(path), f"there is no column '{name}' (given with --{role}-col)",
                         hint=f"columns are: {self._names()}")  # fmt: skip

    def _names(self) -> str:
        return ", ".join(h for h in self.header if h) + self.where

    def note(self, scale: str | None) -> str:
        """What `mine` says of the file, naming columns as the file does: "qualtrics survey: mining 2 open-text
        questions: Q2_TEXT (What could we do better?), ...; rating Q1 (...) (nps), ...; left out: Q4 (...), ..."."""
        n = len(self.open)
        called = "survey export (one row per respondent)" if self.shape == "flat" else f"{self.shape} survey"
        parts = [f"{called}: mining {n} open-text question{'s' if n != 1 else ''}: "
                 + ", ".join(self.label(i) for i in self.open)]  # fmt: skip
        roles = [f"{role} {self.label(i) if role == 'rating' else self.header[i]}" for role, i in
                 (("rating", self.score), ("date", self.date), ("id", self.id)) if i is not None]  # fmt: skip
        if roles and self.score is not None:
            roles[0] += f" ({scale})" if scale else " (its values fit no scale and are left unread)"
        parts += [", ".join(roles)] if roles else []
        kept = {i for _, i in self.carried()}
        if kept:  # a second score ('Overall Satisfaction' beside 'Likelihood to Recommend') is said to be one
            parts.append("kept with each answer, not mined: " + ", ".join(
                self.label(i) + (" (another score, not read as the rating: name it with --rating-col to read it "
                                 "instead)" if score_kind(self.texts[i], real_answers(self.values[i])) else "")
                for i in sorted(kept)))  # fmt: skip
        used = {*self.open, self.score, self.date, self.id, *kept}
        left = [self.label(i) for i in range(len(self.header)) if i not in used and i not in self.fields]
        fields = [self.header[i] for i in self.fields if i not in used]
        if left:
            parts.append("left out: " + ", ".join(left) + " (name the questions to mine with --text-col)")
        if fields:
            shown = ", ".join(fields[:3]) + (", ..." if len(fields) > 3 else "")
            parts.append(f"{'also ' if left else ''}left out: {len(fields)} export field{'s' * (len(fields) != 1)} "
                         f"({shown})")  # fmt: skip
        parts += [f"no {r} column found (name one with --{r}-col)" for r, i in (("rating", self.score),
                  ("date", self.date)) if i is None]  # fmt: skip
        return "; ".join(parts)

    def declined_note(self, kept: int = 0) -> str | None:
        """What `mine` says, once the rows are read, of the answers left out as saying nothing, and of the
        respondents who wrote nothing: no item of theirs is stored, and the scores of `kept` of them are."""
        if not self.declined and not self.silent:
            return None
        n = sum(self.declined.values())
        per = ", ".join(f"{self.header[i]} {k}" for i, k in sorted(self.declined.items()))
        parts = [f"{counted(n, 'answer')} left out as saying nothing ('N/A', '-', 'no comment'...; {per}), as empty "
                 "ones are: they are no feedback items"] if n else []  # fmt: skip
        if self.silent:
            parts.append(f"{counted(self.silent, 'respondent')} answered no open-text question: no feedback item of "
                         "theirs is stored" + (f"; the scores of {kept:,} of them are kept for the NPS and rating "
                         "figures, as the survey's own figures count them" if kept else ""))  # fmt: skip
        return "; ".join(parts)


def melt_survey(path: Path, shape: str, header: list[str], peeked: list, rest: Iterator[tuple[int, list]]) -> Table:
    """One row per respondent and open-text answer: id, question, answer, score and date. The Table's
    extra["survey"] is the Survey, whose `choose` must be called before its rows are read to apply column options."""
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
    fields = [i for i, h in enumerate(header) if norm(h) in meta]
    good = [row for _, row in sample if isinstance(row, dict)]
    values = {i: [cell(row[k]) for row in good] for i, k in enumerate(keys)}
    survey = Survey(shape, header, qids, texts, subs, fields, values)
    survey.detect()
    return survey_table(survey, keys, sample, data)


def cell(value: object) -> str:
    """A cell as text: empty for none (a JSON null, an empty spreadsheet cell), a spreadsheet's 9.0 as 9."""
    if value is None:
        return ""
    return str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()


def survey_table(survey: Survey, keys: list[str], sample: list, data: Iterator) -> Table:
    """The long table of a survey's answers, read from its rows (dicts keyed by `keys`, one a column): the rows of
    `sample` first, then `data`."""

    def rows() -> Iterator[tuple[int, dict | InputError]]:
        s = survey  # read when the first row is: after `choose`
        carried = [(name, keys[i]) for name, i in s.carried()]
        for line, row in _rest(sample, data):
            if isinstance(row, InputError):
                yield line, row
                continue
            s.respondents += 1
            rid = (cell(row.get(keys[s.id])) or f"line{line}") if s.id is not None else ""
            answered = False
            for i in s.open:
                answer = cell(row.get(keys[i]))
                if not answer:
                    continue  # a question the respondent skipped is no error
                if declines(answer, s.question(i)):  # "N/A", "-", "no comment": skipped too, and counted
                    s.declined[i] += 1
                    continue
                answered = True
                # a form of one open question was a plain table, one item per respondent: its ids stay theirs
                qid = f"{rid}:{s.qids[i]}" if s.shape not in ("forms", "flat") or len(s.open) > 1 else rid
                out = {"id": qid, "response_id": rid} if s.id is not None else {}
                out |= {"question_id": s.qids[i], "question": s.question(i), "answer": answer}
                if s.date is not None:
                    out[s.header[s.date]] = row.get(keys[s.date])
                if s.score is not None:
                    out[s.header[s.score]] = row.get(keys[s.score])
                yield line, out | {name: row.get(key) for name, key in carried}
            if not answered:
                s.silent += 1
                score = cell(row.get(keys[s.score])) if s.score is not None else ""
                if score:
                    when = cell(row.get(keys[s.date])) if s.date is not None else ""
                    s.scored_silent.append((line, rid, when, score, {name: row.get(key) for name, key in carried}))

    table = Table(survey.columns(), rows(), shape=survey.shape, kind="survey")  # type: ignore[arg-type]
    table.extra |= {"survey": survey, "header_fields": ("question_id", "question")}
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


def conversation_shape(
    path: Path, records: list[tuple[int, dict]], speakers: Speakers | None = None, users: object = None
) -> Table | None:
    """Zendesk tickets with comments, Intercom conversations with parts, lists of messages and Genesys Cloud
    transcripts with phrases, as transcripts (`speakers`: the labels given a side; `users`: a list the file
    side-loads beside its records, Zendesk's authors and requesters); else None."""
    from miner.ingest.conversations import ID_FROM, SHAPES, Users
    from miner.ingest.genesys import GENESYS

    if not records:
        return None
    first = records[0][1]
    for name, (detect, convert) in {**SHAPES, **GENESYS}.items():
        if detect(first, speakers):
            known = Users(users)  # one a file: a ticket's own users join those beside the tickets
            rows = [(line, convert(rec, speakers, known)) for line, rec in records]
            found = dict.fromkeys(f for _, r in rows if (f := r.pop(ID_FROM, None)))
            columns = list(dict.fromkeys(k for _, r in rows for k in r if k != "_turns"))
            table = Table(columns, rows, shape=name, kind="transcript")
            if found:  # the note names the file's field ('conversation_id'), not the reader's column ('id')
                table.extra["named"] = {"id": "' or '".join(found)}  # quoted by the note: 'id' or 'ticket_id'
            return table
    return None
