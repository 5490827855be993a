"""A full disk, said as such. It reached clients as 500 "unexpected error (OSError)", and a run's worker died trying
to record its failure, leaving the run 'running' for good: here is how the API tells a full disk from other
failures (507 Insufficient Storage, a message saying what to do) and how readiness measures the room left."""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

DISK_FULL = (
    "the disk holding the server's databases and uploads is full: free space on it (or move TOUCHPOINTS_DB to a "
    "larger disk), then send the request again"
)
log = logging.getLogger("touchpoints.api")
RUN_DISK_FULL = (
    "the run stopped: the disk holding the server's databases and uploads is full. Free space on it (or move "
    "TOUCHPOINTS_DB to a larger disk), then start the run again"
)
MIN_FREE_BYTES = 64 * 1024 * 1024  # below this, readiness says the disk is (nearly) full: a run's import needs room


def is_disk_full(err: BaseException) -> bool:
    """Whether `err` is a write refused for want of space: SQLite's SQLITE_FULL or the kernel's ENOSPC/EDQUOT."""
    if isinstance(err, sqlite3.OperationalError):
        return "database or disk is full" in str(err)
    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)


def free_bytes(path: Path) -> int:
    """Room left on the file system holding `path` (the nearest folder that exists)."""
    folder = path if path.is_dir() else path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free


def install(app: FastAPI) -> None:
    """Answer 507 for a write the disk refused; any other such error stays the 500 it was."""

    async def _storage(request: Request, err: Exception) -> JSONResponse:
        if is_disk_full(err):
            return JSONResponse({"code": "insufficient_storage", "message": DISK_FULL, "field": None}, 507)
        log.error("%s %s failed", request.method, request.url.path, exc_info=err)
        message = f"unexpected error ({type(err).__name__}); see the server log"
        return JSONResponse({"code": "internal_error", "message": message, "field": None}, 500)

    app.add_exception_handler(OSError, _storage)
    app.add_exception_handler(sqlite3.OperationalError, _storage)
