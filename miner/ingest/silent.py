"""Survey respondents who answered no open-text question: their scores, kept for the NPS and rating figures. A
survey tool's NPS counts everyone who scored; the tester's export of 200 responses, 120 of them without a comment,
gave an NPS of the 80 commenters alone, who skew towards the detractors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from miner.errors import InputError
from miner.ingest import ratings
from miner.ingest.columns import ColumnMap
from miner.ingest.dates import DateColumn
from miner.ingest.records import Score
from miner.ingest.rows import read_score
from miner.ingest.shapes import Survey


@dataclass
class SilentScores:
    """`silent_scores`' answer: the scores kept, and the rows refused as a commenter's would be, with their lines."""

    scores: list[Score] = field(default_factory=list)
    rejected: list[tuple[int, InputError]] = field(default_factory=list)


def silent_scores(
    path: Path, survey: Survey, cols: ColumnMap, scale: str | None, dates: DateColumn | None
) -> SilentScores:
    """The scores of the survey's respondents who answered no open-text question (`Survey.scored_silent`), read as
    a commenter's score and date are: a score outside the scale, or a date that is none, is the same error naming the
    file, line and column. Nothing where the score column fits no scale."""
    out = SilentScores()
    if scale is None or cols.rating is None:
        return out
    seen: Counter[tuple] = Counter()  # scores without an id: earlier ones of the same date and score (`Score.repeat`)
    for line, rid, when, cell in survey.scored_silent:
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
        out.scores.append(Score(path.name, line, rid, ratings.normalise(raw, scale), raw, scale, day, repeat))
    return out
