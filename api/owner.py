"""One server per main database. A second `touchpoints serve` on the same file marked the first one's live runs
failed at its start-up (it took every queued or running job for one a dead server had left), even though it then
stopped on "address already in use", and accepted runs of its own beside the first's.

The claim is an exclusive flock on `main.db.serve-lock`, as `touchpoints mine` claims its database
(miner/store/busy.py): held for the life of the process, let go by the kernel however the process ends. So the
server that holds it owns every job of the database, and the jobs it finds active at its start were left by a
server that has gone: it may mark them failed."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from miner.errors import MinerError
from miner.store.documents import now

_held: dict[str, int] = {}  # resolved path of the main database -> the descriptor holding its claim
_lock = threading.Lock()


class ServerBusy(MinerError):
    """Another live server holds the main database; this one must not start."""


def lock_path(db: Path) -> Path:
    """The file a server holds its claim on: `main.db.serve-lock` beside `main.db`."""
    return db.with_name(db.name + ".serve-lock")


def claim(db: Path) -> None:
    """Take this process's claim on the main database `db`, or raise `ServerBusy` naming the process that holds it.
    Taken once per process (the CLI takes it before the app's start-up, which takes it again)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock (Windows): one server per database is the operator's to keep
        return
    key = str(db.resolve())
    with _lock:
        if key in _held:
            return
        path = lock_path(db)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 300).decode("utf-8", "replace").strip() or "a running process"
            os.close(fd)
            raise ServerBusy(
                f"{db}: another `touchpoints serve` ({holder}) serves this database, and only one server may: it "
                "owns the runs in progress. Stop that one first, or give this one another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()} on {socket.gethostname()}, started {now()}\n".encode())
        _held[key] = fd


def release(db: Path) -> None:
    """Let go of this process's claim (the app's shutdown; the process's end does it anyway)."""
    with _lock:
        fd = _held.pop(str(db.resolve()), None)
    if fd is not None:
        os.close(fd)  # the file stays: removing it would let two servers claim two files
