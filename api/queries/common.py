"""What the API's read routes share: the run to read (404s in the API's words), its public fields, touchpoint checks.

The queries themselves live in miner.store: `Filters` (one date rule), `find_run` (one run lookup), the counts."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from api.errors import ApiError
from miner.store.db import SQLITE_MAX_INT
from miner.store.filters import Filters
from miner.store.runs import find_run as store_find_run
from miner.store.runs import run_fit, run_taxonomy
from miner.touchpoints import Taxonomy
from miner.touchpoints.taxonomy import NONE

__all__ = ["Filters", "check_touchpoint", "find_run", "run_public", "run_taxonomy", "served_date", "with_dates"]

RUN_FIELDS = ("id", "finished_at", "embedding_model", "mapper", "taxonomy_name", "taxonomy_version",
              "taxonomy_fingerprint", "documents", "segments", "complaints")  # fmt: skip


def run_number(text: str) -> int | None:
    """A run's number as answers give it (`run.id`): ASCII digits (`'³'.isdigit()` is true and `int` refuses it)
    that fit an SQLite integer; None for anything else, which no stored run has ('9' * 30 was a 500)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number <= SQLITE_MAX_INT else None


def find_run(db: sqlite_utils.Database, run_id: int | None = None, taxonomy_version: str | None = None) -> dict | None:
    """miner.store's run lookup; a taxonomy version no completed run used is a 404 naming the field."""
    run = store_find_run(db, run_id, taxonomy_version=taxonomy_version)
    if run is None and run_id is None and taxonomy_version is not None:
        raise ApiError(404, "not_found", f"no completed run used taxonomy version '{taxonomy_version}'",
                       field="taxonomy_version")  # fmt: skip
    return run


def run_public(run: dict | None) -> dict | None:
    return {**{k: run[k] for k in RUN_FIELDS}, "fit": run_fit(run)} if run else None


def check_touchpoint(taxonomy: Taxonomy, touchpoint: str | None) -> None:
    """Touchpoint filters take a top-level id (or 'none'); anything else is a 400 naming the field."""
    if touchpoint is None or touchpoint == NONE or touchpoint in {t.id for t in taxonomy.touchpoints}:
        return
    if parent := next((t.id for t in taxonomy.touchpoints for c in t.walk() if c.id == touchpoint), None):
        raise ApiError(400, "unknown_touchpoint", f"'{touchpoint}' is a sub-touchpoint of '{parent}': the "
                       f"touchpoint filter takes top-level ones; use '{parent}' (GET /v1/touchpoints/{parent} counts "
                       "its sub-touchpoints)", field="touchpoint")  # fmt: skip
    known = ", ".join(t.id for t in taxonomy.touchpoints)
    raise ApiError(400, "unknown_touchpoint", f"unknown touchpoint '{touchpoint}': use one of {known}, or none",
                   field="touchpoint")  # fmt: skip


def served_date(stored: str | None) -> tuple[str | None, str | None]:
    """A stored date as the API serves it: (the item's local date and time as `YYYY-MM-DDTHH:MM:SS`, the UTC offset
    the source gave as `+HH:MM` or None). Items keep the time their source wrote (miner.ingest.dates), with an
    offset only where it had one; served as stored, `2026-03-31T23:30:00-05:00` sat beside `2026-03-31T00:00:00`
    and a client parsed one as an instant and the other as local time. The local part's first 10 characters are
    the day `since` and `until` filter on. A value that is no ISO date is served as stored."""
    if not stored:
        return stored, None
    try:
        at = datetime.fromisoformat(stored)
    except ValueError:
        return stored, None
    offset = at.utcoffset()
    if offset is None:
        return at.isoformat(timespec="seconds"), None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return at.replace(tzinfo=None).isoformat(
        timespec="seconds"
    ), f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def with_dates(row: dict) -> dict:
    """`row` with its `date` in the served form and the `utc_offset` beside it."""
    day, offset = served_date(row.get("date"))
    return {**row, "date": day, "utc_offset": offset}
