"""The `touchpoints` Typer app, its shared options and the one-sentence error exit."""

from __future__ import annotations

import importlib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Mine customer feedback for pain points and the touchpoints that cause them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
taxonomy_app = typer.Typer(help="Check and work on touchpoint taxonomies.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")
runs_app = typer.Typer(help="List a database's runs and prune the results of old ones.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

DbOpt = Annotated[Path, typer.Option("--db", help="SQLite database file (created if missing).")]
TaxonomyOpt = Annotated[
    Path | None, typer.Option("--taxonomy", help="Taxonomy YAML file (default: taxonomies/default.yaml).")
]

# The document filters (miner.store.filters.Filters): both days inclusive, whole days.
SinceOpt = Annotated[str | None, typer.Option(help="Only feedback dated on or after this day (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option(help="Only feedback dated on or before this day (YYYY-MM-DD).")]
SourceOpt = Annotated[list[str] | None, typer.Option(help="Only feedback from this source file (repeatable).")]
KindOpt = Annotated[list[str] | None, typer.Option(help="Only this kind: review, survey, transcript (repeatable).")]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class OnError(StrEnum):
    fail = "fail"
    skip = "skip"


def fail(message: str) -> None:
    from miner.report.inert import terminal_text

    # the message may quote a row or a file name: its control characters and escape codes are not printed
    typer.echo(f"Error: {terminal_text(message, keep_newlines=True)}", err=True)
    raise typer.Exit(2)


def main() -> None:
    """Run the whole `touchpoints` command. The composition root (`api.cli`) adds the HTTP API's commands to
    `app`; it is looked up by name, so the miner never imports the API and runs without it."""
    try:
        root = importlib.import_module("api.cli")
    except ModuleNotFoundError as err:
        if err.name not in ("api", "api.cli"):
            raise
        app()
        return
    root.main()
