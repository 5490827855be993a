"""The server's access log without PII: a query string can carry a dataset name or a file name that is an email
or a phone number (`?name=jane%40example.com`), so the path of each logged request is redacted first."""

from __future__ import annotations

import logging
from urllib.parse import unquote

from miner.segment.pii import pseudonymise


class RedactedAccessLog(logging.Filter):
    """uvicorn's access records carry (client, method, path, http version, status) as args; the path is redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], pseudonymise(unquote(args[2])), *args[3:])
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactedAccessLog) for f in access.filters):
        access.addFilter(RedactedAccessLog())
