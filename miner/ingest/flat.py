"""Flat survey exports: one row per respondent, a score column beside comment columns and no question rows, as
Medallia and most NPS and CSAT programmes export them ("Likelihood to Recommend", "LTR Comment", "Improvement
Comment"). Read as a plain table, the first respondent who only scored stopped the import ("the text is empty: fill
it in"), and under --on-error skip their scores were left out of the NPS; read as a survey (`shapes.Survey`), a
blank comment is a respondent who only scored, and every comment column is mined."""

from __future__ import annotations

from itertools import chain, islice
from pathlib import Path

from miner.ingest.columns import ColumnMap, guess_kind
from miner.ingest.columns import detect as detect_columns
from miner.ingest.shapes import SAMPLE_RESPONDENTS, Survey, cell, survey_table
from miner.ingest.table import Table
from miner.ingest.tabular import sheets_read


def flat_survey(path: Path, table: Table, given: ColumnMap) -> Table | None:
    """The plain `table` as a survey's answers, where it is a survey: a column asks for a score (its name says
    recommend, LTR, NPS, satisfaction or CSAT, its cells whole numbers or satisfaction labels: `columns.score_kind`)
    beside a column of comments (its name says comment, feedback, verbatim...: `columns.text_named`, or it asks a
    question), and no title or ticket id says it holds reviews or tickets; or `--kind survey` says so. Else None,
    the table's rows as they were. The columns keep their names: the options name them as in a plain table."""
    if table.shape is not None or table.kind or not table.columns_named or given.kind not in (None, "survey"):
        return None
    rows = iter(table.rows)
    sample = list(islice(rows, SAMPLE_RESPONDENTS))
    table.rows = chain(sample, rows)
    header = list(table.columns)
    good = [row for _, row in sample if isinstance(row, dict)]
    found = detect_columns(header, good)
    at = {name: i for i, name in enumerate(header)}
    fields = [at[c] for c in (found.id, found.date) if c]  # never a score nor an answer
    values = {i: [cell(row.get(name)) for row in good] for i, name in enumerate(header)}
    survey = Survey("flat", header, list(header), list(header), [""] * len(header), fields, values)
    survey.detect()
    survey.id, survey.date = (at[c] if c else None for c in (found.id, found.date))
    survey.where = sheets_read(table)
    asked = given.kind == "survey"
    if not asked and (found.title or guess_kind(header) == "transcript"):
        return None  # a review's title, a helpdesk's tickets with the CSAT sent once solved: no survey
    if asked and not survey.open and found.text:
        survey.open = [at[found.text]]  # --kind survey: the text a plain table would read is the comment
    if survey.score is None and asked and found.rating and at[found.rating] not in survey.open:
        survey.score = at[found.rating]  # and its rating the score
    if not (survey.open or given.named_texts()) or not (asked or survey.score is not None):
        return None
    out = survey_table(survey, header, sample, rows)
    out.unit, out.extra = table.unit, table.extra | out.extra  # a JSON file's records; a workbook's other sheets
    return out
