"""Counts of what a workspace holds: documents by source and kind, segments, runs, the latest run."""

from __future__ import annotations

import sqlite_utils

from api.db import dataset_count, job_counts
from api.queries.common import find_run, run_public, served_date
from api.stored_runs import unlisted_runs
from miner.store.filters import Filters
from miner.store.reads import document_totals, items_inside
from miner.store.unread import read_counts


def stats(db: sqlite_utils.Database, control: sqlite_utils.Database, workspace: str) -> dict:
    totals = document_totals(db)
    return {
        "documents": totals["documents"],
        "segments": totals["segments"],
        "datasets": dataset_count(control, workspace),
        "by_source": totals["by_source"],
        "by_kind": totals["by_kind"],
        "first_date": served_date(totals["first_date"])[0],
        "last_date": served_date(totals["last_date"])[0],
        "runs": run_counts(db, control, workspace),
        "latest_run": run_public(latest := find_run(db)),
        # of the latest run's items, those read and not: the models read English only
        **(read_counts(db, latest, Filters(), items_inside(db, latest, Filters())) if latest else {}),
    }


def run_counts(db: sqlite_utils.Database, control: sqlite_utils.Database, workspace: str) -> dict[str, int]:
    """Runs by status, as GET /v1/runs lists them: the API's jobs, and the completed runs `touchpoints mine` stored."""
    counts = job_counts(control, workspace)
    if cli := len(unlisted_runs(db, control, workspace)):
        counts["complete"] = counts.get("complete", 0) + cli
    return counts
