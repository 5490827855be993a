"""`touchpoints forget`: the right to erasure, from the command line."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from miner.cli.app import ReadDbOpt, app, fail
from miner.wording import counted

if TYPE_CHECKING:
    import sqlite_utils


@app.command()
def forget(
    db: ReadDbOpt = Path("touchpoints.db"),
    dataset: Annotated[
        str | None,
        typer.Option(
            help="Forget a mined file: its path or name as it was mined, or an API dataset id (ds_...). "
            "Your own copy of the file is not touched."
        ),
    ] = None,
    customer: Annotated[
        str | None,
        typer.Option(
            help="Forget every item naming this customer id or email (in its source id, text, title or other "
            "columns); '-' reads one value per line from stdin, keeping them out of your shell history. A later "
            "mine skips these items even in a file that still holds them."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the documents, segments and scores that would go; delete nothing.")
    ] = False,
) -> None:
    """Delete a dataset's or a customer's feedback and take it out of every run's counts and quotes.

    Its segments, results and cached vectors go too; top, report, export and the API then no longer show it."""
    from miner.store import open_db, open_to_read
    from miner.store.runs import live_runs

    if (dataset is None) == (customer is None):
        fail("give one of --dataset FILE or --customer VALUE")
    if not db.exists():
        fail(f"{db}: no such database (give the one you mined into with --db)")
    database = open_to_read(db) if dry_run else open_db(db)  # --dry-run only reads: a read-only copy will do
    if not dry_run and (running := live_runs(database)):
        # a run that finishes after the erasure would store what it read of the erased items (its counts did)
        fail(f"{db}: run {running[0]} is still being made by `touchpoints mine`; forget when it has finished (or "
             "stop it): an erasure now would leave the erased items in that run's counts")  # fmt: skip
    from miner.store.busy import BUSY_EXIT, Busy, mining

    try:
        with nullcontext() if dry_run else mining(db, database, "`touchpoints forget`"):
            _forget(database, db, dataset, customer, dry_run)
    except Busy as err:  # a mine importing has no run row yet: its claim on the database tells
        fail(str(err), BUSY_EXIT)


def _forget(database: sqlite_utils.Database, db: Path, dataset: str | None, customer: str | None,
            dry_run: bool) -> None:  # fmt: skip
    from miner.store.erasure import Erased, forget_customer, forget_files, would_forget
    from miner.store.erasure_lookup import (
        customer_matches,
        documents_of_customer,
        documents_of_paths,
        import_paths_matching,
        import_sources,
        scores_of_customer,
    )

    if dataset is not None:
        paths = import_paths_matching(database, dataset)
        if not paths:
            names = import_sources(database)
            shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            fail(f"{db}: no mined file matches --dataset; give one of: {shown or 'none (nothing is mined)'}")
        if dry_run:
            _print_dry(would_forget(database, documents_of_paths(database, paths)), counted(len(paths), "file"))
        else:
            _print(forget_files(database, paths), counted(len(paths), "file"))
        return
    values = [v.strip() for v in sys.stdin] if customer == "-" else [customer or ""]
    total, matched = Erased(), dict[str, int]()
    for value in filter(None, values):
        try:
            if dry_run:
                found = customer_matches(database, value)
                for where, ids in found.items():
                    matched[where] = matched.get(where, 0) + len(ids)
                erased = would_forget(database, documents_of_customer(database, value),
                                      scores_of_customer(database, value))  # fmt: skip
            else:
                erased = forget_customer(database, value)
        except ValueError as err:
            fail(f"--customer: {err}")
            return
        for key, n in erased.as_dict().items():
            setattr(total, key, getattr(total, key) + n)
    if dry_run:
        _print_dry(total, "customer")
        if matched:
            typer.echo("Found in: " + ", ".join(f"{where} ({counted(n, 'item')})" for where, n in matched.items()))
    else:
        _print(total, "customer")
    if not total.documents and not total.scores:
        typer.echo(
            "No stored item names it. An email or phone number inside feedback text is redacted on import and "
            "cannot be matched: give the customer's id, or the email as an id or column held it.",
            err=True,
        )


def _print(erased, what: str) -> None:  # noqa: ANN001 - miner.store.erasure.Erased, imported lazily
    typer.echo(
        f"Forgot {what}: {counted(erased.documents, 'document')}, {counted(erased.segments, 'segment')}, "
        f"{counted(erased.embeddings, 'cached vector')}; {counted(erased.runs, 'run')} recounted, "
        f"{counted(erased.pain_points, 'pain point')} left empty and removed"
        + (f"; {counted(erased.scores, 'survey score')} of respondents who wrote no comment." if erased.scores else ".")
    )


def _print_dry(erased, what: str) -> None:  # noqa: ANN001 - as _print
    typer.echo(
        f"Would forget {what}: {counted(erased.documents, 'document')}, {counted(erased.segments, 'segment')}"
        + (f", {counted(erased.scores, 'survey score')} of respondents who wrote no comment" if erased.scores else "")
        + ". Nothing was deleted; run again without --dry-run to forget them."
    )
