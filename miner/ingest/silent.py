"""Survey respondents who answered no open-text question: their scores, kept for the NPS and rating figures. A
survey tool's NPS counts everyone who scored; the tester's export of 200 responses, 120 of them without a comment,
gave an NPS of the 80 commenters alone, who skew towards the detractors."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from miner.errors import InputError
from miner.ingest import ratings
from miner.ingest.columns import ColumnMap
from miner.ingest.dates import DateColumn
from miner.ingest.records import Record, Score
from miner.ingest.rows import read_score
from miner.ingest.shapes import Survey


@dataclass
class SilentScores:
    """`silent_scores`' answer: the scores kept, and the rows refused as a commenter's would be, with their lines."""

    scores: list[Score] = field(default_factory=list)
    rejected: list[tuple[int, InputError]] = field(default_factory=list)


def silent_scores(
    path: Path,
    survey: Survey,
    cols: ColumnMap,
    scale: str | None,
    dates: DateColumn | None,
    id_column: str | None,
) -> SilentScores:
    """The scores of the survey's respondents who answered no open-text question (`Survey.scored_silent`), read as
    a commenter's score and date are: a score outside the scale, or a date that is none, is the same error naming the
    file, line and column; each with the columns its row kept, as a commenter's answer keeps them (`id_column` as
    theirs: `Record.id_column`). Nothing where the score column fits no scale."""
    out = SilentScores()
    if scale is None or cols.rating is None:
        return out
    seen: Counter[tuple] = Counter()  # scores without an id: earlier ones of the same date and score (`Score.repeat`)
    for line, rid, when, cell, kept in survey.scored_silent:
        if ratings.missing(cell):
            continue
        try:
            raw = read_score(path, line, cols.rating, cell, scale)
            day = dates.parse(path, line, when) if dates is not None and when else None
        except InputError as err:
            out.rejected.append((line, err))
            continue
        repeat = 0
        if not rid:
            repeat = seen[(day, raw)]
            seen[(day, raw)] += 1
        meta = {name: value for name, value in kept.items() if value not in (None, "")}  # as `rows._record`'s
        score = Score(path.name, line, rid, ratings.normalise(raw, scale), raw, scale, day, repeat, meta, id_column)
        out.scores.append(score)
    return out


def redact_kept(scores: list[Score], redactor: Callable[[list[Record]], list[Record]]) -> None:
    """Redact each score's kept columns as its commenters' are (`redactor` over a record holding them, as theirs
    would be): a market stored alike for both is counted alike, and no name or email a commenter's would lose is
    stored. Each distinct set of values once: a survey's scores share a few markets."""
    alike: dict[tuple, list[Score]] = {}
    for s in scores:
        if s.meta:
            key = (json.dumps(s.meta, sort_keys=True, default=str), bool(s.response_id), s.id_column)
            alike.setdefault(key, []).append(s)
    # the source id and its column as a commenter's: whether a number under an id's name stays (`redact._walk`)
    holders = [Record(s.source, s.line, "", "survey", s.response_id or None, s.id_column, meta=dict(s.meta))
               for s, *_ in alike.values()]  # fmt: skip
    if not holders:  # no score keeps a column: no call, which would load and count as a batch redacted
        return
    for group, holder in zip(alike.values(), redactor(holders), strict=True):
        for s in group:
            s.meta = dict(holder.meta)
