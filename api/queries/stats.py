"""Counts of what a workspace holds: documents by source and kind, segments, runs, the latest run."""

from __future__ import annotations

import sqlite_utils

from api.db import dataset_count, job_counts
from api.queries.common import find_run, run_public
from miner.store.reads import document_totals


def stats(db: sqlite_utils.Database, control: sqlite_utils.Database, workspace: str) -> dict:
    totals = document_totals(db)
    return {
        "documents": totals["documents"],
        "segments": totals["segments"],
        "datasets": dataset_count(control, workspace),
        "by_source": totals["by_source"],
        "by_kind": totals["by_kind"],
        "first_date": totals["first_date"],
        "last_date": totals["last_date"],
        "runs": job_counts(control, workspace),
        "latest_run": run_public(find_run(db)),
    }
