"""The rich Console the CLI prints with, on a terminal or not (cron, a pipe, a log file)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

TABLE_WIDTH = 140  # what a table or a panel is laid out in off a terminal, unless COLUMNS says otherwise


def cli_console(stderr: bool = False) -> Console:
    """On a terminal, rich's console as wide as it is. Off one, rich lays everything out in 80 columns: a table or a
    panel, which needs a width, gets COLUMNS or `TABLE_WIDTH` instead, and what `say` prints is never wrapped."""
    from rich.console import Console

    out = Console(stderr=stderr)
    if not out.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        out.width = TABLE_WIDTH
    return out


def say(out: Console, message: RenderableType) -> None:
    """`message` as whole lines: wrapped at a terminal's width, never off one, so that a log holds each note on one
    line for grep (under cron the per-file notes were cut at 80 columns)."""
    out.print(message, soft_wrap=not out.is_terminal)
