"""The `touchpoints` command. Heavy libraries import inside the commands, so --help answers at once."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from miner.errors import MinerError

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
    Path | None, typer.Option("--taxonomy", help="Taxonomy YAML file [default: taxonomies/default.yaml].")
]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class OnError(StrEnum):
    fail = "fail"
    skip = "skip"


def fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def mine(
    paths: Annotated[
        list[Path], typer.Argument(help="Feedback files or folders (CSV, TSV, XLSX, Parquet, JSON, JSONL, TXT).")
    ],
    db: DbOpt = Path("touchpoints.db"),
    taxonomy: TaxonomyOpt = None,
    text_col: Annotated[str | None, typer.Option(help="Column holding the feedback text.")] = None,
    title_col: Annotated[str | None, typer.Option(help="Column holding a review title, mined with the text.")] = None,
    rating_col: Annotated[str | None, typer.Option(help="Column holding a star rating, CSAT or NPS score.")] = None,
    date_col: Annotated[str | None, typer.Option(help="Column holding the date.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column holding the source's own id (for de-duplication).")] = None,
    kind: Annotated[str | None, typer.Option(help="review, survey or transcript [default: detected].")] = None,
    on_error: Annotated[
        OnError, typer.Option(help="fail: stop at the first bad row; skip: leave bad rows out.")
    ] = OnError.fail,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact/--no-redact", help="Redact names, emails, phones, cards, IBANs, addresses before storing."
        ),
    ] = True,
    embedding_model: Annotated[
        str,
        typer.Option(
            help="'minilm' (packaged all-MiniLM-L6-v2), 'fast' (model2vec distilled from it) "
            "or a sentence-transformers path."
        ),
    ] = "minilm",
    spacy_model: Annotated[str, typer.Option(help="spaCy pipeline name or path.")] = "en_core_web_sm",
    mapper: Annotated[str, typer.Option(help="Touchpoint mapper: examples or centroid.")] = "examples",
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental/--refit",
            help="--incremental: mine only new documents against the last run's pain points (no refit, ids kept); "
            "--refit (default): re-cluster everything, keeping the ids of pain points that did not change.",
        ),
    ] = False,
    engine: Annotated[
        str, typer.Option(help="local (this process) or ray (Ray Data; see docs/performance.md).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="With --engine ray: the cluster (ray://HEAD:10001 or auto) [default: local Ray].")
    ] = None,
    json_out: Annotated[Path | None, typer.Option(help="Also write the top pain points as JSON to this file.")] = None,
    limit: Annotated[int, typer.Option(help="Touchpoints to print at the end.")] = 5,
) -> None:
    """Import feedback files into the database and mine them for pain points by touchpoint."""
    from miner.embed import get_embedder
    from miner.ingest import ColumnMap
    from miner.pipeline import MineOptions
    from miner.pipeline import mine as run_mine
    from miner.progress import RichProgress
    from miner.report import top_pain_points
    from miner.report.render import print_table
    from miner.segment import Segmenter
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy

    try:
        options = MineOptions(
            taxonomy=load_taxonomy(taxonomy),
            embedder=get_embedder(embedding_model),
            segmenter=Segmenter(spacy_model),
            mapper=mapper,
            columns=ColumnMap(text=text_col, title=title_col, rating=rating_col, date=date_col, id=id_col, kind=kind),
            on_error=on_error.value,
            redact_pii=redact,
            incremental=incremental,
        )
        progress = RichProgress()
        database = open_db(db)
        if engine == "ray":
            from miner.engines.ray import mine_ray

            imports, run_id = mine_ray(
                database, paths, options, progress, embedding_model=embedding_model, address=address
            )
        elif engine == "local":
            imports, run_id = run_mine(database, paths, options, progress)
        else:
            fail(f"--engine {engine}: use local or ray")
            return
        for imp in imports:
            progress.note(f"{imp.path}: {imp.rows} rows, {imp.added} new")
        _note_changes(database, run_id, progress)
        result = top_pain_points(database, limit=limit, run_id=run_id)
    except MinerError as err:
        fail(str(err))
        return
    if json_out:
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(result)


def _note_changes(database, run_id: int, progress) -> None:  # noqa: ANN001 - lazily imported types
    """After a refit, say whether the pain points changed and map old ids to new ones."""
    from miner.store.painpoints import changes_of

    run = database["runs"].get(run_id)
    if run.get("mode") == "incremental":
        progress.note(f"Incremental run {run_id} on run {run['base_run_id']}: pain points kept, no refit.")
        return
    changes = [c for c in changes_of(database, run_id) if c["change"] != "kept"]
    if not run.get("base_run_id"):
        return
    if not changes:
        progress.note(f"Refit: the pain points of run {run['base_run_id']} are unchanged (same ids).")
        return
    progress.note(f"Refit: pain points changed since run {run['base_run_id']}:")
    for c in changes:
        progress.note(f"  {c['change']:<8} {c['old_id'] or '':<22} -> {c['new_id'] or '(gone)'}")


@app.command()
def top(
    db: DbOpt = Path("touchpoints.db"),
    touchpoint: Annotated[str | None, typer.Option(help="Only this touchpoint id (or 'none').")] = None,
    limit: Annotated[int, typer.Option(help="How many touchpoints.")] = 10,
    pain_points: Annotated[int, typer.Option(help="Pain points per touchpoint.")] = 5,
    format: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Show the top pain points by touchpoint from the latest run."""
    import miner.store  # noqa: F401 - first, so sqlite-utils loads without pandas (start-up under 1 s)
    from miner.report import top_pain_points
    from miner.report.render import print_table, to_csv
    from miner.store import open_db

    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    try:
        result = top_pain_points(open_db(db), touchpoint=touchpoint, limit=limit, pain_points=pain_points)
    except MinerError as err:
        fail(str(err))
        return
    if format is Format.json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif format is Format.csv:
        sys.stdout.write(to_csv(result))
    else:
        print_table(result)


SinceOpt = Annotated[str | None, typer.Option(help="Only feedback dated on or after this day (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option(help="Only feedback dated on or before this day (YYYY-MM-DD).")]
SourceOpt = Annotated[list[str] | None, typer.Option(help="Only feedback from this source file (repeatable).")]
KindOpt = Annotated[list[str] | None, typer.Option(help="Only this kind: review, survey, transcript (repeatable).")]


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
    from miner.store import open_db

    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    return open_db(db)


@app.command()
def report(
    db: DbOpt = Path("touchpoints.db"),
    out: Annotated[Path, typer.Option("--out", help="HTML file to write (self-contained, opens offline).")] = Path(
        "report.html"
    ),
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    kind: KindOpt = None,
    period: Annotated[Period, typer.Option(help="Trend periods: week, month, or auto (by the data's span).")] = (
        Period.auto
    ),
) -> None:
    """Write the analyst's HTML report: journey, touchpoints, trends, rating impact, quotes, data quality."""
    from miner.report.html import write_report
    from miner.report.queries import ReportFilter

    database = _existing_db(db)
    try:
        filters = ReportFilter(since=since, until=until, source=source or [], kind=kind or [])
        path = write_report(database, out, filters, granularity=period.value)
    except MinerError as err:
        fail(str(err))
        return
    typer.echo(f"Report: {path} ({path.stat().st_size / 1e6:.1f} MB, opens offline)")


@app.command()
def export(
    db: DbOpt = Path("touchpoints.db"),
    format: Annotated[ExportFormat, typer.Option("--format", help="xlsx (both tables), parquet or csv.")] = (
        ExportFormat.xlsx
    ),
    out: Annotated[Path, typer.Option("--out", help="File to write.")] = Path("touchpoints.xlsx"),
    table: Annotated[
        ExportTable, typer.Option(help="For csv and parquet: pain_points or assignments.")
    ] = ExportTable.pain_points,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    kind: KindOpt = None,
) -> None:
    """Export pain points and assignments of the latest run for BI tools (spreadsheet formulas neutralised)."""
    from miner.report.exports import export as run_export
    from miner.report.queries import ReportFilter

    database = _existing_db(db)
    try:
        filters = ReportFilter(since=since, until=until, source=source or [], kind=kind or [])
        path = run_export(database, out, format.value, table=table.value, filters=filters)
    except MinerError as err:
        fail(str(err))
        return
    typer.echo(f"Exported: {path}")


@app.command("eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled JSONL: id, text, complaint, gold (see docs/quality.md).")],
    predictions: Annotated[Path | None, typer.Option(help="Write one prediction per item to this JSONL file.")] = None,
    taxonomy: TaxonomyOpt = None,
    mapper: Annotated[
        str, typer.Option(help="Touchpoint mapper: examples or centroid (the naive anchor).")
    ] = "examples",
    segment: Annotated[bool, typer.Option("--segment/--no-segment", help="Split texts into clauses first.")] = True,
    embedding_model: Annotated[str, typer.Option(help="'minilm' or a sentence-transformers path.")] = "minilm",
    cache: Annotated[
        Path | None, typer.Option(help="Embedding cache file [default: ~/.cache/touchpoint-miner].")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N items.")] = None,
    json_out: Annotated[Path | None, typer.Option(help="Write the scores as JSON to this file.")] = None,
) -> None:
    """Score touchpoint accuracy@1, macro-F1 and complaint F1 on a labelled JSONL file."""
    from miner.eval.run import run_eval

    try:
        scores = run_eval(
            file,
            predictions_out=predictions,
            taxonomy_path=taxonomy,
            mapper=mapper,
            segment=segment,
            embedding_model=embedding_model,
            cache=cache,
            limit=limit,
        )
    except MinerError as err:
        fail(str(err))
        return
    from miner.eval.run import print_scores

    print_scores(file.name, scores)
    if json_out:
        json_out.write_text(json.dumps(scores.__dict__, indent=2) + "\n", encoding="utf-8")


@taxonomy_app.command("check")
def taxonomy_check(
    file: Annotated[Path, typer.Argument(help="Taxonomy YAML file.")],
    overlap: Annotated[float, typer.Option(help="Warn when examples of two touchpoints are this similar.")] = 0.85,
    embedding_model: Annotated[str, typer.Option(help="'minilm' or a sentence-transformers path.")] = "minilm",
) -> None:
    """Validate a taxonomy file, summarise it, and warn about touchpoints whose examples overlap."""
    from miner.embed import get_embedder
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.check import overlapping_examples

    try:
        tax = load_taxonomy(file)
        overlaps = overlapping_examples(tax, get_embedder(embedding_model).embed, overlap)
    except MinerError as err:
        fail(str(err))
        return
    for top in tax.touchpoints:
        subs = len(list(top.walk())) - 1
        typer.echo(f"{top.id:<18} {top.stage:<14} {len(top.all_examples()):>4} examples  {subs} sub-touchpoints")
    for o in overlaps:
        typer.echo(
            f"warning: {o.touchpoint}: “{o.example}” overlaps {o.nearest_touchpoint}: “{o.nearest}” ({o.similarity})"
        )
    typer.echo(f"OK: {file} ({tax.name} {tax.version}, {len(tax.touchpoints)} touchpoints, {len(overlaps)} overlaps)")


@taxonomy_app.command("suggest")
def taxonomy_suggest(
    db: DbOpt = Path("touchpoints.db"),
    min_size: Annotated[int, typer.Option(help="Smallest cluster worth a touchpoint.")] = 3,
    format: Annotated[str, typer.Option("--format", help="yaml (ready to paste) or json.")] = "yaml",
    embedding_model: Annotated[str, typer.Option(help="'minilm' or a sentence-transformers path.")] = "minilm",
) -> None:
    """Cluster complaints that fit no touchpoint and propose new touchpoints, with sizes and quotes."""
    from miner.embed import EmbeddingCache, get_embedder
    from miner.store import open_db
    from miner.touchpoints.suggest import as_yaml, suggest_touchpoints, to_json

    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    database = open_db(db)
    suggestions = suggest_touchpoints(database, EmbeddingCache(get_embedder(embedding_model), database),
                                      min_size=min_size)  # fmt: skip
    if format == "json":
        typer.echo(to_json(suggestions))
        return
    if not suggestions:
        typer.echo("# No cluster of unmapped complaints is large enough to suggest a touchpoint.")
        return
    for s in suggestions:
        typer.echo(f"# {s['name']}: {s['size']} complaints, e.g. “{s['quotes'][0]}”")
    typer.echo(as_yaml(suggestions))


@app.command()
def serve(
    db: Annotated[
        Path | None, typer.Option("--db", help="Main SQLite file (default: $TOUCHPOINTS_DB, else touchpoints.db).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API (settings: TOUCHPOINTS_* environment variables or a .env file)."""
    import os

    import uvicorn

    from api.settings import get_settings

    if db is not None:
        os.environ["TOUCHPOINTS_DB"] = str(db)
    get_settings.cache_clear()
    # Keep-alive of 75 s, not uvicorn's 5: a client (or proxy) reusing a connection the server has just closed
    # gets a reset; make reliability saw 2 in 2,000 reads under load with 5 s.
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, log_level="info", timeout_keep_alive=75)


def _keys_db(db: Path | None):  # noqa: ANN202 - sqlite_utils.Database, imported lazily
    from api.db import open_control
    from api.settings import get_settings

    return open_control(db or get_settings().db)


KeysDbOpt = Annotated[
    Path | None, typer.Option("--db", help="Main SQLite file (default: $TOUCHPOINTS_DB, else touchpoints.db).")
]


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str, typer.Option(help="Workspace the key belongs to (created if new).")],
    db: KeysDbOpt = None,
) -> None:
    """Create an API key for a workspace and print it (the only time it is shown; it is stored hashed)."""
    from api.keys import create_key

    try:
        key = create_key(_keys_db(db), workspace)
    except ValueError as err:
        fail(str(err))
        return
    typer.echo(key)
    typer.echo(f"Key for workspace '{workspace}'. Store it now: it is not shown again.", err=True)


@keys_app.command("list")
def keys_list(
    workspace: Annotated[str | None, typer.Option(help="Only this workspace.")] = None, db: KeysDbOpt = None
) -> None:
    """List keys by their prefix (never the key itself)."""
    from api.keys import list_keys

    for row in list_keys(_keys_db(db), workspace):
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        typer.echo(f"{row['workspace']:<20} {row['prefix']}...  created {row['created_at']}  {state}")


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key, or its prefix as `keys list` shows it.")], db: KeysDbOpt = None
) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    from api.keys import revoke_key

    if not revoke_key(_keys_db(db), prefix):
        fail(f"no active key starts with '{prefix[:10]}': see touchpoints keys list")
    typer.echo("Revoked.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
