"""`touchpoints top`, `report` and `export`: the top pain points, the analyst's HTML report and tables for BI tools."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from miner.cli.app import (
    Format,
    KindOpt,
    ReadDbOpt,
    RunOpt,
    SinceOpt,
    SourceOpt,
    UntilOpt,
    WhereOpt,
    app,
    check_count,
    fail,
    kept_pairs,
)
from miner.errors import MinerError


class Period(StrEnum):
    auto = "auto"
    week = "week"
    month = "month"


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    parquet = "parquet"
    csv = "csv"


class ExportTable(StrEnum):
    pain_points = "pain_points"
    assignments = "assignments"


def _existing_db(db: Path):
    from miner.store import open_to_read

    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    return open_to_read(db)


@app.command()
def top(
    db: ReadDbOpt = Path("touchpoints.db"),
    touchpoint: Annotated[
        str | None, typer.Option(help="Only this top-level touchpoint id (or 'none'); a sub-touchpoint is no filter.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many touchpoints.")] = 10,
    pain_points: Annotated[int, typer.Option(help="Pain points per touchpoint.")] = 5,
    format: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    kind: KindOpt = None,
    where: WhereOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="Instead of the pain points, one row per value of this kept column (e.g. Market): its items, those "
            "read, those with a complaint, the complaint rate over those read, its top touchpoint.",
        ),
    ] = None,
    run: RunOpt = None,
) -> None:
    """Show the top pain points by touchpoint from the latest run, or --run N (optionally within dates, sources,
    kinds, kept column values); or, with --by, the complaint rate per value of a kept column."""
    import miner.store  # noqa: F401 - first, so sqlite-utils loads without pandas (start-up under 1 s)
    from miner.report import top_pain_points
    from miner.report.breakdown import breakdown_csv, by_column, print_breakdown
    from miner.report.render import print_table, to_csv
    from miner.store import open_to_read
    from miner.store.filters import Filters, check, no_match
    from miner.store.runs import find_run
    from miner.touchpoints.taxonomy import NONE

    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    for name, value in (("--limit", limit), ("--pain-points", pain_points)):
        check_count(name, value)
    if by is not None and touchpoint is not None:  # its rate and top touchpoint count every touchpoint's complaints
        fail("--by counts the complaints of every touchpoint: leave --touchpoint out")
        return
    kept = kept_pairs(where)
    try:
        database = open_to_read(db)
        filters = check(database, Filters(since, until, source, kind, kept))
        if by is not None:
            result = by_column(database, by, filters, run)
        else:
            result = top_pain_points(
                database, touchpoint=touchpoint, limit=limit, pain_points=pain_points, filters=filters, run_id=run
            )
        if not result["items"]:  # as `report` refuses it: an empty table and exit 0 read as "no complaints"
            fail(no_match(database, filters, find_run(database, result["run"]["id"])))
            return
    except MinerError as err:
        fail(str(err))
        return
    unmapped = touchpoint == NONE  # the JSON keeps them under "unmapped"; the table and the CSV list them
    if format is Format.table and by is not None:
        print_breakdown(result)
        return
    if format is Format.table:
        print_table(result, unmapped)
        return
    if format is Format.json:
        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    else:
        text = breakdown_csv(result) if by is not None else to_csv(result, unmapped)
    if sys.stdout.isatty():  # shown, not piped: a review's escape codes are not run (a pipe gets the data verbatim)
        from miner.report.inert import terminal_text

        text = terminal_text(text, keep_newlines=True)
    sys.stdout.write(text)


@app.command()
def report(
    db: ReadDbOpt = Path("touchpoints.db"),
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="File to write: .html (self-contained, opens offline) or .json (what the page shows, as data).",
        ),
    ] = Path("report.html"),
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    kind: KindOpt = None,
    where: WhereOpt = None,
    period: Annotated[Period, typer.Option(help="Trend periods: week, month, or auto (by the data's span).")] = (
        Period.auto
    ),
    run: RunOpt = None,
) -> None:
    """Write the analyst's HTML report of the latest run, or --run N: journey, touchpoints, trends, rating impact,
    quotes, data quality (or, with --out x.json, the same as data)."""
    from miner.report.html import write_report
    from miner.store.filters import Filters, check

    kept = kept_pairs(where)
    database = _existing_db(db)
    try:
        filters = check(database, Filters(since=since, until=until, source=source, kind=kind, kept=kept))
        path = write_report(database, out, filters, granularity=period.value, run_id=run)
    except MinerError as err:
        fail(str(err))
        return
    opens = ", opens offline" if path.suffix.lower() != ".json" else ""
    typer.echo(f"Report: {path} ({path.stat().st_size / 1e6:.1f} MB{opens})")
    _note_fit(database, run)


def _note_fit(database, run_id: int | None) -> None:  # noqa: ANN001 - a sqlite-utils Database, imported lazily
    """One line when the run's corpus fits its taxonomy poorly: the report opens with the details."""
    from miner.store.runs import find_run, run_fit

    fit = run_fit(find_run(database, run_id) or {})
    if fit and fit.get("verdict") in ("weak fit", "does not fit"):
        typer.secho(
            f"Taxonomy fit: {fit['verdict']} (the notice at the top of the report says why and what to do).",
            fg="yellow",
        )


@app.command()
def export(
    db: ReadDbOpt = Path("touchpoints.db"),
    format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="xlsx (both tables), parquet or csv. Default: from --out's extension (which must agree), else xlsx "
            "(an --out without an extension gets the format's).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="File to write.")] = Path("touchpoints.xlsx"),
    table: Annotated[
        ExportTable, typer.Option(help="For csv and parquet: pain_points or assignments.")
    ] = ExportTable.pain_points,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    kind: KindOpt = None,
    where: WhereOpt = None,
    run: RunOpt = None,
) -> None:
    """Export pain points and assignments of the latest run, or --run N, for BI tools (spreadsheet formulas
    neutralised)."""
    from miner.report.exports import export_counted
    from miner.store.filters import Filters, check, data_span
    from miner.store.runs import find_run

    database = _existing_db(db)
    suffix = out.suffix.lower().lstrip(".")
    formats = {f.value for f in ExportFormat}
    # an .xlsx written as r.pdf, e.json or e.csv opened as garbage, or not at all
    if suffix and suffix not in formats:
        fail(f"{out}: an export is a .xlsx, .csv or .parquet file (its extension chooses the format)")
        return
    if suffix and format is not None and format.value != suffix:
        fail(f"{out}: --format {format.value} writes a .{format.value} file: name it so, or leave --format out")
        return
    chosen = format or (ExportFormat(suffix) if suffix in formats else ExportFormat.xlsx)
    if not suffix:  # "--out fn/pp" wrote an xlsx named pp, which nothing opens as one
        out = out.with_name(f"{out.name}.{chosen.value}")
    try:
        filters = check(database, Filters(since=since, until=until, source=source, kind=kind, kept=kept_pairs(where)))
        path, rows = export_counted(database, out, chosen.value, table=table.value, filters=filters, run_id=run)
    except MinerError as err:
        fail(str(err))
        return
    if not rows:  # the file still has its header, so a BI tool reading it sees the columns
        span = data_span(database, filters, find_run(database))
        typer.echo(f"Warning: no row matches {filters.describe()} ({span}): {path} holds the header only", err=True)
    typer.echo(f"Exported: {path}")
