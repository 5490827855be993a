"""`touchpoints report` and `export`: the analyst's HTML report and tables for BI tools."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from miner.cli.app import KindOpt, ReadDbOpt, RunOpt, SinceOpt, SourceOpt, UntilOpt, app, fail
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
    period: Annotated[Period, typer.Option(help="Trend periods: week, month, or auto (by the data's span).")] = (
        Period.auto
    ),
    run: RunOpt = None,
) -> None:
    """Write the analyst's HTML report of the latest run, or --run N: journey, touchpoints, trends, rating impact,
    quotes, data quality (or, with --out x.json, the same as data)."""
    from miner.report.html import write_report
    from miner.store.filters import Filters, check

    database = _existing_db(db)
    try:
        filters = check(database, Filters(since=since, until=until, source=source, kind=kind))
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
    run: RunOpt = None,
) -> None:
    """Export pain points and assignments of the latest run, or --run N, for BI tools (spreadsheet formulas
    neutralised)."""
    from miner.report.exports import export_counted
    from miner.store.filters import Filters, check

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
        filters = check(database, Filters(since=since, until=until, source=source, kind=kind))
        path, rows = export_counted(database, out, chosen.value, table=table.value, filters=filters, run_id=run)
    except MinerError as err:
        fail(str(err))
        return
    if not rows:  # the file still has its header, so a BI tool reading it sees the columns
        typer.echo(f"Warning: no row matches {filters.describe()}: {path} holds the header only", err=True)
    typer.echo(f"Exported: {path}")
