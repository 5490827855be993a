"""The `touchpoints` Typer app, its shared options and the one-sentence error exit."""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Mine customer feedback for pain points and the touchpoints that cause them. English text only: feedback "
    "in other languages is stored and counted, not analysed (docs/guide/input.md, 'Languages: English only').",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
taxonomy_app = typer.Typer(help="Check and work on touchpoint taxonomies.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")
runs_app = typer.Typer(help="List a database's runs and prune the results of old ones.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _print_version(asked: bool) -> None:
    if asked:
        from miner.version import tool_version

        typer.echo(f"touchpoints {tool_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version (with the git commit where it runs from a checkout, as each run records it) and "
            "exit: what a bug report or a nightly job's log names.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """The options before any command."""


DEFAULT_DB_NAME = "touchpoints.db"
DbOpt = Annotated[Path, typer.Option("--db", help="SQLite database file (created if missing).")]
# Commands that only read (or erase from) a mined database refuse a missing file rather than create an empty one.
ReadDbOpt = Annotated[Path, typer.Option("--db", help="SQLite database file; it must exist (the one you mined into).")]
TAXONOMY_HELP = "Taxonomy YAML file, or default for the bundled one (taxonomies/default.yaml)."
TaxonomyOpt = Annotated[Path | None, typer.Option("--taxonomy", help=TAXONOMY_HELP + " Default: the bundled one.")]

# The document filters (miner.store.filters.Filters): both days inclusive, whole days.
SinceOpt = Annotated[
    str | None,
    typer.Option(help="Only feedback dated on or after this day (YYYY-MM-DD); undated feedback is left out."),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(help="Only feedback dated on or before this day (YYYY-MM-DD); undated feedback is left out."),
]
SourceOpt = Annotated[list[str] | None, typer.Option(help="Only feedback from this source file (repeatable).")]
KindOpt = Annotated[list[str] | None, typer.Option(help="Only this kind: review, survey, transcript (repeatable).")]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Only feedback whose kept column has this value: COLUMN=VALUE, e.g. Market=DE (a column of the file "
        "beside the text; repeatable: a column's values are alternatives, different columns all apply).",
    ),
]
# Which run a read reads (miner.store.runs.resolve_run, as the API's ?run=): after a refit, an older one is still there
RunOpt = Annotated[
    int | None,
    typer.Option(
        "--run",
        help="Read this run, an id from `touchpoints runs list` (default: the latest completed one).",
        show_default=False,
    ),
]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class OnError(StrEnum):
    fail = "fail"
    skip = "skip"


def fail(message: str, code: int = 2) -> None:
    from miner.report.inert import terminal_text

    # the message may quote a row or a file name: its control characters and escape codes are not printed
    typer.echo(f"Error: {terminal_text(message, keep_newlines=True)}", err=True)
    raise typer.Exit(code)


def kept_pairs(where: list[str] | None) -> list[tuple[str, str]]:
    """`--where COLUMN=VALUE` options as (column, value) pairs (`Filters.kept`); a malformed one is refused."""
    from miner.store.filters import parse_where

    pairs = []
    for text in where or ():
        try:
            pairs.append(parse_where(text))
        except ValueError as err:
            fail(f"--where {err}")
    return pairs


def check_count(name: str, value: int | None) -> None:
    """A count of 0 printed an empty table (mine --limit 0) or meant all items (eval --limit 0): refused as top's."""
    if value is not None and value < 1:
        fail(f"{name} {value}: give a count of 1 or more")


def check_out(path: Path, option: str) -> None:
    """Refuse, before any work, an output file that cannot be written: `mine --json-out` under a path whose "folder"
    is a file failed only once the run was committed, exit 2 on a night that had worked."""
    if path.is_dir():
        fail(f"{option} {path}: is a folder; name a file (nothing was read or mined)")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the first that exists: the missing ones are made on writing
    if not folder.is_dir():
        fail(f"{option} {path}: {folder} is a file, not a folder, so nothing can be written there; give another path "
             "(nothing was read or mined)")  # fmt: skip
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(f"{option} {path}: {path if path.exists() else folder} is not writable; give another path or fix its "
             "permissions (nothing was read or mined)")  # fmt: skip


def check_embedding_model(name: str) -> None:
    """Refuse an --embedding-model that is no registered name and no model folder before anything loads: the
    sentence-transformers fallback took 'nosuch' for a Hugging Face hub name and failed offline with a message
    about the internet connection."""
    if problem := embedding_model_problem(name):
        fail(f"--embedding-model {name}: {problem}")


def embedding_model_problem(name: str) -> str | None:
    """What is wrong with an embedding model name (no registered name, no model folder), else None; `serve` checks
    TOUCHPOINTS_EMBEDDING_MODEL with it too."""
    from miner.embed import registry
    from miner.embed.sentence_transformers import DEFAULT_MODEL

    head = name.partition(":")[0]
    if name in registry.names() or head in registry.names() or name == DEFAULT_MODEL or Path(name).is_dir():
        return None
    known = [n for n in registry.names() if not n.startswith("fake")]
    return f"no such model; use {', '.join(known)}, or the path of a folder holding a sentence-transformers model"


def discard_new_db(db: Path, database: Any) -> None:
    """Remove the database file a command created before it failed (its -wal, -shm and .mine-lock too): a failed
    first mine left an empty database behind, which later commands read as a mined one."""
    if database is not None:
        database.close()
    for suffix in ("", "-wal", "-shm", ".mine-lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised where SIGINT raises KeyboardInterrupt (`interruptible`)."""


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (a scheduler or `timeout` stopping a nightly job) handled as Ctrl-C is: raised in this process, so an
    open import rolls back and a started run is marked failed (miner/pipeline/analyze.py) instead of staying
    'running' until the next run calls it abandoned. Either signal then ends the command with one line on stderr
    and exit 143 (SIGTERM) or 130 (SIGINT), the shell's codes for them."""

    def on_term(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one does not cut short the clean-up
        raise Interrupted("SIGTERM")

    main_thread = threading.current_thread() is threading.main_thread()  # only it may set a handler
    previous = signal.signal(signal.SIGTERM, on_term) if main_thread else None
    try:
        yield
    except KeyboardInterrupt as err:
        name, code = ("SIGTERM", 143) if isinstance(err, Interrupted) else ("SIGINT", 130)
        typer.echo(f"Interrupted ({name}): a run it started is marked failed, an unfinished import rolled back; "
                   "run the command again to resume", err=True)  # fmt: skip
        raise typer.Exit(code) from None
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def main() -> None:
    """Run the whole `touchpoints` command. The composition root (`api.cli`) adds the HTTP API's commands to
    `app`; it is looked up by name, so the miner never imports the API and runs without it."""
    try:
        root = importlib.import_module("api.cli")
    except ModuleNotFoundError as err:
        if err.name not in ("api", "api.cli"):
            raise
        guarded(app)
        return
    root.main()


def guarded(run: Callable[[], object]) -> None:
    """Run the command; a failure of the disk or the database file, or a file that is not a database the command can
    use, exits 2 with one sentence, as bad input does; a reader that closed the pipe (`| head`) is no failure."""
    from miner.errors import DatabaseError

    try:
        try:
            run()
        finally:  # a command ends in SystemExit: stdout is flushed here, where a closed pipe is caught below
            sys.stdout.flush()
    except SystemExit as done:
        # click answers a closed pipe with exit 1 (`runs list --format csv | head -c 10`, most times); the reader
        # has what it wanted
        if isinstance(done.__context__, BrokenPipeError):
            _quiet_stdout()
            raise SystemExit(0) from None
        raise
    except DatabaseError as err:  # a file that is no database this command can use (`open_db`), from any command
        from miner.report.inert import terminal_text

        typer.echo(f"Error: {terminal_text(str(err), keep_newlines=True)}", err=True)
        raise SystemExit(2) from None
    except (sqlite3.DatabaseError, OSError) as err:
        if isinstance(err, BrokenPipeError):  # `touchpoints top | head`: the reader has what it wanted
            _quiet_stdout()
            # the command's own exit code where it had one (the pipe closed as it flushed), else 0
            context = err.__context__
            raise SystemExit(context.code if isinstance(context, SystemExit) else 0) from None
        typer.echo(f"Error: {operational_error(err, sys.argv[1:])}", err=True)
        if held(err):  # a try-again-later case, as a second mine's: a nightly job retries it instead of alerting
            from miner.store.busy import BUSY_EXIT

            raise SystemExit(BUSY_EXIT) from None
        raise SystemExit(2) from None


def _quiet_stdout() -> None:
    """stdout's unflushed rest goes nowhere instead of failing at exit."""
    with contextlib.suppress(Exception):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def held(err: BaseException) -> bool:
    """Whether SQLite gave up waiting for a lock another process held (its 30 s busy wait spent)."""
    text = str(err)
    waited = "locked" in text or "busy" in text
    return isinstance(err, sqlite3.DatabaseError) and waited and "disk is full" not in text


def operational_error(err: sqlite3.DatabaseError | OSError, argv: list[str]) -> str:
    """One sentence for a failure of the disk or the database file rather than of the input: what failed, on which
    file, and what to do (a traceback helps nobody running a nightly job)."""
    db = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--db"), None)
    db = db or next((a.split("=", 1)[1] for a in argv if a.startswith("--db=")), None) or str(DEFAULT_DB_NAME)
    text = str(err)
    if isinstance(err, OSError):
        where = f"{err.filename}: " if err.filename else ""
        if err.errno == errno.ENOSPC:
            return f"{where}no space left on the device: free some and run again"
        return f"{where}{err.strerror or text}"
    if "disk is full" in text:
        return (f"{db}: the disk is full: free some space and run again (what was committed stays; an "
                "interrupted mine resumes where it stopped)")  # fmt: skip
    if held(err):
        from miner.store.busy import BUSY_EXIT

        return (f"{db}: another process has held the database for over 30 s, so this command stopped: run it again "
                f"when that one has finished. Exit {BUSY_EXIT}: try again later")  # fmt: skip
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return f"{db}: cannot open or write the database ({text}): check the folder exists and is writable"
    if isinstance(err, sqlite3.OperationalError):
        return f"{db}: the database failed ({text})"
    return (f"{db}: not a touchpoint-miner database, or a damaged one ({text}): give another --db, or restore "
            "the file from a backup")  # fmt: skip
