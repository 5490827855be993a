"""Progress reporting that the CLI renders with rich and tests or the API can ignore or record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int], None]


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
        from rich.console import Console

        self.console = Console(stderr=True)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Advance]:
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = [TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        started = time.perf_counter()
        # Transient: a stage that fails leaves no half-drawn bar above the one-sentence error.
        with Progress(*columns, console=self.console, transient=True) as bar:
            task = bar.add_task(name, total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            yield advance
        done = f"{total:,} " if total is not None else ""
        self.console.print(f"[dim]{name:<22} {done}done in {time.perf_counter() - started:.1f} s[/dim]")

    def note(self, message: str) -> None:
        """Plain text: a note quotes file names and rows, whose `[/dim]` is no markup and escape codes no command."""
        from rich.text import Text

        from miner.report.inert import terminal_text

        self.console.print(Text(terminal_text(message, keep_newlines=True)))
