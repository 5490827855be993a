"""Progress reporting that the CLI renders with rich and tests or the API can ignore or record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int], None]
LABEL_WIDTH = 22  # a stage's label, padded or cut to this, so the bars line up


class Label(str):
    """A stage's name ('Importing chats-2026-03-02.jsonl') with the form a terminal's bar shows (`short`). A log shows
    it whole: shortened there, four files' lines read 'Importing chats….jsonl' alike and grep found none of them."""

    short: str


def label(verb: str, name: str) -> Label:
    """'Importing NAME', whose `short` form fits LABEL_WIDTH characters: a long name is cut in its middle, keeping
    its extension ('Importing new_exp….csv'); cut at the end it read 'Importing new_export.c'."""
    whole = Label(f"{verb} {name}")
    room = LABEL_WIDTH - len(verb) - 1
    if len(name) > room:
        stem, dot, ext = name.rpartition(".")
        keep = room - len(ext) - 2  # the ellipsis and the dot
        name = f"{stem[:keep]}….{ext}" if dot and stem and keep >= 3 else name[: max(room - 1, 0)] + "…"
    whole.short = f"{verb} {name}"
    return whole


class Bytes(int):
    """A stage's total counted in bytes of a file read: its bar and its last line show a size ("2.6 kB read"), where
    a bare count read as rows ("Importing survey.csv 2,566 done" for a file of 30 answers)."""


def _ignore(n: int = 1) -> None:
    """The silent progress's advance."""


class Progress:
    """Silent by default; subclasses show or record stages."""

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        yield _ignore

    def note(self, message: str) -> None:
        pass


class RichProgress(Progress):
    """Progress bars on stderr for long steps."""

    def __init__(self) -> None:
        from miner.report.console import cli_console

        self.console = cli_console(stderr=True)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        import time

        from rich.filesize import decimal
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        if self.console.is_terminal:  # the bars line up; off a terminal the whole name, for grep
            name = getattr(name, "short", name)
        described = TextColumn(f"{{task.description:<{LABEL_WIDTH}}}", markup=False)  # a file's name: "[/dim]"
        counted = DownloadColumn() if isinstance(total, Bytes) else MofNCompleteColumn()
        columns = [described, BarColumn(), counted, TimeElapsedColumn()]
        started = time.perf_counter()
        # Transient: a stage that fails leaves no half-drawn bar above the one-sentence error. Off a terminal no bar
        # is drawn, and none leaves a blank line in a log.
        with Progress(*columns, console=self.console, transient=True, disable=not self.console.is_terminal) as bar:
            task = bar.add_task(name, total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            yield advance
        from rich.text import Text

        from miner.report.console import say
        from miner.report.inert import terminal_text

        if isinstance(total, Bytes):
            done = f"{decimal(total)} read "
        else:
            done = f"{total:,} done " if total is not None else "done "
        line = f"{name:<{LABEL_WIDTH}} {done}in {time.perf_counter() - started:.1f} s"
        say(self.console, Text(terminal_text(line), style="dim"))  # plain text: a file's name is no markup

    def note(self, message: str) -> None:
        """Plain text: a note quotes file names and rows, whose `[/dim]` is no markup and escape codes no command."""
        from rich.text import Text

        from miner.report.console import say
        from miner.report.inert import terminal_text

        say(self.console, Text(terminal_text(message, keep_newlines=True)))
