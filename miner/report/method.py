"""How a run read the feedback beyond its model and taxonomy, as the report's Data quality gives it: the complaint
encoder, and whether a corpus head reordered the touchpoints (and if not, why not)."""

from __future__ import annotations

import json

import sqlite_utils

from miner.store.heads import head_row
from miner.touchpoints.corpus import skip_reason


def method(db: sqlite_utils.Database, run: dict) -> dict:
    """The complaint encoder; how many clearly mapped complaints (and analyst's corrections) the run's corpus head
    learned from (None: no head, the touchpoints came from the taxonomy alone); and `corpus_head_skipped`, where the
    run's mapper fits a head and it stayed unfitted, why (`skip_reason`): `mine` prints "Fitting the corpus head"
    and the run's params list one whether or not it was fitted, and the report said only "not used"."""
    params = json.loads(run.get("params") or "{}")
    head = head_row(db, run["id"])
    settings = params.get("corpus_head")
    return {
        "complaint_model": params.get("complaint_model"),
        "corpus_head": head["labels"] if head else None,
        "corrections": (settings or {}).get("corrections", 0),  # they teach the labelled head, fitted or not
        "corpus_head_skipped": skip_reason(settings.get("skipped")) if settings is not None and not head else None,
    }
