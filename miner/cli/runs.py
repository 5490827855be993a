"""`touchpoints runs`: the runs a database holds, and pruning the results of old ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from miner.cli.app import Format, ReadDbOpt, fail, runs_app
from miner.wording import counted


def _database(db: Path, *, read: bool = False):  # noqa: ANN202 - a sqlite-utils Database, imported lazily
    """`read`: the command only reads it, so a read-only copy will do (`open_to_read`)."""
    from miner.store import open_db, open_to_read

    if not db.exists():
        fail(f"{db}: no such database (give the one you mined into with --db)")
    return open_to_read(db) if read else open_db(db)


@runs_app.command("list")
def list_(
    db: ReadDbOpt = Path("touchpoints.db"),
    limit: Annotated[int | None, typer.Option(min=1, help="Show only the newest N runs.")] = None,
    format: Annotated[Format, typer.Option(help="table, json or csv.")] = Format.table,
) -> None:
    """Every run, newest first, with its status, mode, start, analysis time, taxonomy version, counts and what it
    was made with.

    Status: complete, failed, abandoned (left running by a crash) or pruned; mode: full, or incremental on the run
    it extends; analysis: from the end of the import to the run's results (the import is not a run's); made with:
    the tool's version (with its git commit when run from a checkout), the encoders' precision (fp32 or bf16) and
    the complaint threshold its clauses were held to (the corpus's own, or that of the run it extends), as the run
    recorded them (json and csv: version, precision, complaint_threshold; blank for runs made before)."""
    import sys

    from miner.store.runs import RUN_LIST_COLUMNS, list_runs

    rows = list_runs(_database(db, read=True), limit)
    if format == Format.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if format == Format.csv:
        import csv

        from miner.report.exports import neutralise

        writer = csv.writer(sys.stdout)
        writer.writerow(RUN_LIST_COLUMNS)  # the same header with no run yet (it was "id" alone)
        writer.writerows([[neutralise(v) for v in r.values()] for r in rows])
        return
    from rich.table import Column, Table

    from miner.report.console import cli_console, say

    table = Table(
        "run", "status", "mode", "started (UTC)", "analysis", "taxonomy", "documents", "segments", "complaints",
        Column("made with", no_wrap=True),  # a version is copied whole
    )  # fmt: skip
    for r in rows:
        mode = r["mode"] or ""
        if mode == "incremental" and r["base_run_id"]:
            mode = f"incremental on {r['base_run_id']}"
        counts = [f"{r[k]:,}" if r[k] is not None else "" for k in ("documents", "segments", "complaints")]
        table.add_row(str(r["id"]), r["status"], mode, _time(r["started_at"]), _took(r), _taxonomy(r), *counts,
                      _made_with(r))  # fmt: skip
    if rows:
        cli_console().print(table)  # as `top`: a pipe gets whole columns
    else:
        say(cli_console(), "No runs yet: mine some feedback first (touchpoints mine FILE).")


def _made_with(run: dict) -> str:
    """The tool's version, then the encoders' precision and the complaint threshold ("bf16 · complaints ≥ 0.4412"):
    what a figure of the run is traced to. Blank where a run made before they were recorded has none."""
    threshold = run["complaint_threshold"]
    second = [run["precision"] or "", f"complaints ≥ {threshold:g}" if threshold is not None else ""]
    return "\n".join(p for p in (run["version"] or "", " · ".join(s for s in second if s)) if p)


def _taxonomy(run: dict) -> str:
    """'acme 3 · 9f2c1a': its name, version and the start of its fingerprint, which an edit under the same version
    changes (two runs read 'taxonomy 1' after a correction was added)."""
    parts = [run.get("taxonomy_name") or "", run.get("taxonomy_version") or ""]
    fingerprint = (run.get("taxonomy_fingerprint") or "")[:6]
    return " ".join(p for p in parts if p) + (f" · {fingerprint}" if fingerprint else "")


def _took(run: dict) -> str:
    from datetime import datetime

    if not run["started_at"] or not run["finished_at"]:
        return ""
    seconds = (datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])).total_seconds()
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _time(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


@runs_app.command()
def prune(
    keep: Annotated[
        int,
        typer.Option(min=1, help="Completed runs to keep, newest first; the results of every older completed run go."),
    ],
    db: ReadDbOpt = Path("touchpoints.db"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")] = False,
    vacuum: Annotated[
        bool,
        typer.Option(
            "--vacuum",
            help="Then VACUUM, so the file shrinks, also when nothing is left to prune (after an earlier prune); it "
            "rewrites the whole file: needs as much free disk again and locks the database meanwhile.",
        ),
    ] = False,
) -> None:
    """Delete the results of completed runs older than the newest KEEP, so a nightly database stops growing.

    Every run stores a full copy of its results (a nightly `--incremental` run copies the run it extends), so a
    database mined every night grows by one copy a night. The newest KEEP completed runs are kept whole; older
    completed runs keep their row (`runs list` shows them as pruned) and lose their segment results, assignments,
    pain points and changes. Documents, segments and cached vectors stay."""
    from miner.store.runs import prune_runs
    from miner.store.runs import vacuum as vacuum_file

    database = _database(db)
    try:
        pruned = prune_runs(database, keep, dry_run=dry_run)
    except ValueError as err:
        fail(f"--keep: {err}")
        return
    if not pruned.runs:
        typer.echo(f"Nothing to prune: {db} holds no completed run older than the newest {keep}.")
    else:
        shown = ", ".join(map(str, pruned.runs[:20])) + (
            f" and {len(pruned.runs) - 20} more" if len(pruned.runs) > 20 else ""
        )
        verb = "Would delete" if dry_run else "Deleted"
        tables = ", ".join(f"{t} {n:,}" for t, n in pruned.rows.items() if n)
        typer.echo(f"{verb} the results of {counted(len(pruned.runs), 'run')} ({shown}): "
                   f"{counted(pruned.total, 'row')} ({tables}).")  # fmt: skip
    if vacuum and not dry_run:  # also with nothing pruned now: the pages an earlier prune freed are given back
        before = db.stat().st_size
        vacuum_file(database)
        typer.echo(f"VACUUM: {before / 1e6:.1f} MB -> {db.stat().st_size / 1e6:.1f} MB.")
    elif not dry_run and pruned.runs:
        typer.echo("The file keeps its size until a VACUUM (--vacuum); SQLite reuses the freed pages meanwhile.")
