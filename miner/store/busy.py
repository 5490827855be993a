"""One `touchpoints mine` at a time on a database. A second one started while the first worked mined the same
items, finished first, and the first then failed at its end ("run 6 finished while it ran", exit 2) though nothing
was lost: a cron alert for nothing. Now the second stops at its start, before reading anything, with `BUSY_EXIT`.

The claim is an exclusive flock on a file beside the database (`lock_path`), held while the command runs: the
kernel lets go of it when the process ends however it ends, so a crashed run never blocks the next one, which
marks it abandoned and goes on (miner/store/runs.py). A run the runs table shows 'running' in a live process
(`live_runs`: one started without the claim, by the API or an older version) refuses the same way."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from miner.errors import MinerError
from miner.store.documents import now
from miner.store.runs import live_runs

BUSY_EXIT = 75  # sysexits' EX_TEMPFAIL, "try again later": not the 2 of bad input, so a nightly job can tell them apart


class Busy(MinerError):
    """Another `touchpoints mine` works on the database; this one did nothing."""


def lock_path(db: Path) -> Path:
    """The file a mine holds its claim on: `feedback.db.mine-lock` beside `feedback.db`."""
    return db.with_name(db.name + ".mine-lock")


@contextmanager
def mining(path: Path, db: sqlite_utils.Database, what: str = "`touchpoints mine`") -> Iterator[None]:
    """Hold the claim on the database at `path` for the block, or raise `Busy` at once, naming who holds it (`what`:
    the command that stops; an erasure takes the claim too, so no mine reads while it erases)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the runs table alone tells
        fcntl = None  # type: ignore[assignment]
    fd = None
    if fcntl is not None:
        fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 300).decode("utf-8", "replace").strip()
            os.close(fd)
            raise Busy(_busy(path, f"another `touchpoints mine` ({holder or 'a running process'})", what)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()} on {socket.gethostname()}, started {now()}\n".encode())
    try:
        running = live_runs(db)
        if running:
            owner = db.execute("SELECT owner FROM runs WHERE id = ?", [running[-1]]).fetchone()[0] or "?"
            raise Busy(_busy(path, f"run {running[-1]}, being made by process {owner}", what))
        yield
    finally:
        if fd is not None:
            os.close(fd)  # lets go of the claim; the file stays (removing it would let two claim two files)


def _busy(path: Path, who: str, what: str) -> str:
    again = "mine the same files again" if "mine" in what else "run it again"
    return (
        f"{path}: {who} is working on this database, so this {what} stopped before reading anything. "
        f"Nothing is lost: {again} when that one has finished{' (they are stored once)' if 'mine' in what else ''}. "
        f"Exit {BUSY_EXIT}: try again later"
    )
