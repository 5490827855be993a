"""Turning a table's rows into records: text, title, rating, date, id and speaker turns."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from itertools import chain, islice
from pathlib import Path

from miner.errors import InputError, describe
from miner.ingest import messages, ratings
from miner.ingest.columns import ColumnMap, chosen, detect, guess_kind, kept_note, numbering, summary
from miner.ingest.dates import DateColumn, european
from miner.ingest.flat import flat_survey
from miner.ingest.plaintext import plain_text
from miner.ingest.readers import MAX_FIELD
from miner.ingest.records import KINDS, Record, Respondents
from miner.ingest.repeats import Alike, RepeatedIds
from miner.ingest.several import TEXTS, several_texts
from miner.ingest.speakers import Speakers
from miner.ingest.structured import check_text_not_structured
from miner.ingest.table import Table
from miner.ingest.tabular import sheets_read
from miner.ingest.transcripts import has_markup, outcome, parse_transcript, stamped_date
from miner.wording import counted


def _str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}


def source_id(value: str) -> str:
    """An item's id as stored: a whole number a spreadsheet wrote as a float ("792.0") without its ".0"."""
    return re.sub(r"^(\d+)\.0$", r"\1", value)


def parse_rating(value: str, seven: bool = False) -> float:
    """A number from '4', '4.5', '4,5', '4 stars', 'FOUR' (Google Business), '★★★★☆' or a five-point satisfaction
    label ('Very dissatisfied' is 1, 'Very satisfied' 5); with `seven`, a seven-point one ('Extremely satisfied' 7)."""
    match = re.search(r"-?\d+(?:[.,]\d+)?", value)
    if match:
        return float(match.group(0).replace(",", "."))
    word = " ".join(value.strip().lower().split())
    if word in _WORDS:
        return float(_WORDS[word])
    labels = ratings.SATISFACTION_7 if seven else ratings.SATISFACTION
    if word in labels:
        return float(labels[word])
    if value.count("★"):
        return float(value.count("★"))
    raise ValueError(value)


SAMPLE_ROWS = 1000  # rows read ahead to detect the columns, the rating scale and markup
CHUNK_ROWS = 5000


def _resolve_columns(
    path: Path, table: Table, sample: list[dict], given: ColumnMap, known: ColumnMap | None = None
) -> ColumnMap:
    """The columns detected, or those a survey chose (`known`: its long table holds no other column to detect, and
    detecting took its 'question_id' for the id of an export without response ids), then the options given."""
    cols = (known if known is not None else detect(table.columns, sample)).merged(given)
    for role in ("text", "title", "rating", "date", "id"):
        name = getattr(given, role)
        if name is not None and name not in table.columns:
            raise InputError(
                str(path),
                f"there is no column '{name}' (given with --{role}-col)",
                hint=f"columns are: {', '.join(table.columns)}{sheets_read(table)}; --{role}-col applies to every "
                "file mined: mine the files without it in a command of their own",
            )
    if cols.text is None:
        if unanswered := _unanswered_question(table.columns, sample):
            raise InputError(
                str(path),
                f"the open question '{unanswered}' has no answer in the file's "
                f"{'first ' if len(sample) >= SAMPLE_ROWS else ''}{counted(len(sample), 'row')} (only empty cells "
                "and answers such as 'N/A'): there is no feedback to mine",
                hint="export the responses again once respondents have written some, or leave the file out",
            )
        raise InputError(
            str(path),
            "no text column found",
            hint=f"columns are: {', '.join(table.columns) or 'none'}; name one with --text-col{sheets_read(table)}",
        )
    if cols.kind is not None and cols.kind not in KINDS:
        raise InputError(str(path), f"unknown kind '{cols.kind}'", hint=f"use one of {', '.join(KINDS)}")
    return cols


def _unanswered_question(columns: list[str], sample: list[dict]) -> str | None:
    """A column that asks for words ("What is the main reason for your score?") whose sampled cells all say nothing
    ("N/A", empty): a survey export no respondent wrote in was refused with "no text column found", naming columns
    as if the question were not there."""
    from miner.ingest.questions import asks_for_words, real_answers

    for column in columns:
        if asks_for_words(column) and not real_answers([_str(r.get(column)) for r in sample]):
            return column
    return None


def _sample_ratings(sample: list[dict], column: str | None) -> tuple[list[float], int, bool]:
    """The sampled ratings that parse, how many cells held something that does not, and whether the labels are
    Qualtrics' seven-point ones ("Moderately satisfied": then every label is read on that scale)."""
    cells = [_str(row.get(column)) if column else "" for row in sample]
    seven = any(" ".join(c.lower().split()) in ratings.SEVEN_ONLY for c in cells)
    values, unread = [], 0
    for raw in cells:
        if not ratings.missing(raw):
            try:
                values.append(parse_rating(raw, seven))
            except ValueError:
                unread += 1
    return values, unread, seven


def _scale(path: Path, cols: ColumnMap, sample: list[dict], given: ColumnMap, name: str | None = None) -> str | None:
    """The rating column's scale; a column named with --rating-col whose values fit no scale is an error, a
    detected one is left unread (a 0-100 'score' is not a rating), as is one whose cells are mostly not ratings
    (labels of another scale: every row was refused before, and `--on-error skip` skipped them all). `name`: what
    the scale is judged by where the column's name says too little (a survey's question)."""
    if not cols.rating:
        return None
    values, unread, seven = _sample_ratings(sample, cols.rating)
    if unread > len(values) and not given.rating:
        return None
    if seven and values and max(values) <= 7:
        return "csat7"
    scale = ratings.infer_scale(name or cols.rating, values)
    if scale is None and given.rating:
        raise InputError(str(path), "the ratings fit no scale (1-5, 1-7 or 0-10)", field=cols.rating,
                         hint="rescale them, or leave out --rating-col")  # fmt: skip
    return scale


def iter_records(
    path: Path,
    table: Table,
    given: ColumnMap,
    *,
    on_error: str = "fail",
    chunk_rows: int = CHUNK_ROWS,
    rejected: list[InputError] | None = None,
    notes: list[str] | None = None,
    orders: dict[str, bool] | None = None,
    respondents: Respondents | None = None,
    columns: dict[str, object] | None = None,
) -> Iterator[list[Record]]:
    """Validated records in chunks, so a large file is never held whole. A bad row raises (on_error='fail')
    or is left out and appended to `rejected` ('skip'). Columns and the rating scale are judged on the
    first SAMPLE_ROWS rows. `notes` gets a line on the columns chosen and, at the end, one on the rows whose id
    repeats an earlier row's (stored once: an item's id is its source's). `respondents` gets, once the rows are
    read, a survey's count of respondents and the scores of those who answered no open-text question."""
    speakers = table.extra.get("speakers") or Speakers.of(given)  # the labels given a side (--customer-speaker)
    if (flat := flat_survey(path, table, given)) is not None:  # a score and comments, one row per respondent
        table = flat
    survey = table.extra.get("survey")
    if survey is not None:  # the options name the file's headers: applied before a row is read (shapes.Survey)
        given = survey.choose(path, given)
        table.columns = survey.columns()
    elif len(given.named_texts()) > 1:
        table = several_texts(path, table, given)
        given = replace(given, text=TEXTS, texts=())
    rows = iter(table.rows)
    head = list(islice(rows, SAMPLE_ROWS))
    sample = [r for _, r in head if isinstance(r, dict)]
    if not head:
        raise InputError(str(path), "the file has no rows", hint="export the data again or remove the file")
    cols = _resolve_columns(path, table, sample, given, survey.roles() if survey is not None else None)
    cols, message = messages.by_conversation(table.columns, sample, cols, given, speakers)  # each message's own id
    check_text_not_structured(path, cols, sample)
    kind = cols.kind or table.kind or guess_kind(table.columns)
    scale = _scale(path, cols, sample, given, survey.scale_name() if survey is not None else None)
    notes = notes if notes is not None else []
    # the notes name the file's own fields: a conversation export's id column 'id' is its 'conversation_id'
    named = replace(cols, id=table.extra.get("named", {}).get(cols.id, cols.id)) if cols.id else cols
    if columns is not None and (survey is not None or table.columns_named):  # for the API's upload (`chosen`)
        columns.update(survey.chosen(scale) if survey is not None else chosen(named, scale, table.extra.get("texts")))
    if survey is not None:
        notes.append(survey.note(scale))
    elif table.columns_named:  # a .txt has no columns: nothing to say of missing ratings and dates
        notes.append(summary(named, scale, table.extra.get("texts")))
    notes += table.extra.get("notes", [])  # the reader's own: where a Zendesk comments page's id came from
    if others := table.extra.get("other_sheets"):
        names = ", ".join(f"'{o}'" for o in others)
        notes.append(f"read sheet '{table.extra['sheet']}'; not read: {names} (one sheet is read per workbook: mine "
                     "another with --sheet NAME)")  # fmt: skip
    dates = _date_column(cols, table, sample, given, orders)
    if dates is not None and (note := dates.note()):
        notes.append(note)
    stream: Iterator[tuple[int, dict]] = chain(head, rows)
    speaker = messages.speaker_column(table.columns, sample, cols, speakers, cols.append or message is not None)
    read = _Counted(stream)  # where rows are joined, the note below says how many rows made the items
    if speaker is not None:  # one row per message: each conversation's rows become one transcript
        stream = messages.joined(iter(read), cols, speaker, speakers=speakers, message=message)
        notes.append(f"one row per message: each conversation's rows (same '{cols.id}') are joined into one "
                     f"transcript, '{speaker}' saying who speaks")  # fmt: skip
    id_name = survey.header[survey.id] if survey is not None and survey.id is not None else cols.id
    id_column = numbering(id_name, [_str(r.get(cols.id)) for r in sample]) if cols.id else None
    repeats = RepeatedIds()  # rows whose id an earlier row holds: dropped, and named in a note
    alike = Alike()  # rows without an id: how many earlier ones read the same
    header_fields = table.extra.get("header_fields", ())  # meta the header gave: never redacted
    markup_cols = [c for c in table.columns if c != cols.text and any(has_markup(_str(r.get(c))) for r in sample[:20])]
    rejected = rejected if rejected is not None else []
    chunk: list[Record] = []
    total = dropped = 0  # dropped: rows left out, counted here (a caller's list may keep only the first ones)
    unread = 0  # rows the reader could not read (a wrong field count): where rows are joined, a message each
    carried: set[str] = set()  # the meta the rows kept: the file's other columns, and what reading added
    for line, row in stream:
        try:
            if isinstance(row, InputError):
                unread += 1
                raise row
            rec = _record(path, line, row, cols, kind, scale, markup_cols, dates, speakers)
            carried.update(rec.meta)
            rec.header_fields = header_fields
            if rec.source_id is not None:
                rec.id_column = id_column  # a number in it is no phone number (`numbering`)
                rec.id_from_name = not table.columns_named  # a .txt file's name (`Record.id_from_name`)
                repeats.add(rec)
            else:
                rec.repeat = alike.count(rec)
            chunk.append(rec)
        except InputError as err:
            err = err.counted_in(table.unit) if table.unit != err.unit and err.line is not None else err
            if on_error != "skip":
                raise err from None
            dropped += 1
            rejected.append(_skipped(err))
        if len(chunk) >= chunk_rows:
            total += len(chunk)
            yield chunk
            chunk = []
    total += len(chunk)
    if speakers is not None:
        speakers.check(str(path))
    if speaker is not None:  # mine's "N rows" counts conversations here: say how many rows made them
        notes.append(messages.joined_note(read.n - unread, total, dropped - unread, unread))
    notes.extend(repeats.notes(named, table.unit, joined=speaker is not None))
    if alike.repeated:
        notes.append(alike.note())
    if survey is None and (said := kept_note(kept_columns := [c for c in table.columns if c in carried])):
        notes.append(said)
    if survey is None and columns is not None and table.columns_named:
        columns["kept"] = kept_columns
    if survey is not None:
        from miner.ingest.silent import silent_scores  # it reads scores as this module does

        kept = silent_scores(path, survey, cols, scale, dates, id_column)
        for _, bad in kept.rejected:
            if on_error != "skip":
                raise bad from None
            dropped += 1
            rejected.append(_skipped(bad))
        if respondents is not None:
            respondents.read, respondents.scores = survey.respondents, respondents.scores + kept.scores
        if said := survey.declined_note(len(kept.scores)):
            notes.append(said)
    if not total:
        first = rejected[0] if rejected else "none"
        raise InputError(str(path), f"no usable rows ({dropped} rejected; first: {first})")
    if chunk:
        yield chunk


_SKIP_HINT = re.compile(r",? or pass --on-error skip(?: to leave such rows out)?")


def _skipped(err: InputError) -> InputError:
    """A row left out under --on-error skip, its hint no longer telling to pass it ('fill it in, or pass
    --on-error skip' was printed for rows that option had skipped)."""
    hint = _SKIP_HINT.sub("", err.hint or "") or None
    return InputError(err.path, err.problem, line=err.line, field=err.field, hint=hint, unit=err.unit)


class _Counted:
    """An iterator's items, counted as they pass (`n`)."""

    def __init__(self, items: Iterator) -> None:
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator:
        for item in self.items:
            self.n += 1
            yield item


def _date_column(
    cols: ColumnMap, table: Table, sample: list[dict], given: ColumnMap, orders: dict[str, bool] | None = None
) -> DateColumn | None:
    """The date column, read in the order given with --date-order, else day-first or month-first as most of its
    sampled cells that can only be one way (else as `orders` remembers the column, or the file's European signs
    say: `DateColumn.from_sample`)."""
    if not cols.date:
        return None
    values = [_str(r.get(cols.date)) for r in sample]
    signs = european(table.extra.get("delimiter"), sample)
    return DateColumn.from_sample(cols.date, values, given.date is not None, orders, given.date_order, signs)


def records_from_table(path: Path, table: Table, given: ColumnMap, *, on_error: str = "fail") -> list[Record]:
    """All validated records of a table; rows left out with on_error='skip' are listed in the first record's
    meta under '_rejected'."""
    rejected: list[InputError] = []
    records = [r for chunk in iter_records(path, table, given, on_error=on_error, rejected=rejected) for r in chunk]
    if rejected:
        records[0].meta.setdefault("_rejected", [str(e) for e in rejected])
    return records


def _parse_field(path: Path, line: int, field: str, value: str, parse, problem: str, hint: str):  # noqa: ANN001, ANN202
    """`parse(value)`, or the one-sentence error naming the file, line and field and what the value looks like,
    never the value: `problem` reads "the rating is not a number ({shape})"."""
    try:
        return parse(value)
    except (ValueError, OverflowError):
        shape = describe(value)
        raise InputError(str(path), problem.format(shape=shape), line=line, field=field, hint=hint) from None


def read_score(path: Path, line: int, column: str, cell: str, scale: str) -> float:
    """A rating cell as answered, on `scale`: a commenter's row and a survey's score alone (miner/ingest/silent.py)
    are read alike; not a number, or outside the scale, is the error naming the file, line and column."""
    raw = _parse_field(path, line, column, cell, partial(parse_rating, seven=scale == "csat7"),
                       "the rating is not a number (the cell holds {shape})",
                       "fix it, or pass --on-error skip")  # fmt: skip
    if not ratings.inside(raw, scale):
        low, high = (f"{v:g}" for v in ratings.SCALES[scale])
        raise InputError(str(path), f"the rating is outside the {low}-{high} scale of the column's other values",
                         line=line, field=column, hint="fix it, or pass --on-error skip")  # fmt: skip
    return raw


def _record(
    path: Path,
    line: int,
    row: dict,
    cols: ColumnMap,
    kind: str,
    scale: str | None,
    markup_cols: list[str],
    dates: DateColumn | None = None,
    speakers: Speakers | None = None,
) -> Record:
    text = _str(row.get(cols.text))
    for extra in markup_cols:
        text = f"{text} {_str(row.get(extra))}".strip()
    # Made plain here, once, before redaction; a conversation's turns and the text made of them were by its reader
    raw_text, raw_title = text, _str(row.get(cols.title)) if cols.title else ""
    text = text if "_turns" in row else plain_text(text)
    title = plain_text(raw_title) if cols.title else ""
    if not text and title:
        text, raw_text = title, raw_title  # a title-only review ("Driver refused to come up") is mined alone
    if not text:
        raise InputError(
            str(path),
            "the text is empty",
            line=line,
            field=cols.text,
            hint="fill it in, or pass --on-error skip to leave such rows out",
        )
    if len(text) > MAX_FIELD:
        raise InputError(
            str(path),
            f"the text is {len(text):,} characters, over the limit of {MAX_FIELD:,}",
            line=line,
            field=cols.text,
            hint="split it, or pass --on-error skip",
        )
    rec = Record(source=path.name, line=line, text=text, kind=kind)
    if title:
        rec.title = title
    if (raw_text, raw_title) != (text, title):  # the id a database written before plain text holds it under
        rec.raw = (raw_text, raw_title or None)
    if cols.id and _str(row.get(cols.id)):
        rec.source_id = source_id(_str(row.get(cols.id)))
    if cols.rating and not ratings.missing(_str(row.get(cols.rating))) and scale:
        rec.rating_raw = read_score(path, line, cols.rating, _str(row.get(cols.rating)), scale)
        rec.rating_scale, rec.rating = scale, ratings.normalise(rec.rating_raw, scale)
    if dates is not None and _str(row.get(dates.column)):
        rec.date = dates.parse(path, line, _str(row.get(dates.column)))
    turns = row["_turns"] if "_turns" in row else parse_transcript(text, speakers)
    used = {cols.text, cols.title, cols.id, cols.rating, cols.date, "_turns", *markup_cols}
    rec.meta = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    if turns is not None:
        rec.kind, rec.turns, rec.appended = "transcript", turns, cols.append
        rec.date = rec.date or stamped_date(text, speakers)
        if outcome(turns):
            rec.meta["outcome"] = outcome(turns)
    return rec
