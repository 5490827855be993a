"""The `touchpoints` command. Heavy libraries import inside the commands, so --help answers at once.

One module per group of commands; importing them registers their commands on `app`.
"""

from miner.cli import erasure, mining, reports, runs, setup, taxonomy  # noqa: F401 - registers the commands
from miner.cli.app import app, main

__all__ = ["app", "main"]
