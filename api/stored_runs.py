"""Runs a workspace's file holds that no job of this API made: `touchpoints mine --db <workspaces>/NAME.db` (or a
database brought in with `touchpoints workspaces import`). The read routes already read them (`run=`, the latest
run); these give them a RunPublic, and a place in GET /v1/runs and /v1/stats."""

from __future__ import annotations

import sqlite_utils

from api import db as control_db
from miner.pipeline.profiles import DEFAULT_PROFILE, PROFILES
from miner.store.runs import list_runs, run_encoder, run_fit, run_row, run_status
from miner.store.unread import run_read_counts

# A stored run's status in the API's words (RunStatus): results pruned are a complete run's; abandoned, a failed one.
STATUS = {"running": "running", "complete": "complete", "pruned": "complete", "failed": "failed", "abandoned": "failed"}
LISTED = ("complete", "pruned")
ABANDONED = "abandoned: the process that made it stopped before it finished"


def unlisted_runs(db: sqlite_utils.Database, control: sqlite_utils.Database, workspace: str) -> list[dict]:
    """The completed runs of the workspace's file that no job made, newest first (`list_runs` rows). Only completed
    ones: a job's run is linked to it when it completes, so a running or failed one may be a job's, listed already."""
    made = control_db.job_run_ids(control, workspace)
    return [r for r in list_runs(db) if r["status"] in LISTED and r["id"] not in made]


def stored_public(db: sqlite_utils.Database, run_id: int) -> dict | None:
    """A stored run as a RunPublic (its number is its id); None when the file holds no run `run_id`."""
    if run_status(db, run_id) is None:
        return None
    row = run_row(db, run_id)
    status = STATUS.get(row["status"], "failed")
    encoder = run_encoder(row)
    profile = next((p.name for p in PROFILES.values() if encoder and p.embedding_model == encoder), DEFAULT_PROFILE)
    return {
        "id": str(run_id),
        "dataset_id": None,
        "profile": profile,
        "status": status,
        "progress": 1.0 if status == "complete" else 0.0,
        "stage": None,
        "error": row.get("error") or (ABANDONED if row["status"] == "abandoned" else None),
        "taxonomy_version": row.get("taxonomy_version"),
        "run_number": run_id,
        "created_at": row["started_at"],
        "started_at": row["started_at"],
        "finished_at": row.get("finished_at"),
        "fit": run_fit(row) if status == "complete" else None,
        **((run_read_counts(db, run_id) or {}) if status == "complete" else {}),  # its items, read and not
    }
