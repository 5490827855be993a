"""The composition root of the `touchpoints` command: the miner's commands (miner.cli) plus the HTTP API's,
`serve` and `keys`. The console script and `python -m api` run `main` here; `python -m miner` finds this module by
name, so the miner package itself never imports the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from miner.cli import app
from miner.cli.app import fail, guarded

keys_app = typer.Typer(help="Create, list and revoke API keys for the HTTP API's workspaces.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
workspaces_app = typer.Typer(help="Bring data `touchpoints mine` wrote into an API workspace.", no_args_is_help=True)
app.add_typer(workspaces_app, name="workspaces")


@app.command()
def serve(
    db: Annotated[
        Path | None, typer.Option("--db", help="Main SQLite file (default: $TOUCHPOINTS_DB, else touchpoints.db).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    root_path: Annotated[
        str | None,
        typer.Option(
            "--root-path",
            help="Path prefix a reverse proxy serves it under, e.g. /touchpoints (default: $TOUCHPOINTS_ROOT_PATH).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (settings: TOUCHPOINTS_* environment variables or a .env file; --db wins over them)."""

    import uvicorn

    from api import owner
    from api.main import create_app
    from api.settings_check import SettingsError, load_settings, unknown_variables
    from miner.segment.segmenter import spacy_model_problem
    from miner.store.busy import BUSY_EXIT

    for warning in unknown_variables():
        typer.echo(warning, err=True)
    given = {name: value for name, value in (("db", db), ("root_path", root_path)) if value is not None}
    try:
        settings = load_settings(**given)
    except SettingsError as err:  # every bad setting at once, one line each, before anything listens
        for line in err.lines:
            typer.echo(f"Error: {line}", err=True)
        raise typer.Exit(2) from None
    if problem := spacy_model_problem(settings.spacy_model):  # now, not as each run fails (or names it, unread)
        fail(f"TOUCHPOINTS_SPACY_MODEL: {problem}")
    _keys_db(settings.db).close()  # refuse a database `touchpoints mine` wrote now, not at the first request
    try:
        owner.claim(settings.db)  # held until the process ends: a second server stops here, touching nothing
    except owner.ServerBusy as err:
        fail(str(err), BUSY_EXIT)
    _note_published_keys(settings.workspaces_dir)
    # Keep-alive of 75 s, not uvicorn's 5: a client (or proxy) reusing a connection the server has just closed
    # gets a reset; make reliability saw 2 in 2,000 reads under load with 5 s.
    # Forwarded headers only from the proxies the operator names: uvicorn's default believes any caller on
    # 127.0.0.1, so anyone on the host could pick the address the wrong-key limiter and the log see.
    proxies = settings.forwarded_allow_ips
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", timeout_keep_alive=75,
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies)  # fmt: skip


def _note_published_keys(workspaces_dir: Path) -> None:
    """One line for each workspace whose pseudonym tokens use the key published in the source (made before each
    database had its own, or imported from such a database); a workspace a newer version wrote stops the start."""
    import sqlite3

    import sqlite_utils

    from miner.errors import DatabaseError
    from miner.store.migrations import refuse_newer
    from miner.store.pii_key import published_key_note, uses_published_key

    for path in sorted(workspaces_dir.glob("*.db")) if workspaces_dir.is_dir() else []:
        db = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))  # only read
        try:
            refuse_newer(db, path)  # at start-up, not at the workspace's first request (500 KeyError)
            if uses_published_key(db):
                typer.echo(published_key_note(f"Workspace '{path.stem}' ({path})"), err=True)
        except DatabaseError as err:
            fail(str(err))
        except sqlite3.DatabaseError:
            pass  # not a database: the workspace's first request says so
        finally:
            db.close()


def _keys_db(db: Path | None):  # noqa: ANN202 - sqlite_utils.Database, imported lazily
    from api.db import MinedDatabase, open_control
    from api.settings import get_settings

    try:
        return open_control(db or get_settings().db)
    except MinedDatabase as err:
        fail(str(err))
        raise  # fail exits; this line is for type checkers


KeysDbOpt = Annotated[
    Path | None, typer.Option("--db", help="Main SQLite file (default: $TOUCHPOINTS_DB, else touchpoints.db).")
]


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str, typer.Option(help="Workspace the key belongs to (created if new).")],
    db: KeysDbOpt = None,
) -> None:
    """Create an API key for a workspace and print it (the only time it is shown; it is stored hashed)."""
    from api.db import workspace_names
    from api.keys import create_key

    control = _keys_db(db)
    existing = workspace_names(control)
    try:
        key = create_key(control, workspace)
    except ValueError as err:
        fail(str(err))
        return
    typer.echo(key)
    typer.echo(f"Key for workspace '{workspace}'. Store it now: it is not shown again.", err=True)
    if existing and workspace not in existing:  # a typo (cx-stors) made a new, empty workspace without a word
        typer.echo(f"Workspace '{workspace}' is new: the existing ones are {', '.join(existing)} (a mistyped name? "
                   "revoke the key with touchpoints keys revoke PREFIX)", err=True)  # fmt: skip


@keys_app.command("list")
def keys_list(
    workspace: Annotated[str | None, typer.Option(help="Only this workspace.")] = None, db: KeysDbOpt = None
) -> None:
    """List keys by their prefix (never the key itself)."""
    from api.keys import list_keys

    rows = list_keys(_keys_db(db), workspace)
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        typer.echo(f"{row['workspace']:<20} {row['prefix']}...  created {row['created_at']}  {state}")
    if not rows:
        where = f" for workspace '{workspace}'" if workspace else ""
        typer.echo(f"No keys{where} yet: create one with touchpoints keys create --workspace NAME", err=True)


@keys_app.command("revoke")
def keys_revoke(
    prefix: Annotated[str, typer.Argument(help="The key, or its prefix as `keys list` shows it.")], db: KeysDbOpt = None
) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    from api.keys import revoke_key

    if not revoke_key(_keys_db(db), prefix):
        fail(f"no active key starts with '{prefix[:10]}': see touchpoints keys list")
    typer.echo("Revoked.")


@workspaces_app.command("import")
def workspaces_import(
    source: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A database `touchpoints mine` wrote (its --db).")
    ],
    workspace: Annotated[str, typer.Option(help="The workspace to serve it as (new, or one holding no data yet).")],
    db: KeysDbOpt = None,
    allow_unredacted: Annotated[
        bool,
        typer.Option(
            "--allow-unredacted",
            help="Import a database mined with --no-redact: the API then serves its emails, phone numbers and "
            "names as they are.",
        ),
    ] = False,
) -> None:
    """Copy a database `touchpoints mine` wrote into a workspace of the API, to serve what the analysts mined (the
    source is only read; a later `touchpoints mine --db` on the workspace's file adds to it)."""
    import sqlite3

    import sqlite_utils

    from api.db import WORKSPACE_NAME, import_database, insert_workspace, mined_data
    from api.keys import now
    from api.settings import Settings, get_settings
    from miner.store.runs import unredacted_runs

    if not WORKSPACE_NAME.match(workspace):
        fail(f"--workspace {workspace!r}: use lowercase letters, digits, '-' and '_' (up to 63)")
    origin = sqlite_utils.Database(sqlite3.connect(f"file:{source}?mode=ro", uri=True))  # only read
    held = mined_data(origin)
    unredacted = unredacted_runs(origin) if held is not None else []
    origin.close()
    if held is None:
        fail(f"{source} holds no data `touchpoints mine` wrote: mine into it first, or name the database you mined")
    if unredacted and not allow_unredacted:
        runs = f"{'runs' if len(unredacted) > 1 else 'run'} {', '.join(map(str, unredacted))}"
        fail(
            f"{source} was mined without PII redaction ({runs}, --no-redact): the API would serve its emails, "
            "phone numbers and names. Mine the files again with redaction, or pass --allow-unredacted"
        )
    control = _keys_db(db)
    main_db = db or get_settings().db
    try:
        imported = import_database(source, Settings(db=main_db).workspaces_dir, workspace)
    except ValueError as err:
        fail(str(err))
        return
    imported.close()
    insert_workspace(control, workspace, now())
    typer.echo(f"Imported {source} ({held}) as workspace '{workspace}'.")
    typer.echo(f"Key: touchpoints keys create --workspace {workspace} --db {main_db}", err=True)


def main() -> None:
    guarded(app)
