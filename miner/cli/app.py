"""The `touchpoints` Typer app, its shared options and the one-sentence error exit."""

from __future__ import annotations

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
keys_app = typer.Typer(help="Create, list and revoke API keys for the HTTP API's workspaces.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DbOpt = Annotated[Path, typer.Option("--db", help="SQLite database file (created if missing).")]
TaxonomyOpt = Annotated[
    Path | None, typer.Option("--taxonomy", help="Taxonomy YAML file (default: taxonomies/default.yaml).")
]


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
    app()
