"""What the API's read routes share: the run to read (404s in the API's words), its public fields, touchpoint checks.

The queries themselves live in miner.store: `Filters` (one date rule), `find_run` (one run lookup), the counts."""

from __future__ import annotations

import sqlite_utils

from api.errors import ApiError
from miner.store.filters import Filters
from miner.store.runs import find_run as store_find_run
from miner.store.runs import run_fit, run_taxonomy
from miner.touchpoints import Taxonomy
from miner.touchpoints.taxonomy import NONE

__all__ = ["Filters", "check_touchpoint", "find_run", "run_public", "run_taxonomy"]

RUN_FIELDS = ("id", "finished_at", "embedding_model", "mapper", "taxonomy_name", "taxonomy_version",
              "taxonomy_fingerprint", "documents", "segments", "complaints")  # fmt: skip


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
    known = ", ".join(t.id for t in taxonomy.touchpoints)
    raise ApiError(400, "unknown_touchpoint", f"unknown touchpoint '{touchpoint}': use one of {known}, or none",
                   field="touchpoint")  # fmt: skip
