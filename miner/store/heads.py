"""A run's corpus head as stored (`corpus_heads`), or why it stayed unfitted (the run's `corpus_head.skipped`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import sqlite_utils

from miner.store.runs import run_row

if TYPE_CHECKING:
    from miner.touchpoints.corpus import CorpusHead


def save_head(db: sqlite_utils.Database, run_id: int, row: dict | None) -> None:
    """Store a run's fitted corpus head (a row from `CorpusHead.to_row`); None stores nothing."""
    if row is not None:
        db.table("corpus_heads").insert({"run_id": run_id, **row})


def record_head(db: sqlite_utils.Database, run_id: int, head: CorpusHead | None, ids: list[str]) -> None:
    """A full run's corpus head: stored when fitted (`save_head`), else why not in the run's params
    (`corpus_head.skipped`, `CorpusHead.skipped_`), which the report then gives: it said "not used" beside mine's
    "Fitting the corpus head" and params that listed the head, with no word of which was so."""
    if head is None:
        return
    if head.fitted:
        save_head(db, run_id, head.to_row(ids))
        return
    _skipped_head(db, run_id, head.skipped_)


def carry_head(db: sqlite_utils.Database, run_id: int, base_run: int) -> None:
    """An incremental run maps with its base run's corpus head: a copy of it, or where the base had none, why not."""
    if row := head_row(db, base_run):
        save_head(db, run_id, {k: v for k, v in row.items() if k != "run_id"})
        return
    _skipped_head(
        db, run_id, (json.loads(run_row(db, base_run)["params"] or "{}").get("corpus_head") or {}).get("skipped")
    )


def _skipped_head(db: sqlite_utils.Database, run_id: int, skipped: dict | None) -> None:
    """Why the run's corpus head stayed unfitted, in its params' `corpus_head.skipped` (a run without one, mapped
    by another mapper, has nothing to say)."""
    params = json.loads(run_row(db, run_id)["params"] or "{}")
    if skipped and params.get("corpus_head") is not None:
        params["corpus_head"]["skipped"] = skipped
        db.table("runs").update(run_id, {"params": json.dumps(params, sort_keys=True)})


def head_row(db: sqlite_utils.Database, run_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM corpus_heads WHERE run_id = ?", [run_id]))
    return rows[0] if rows else None
