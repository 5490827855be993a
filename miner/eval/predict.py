"""Predictions for evaluation items: what `mine` stores for them, read back.

The items are mined with the pipeline (the same `Pipeline` as `touchpoints mine`: redaction, segmentation,
complaint detection, mapping in the item's context, corpus head, pain points) into a temporary database, and each
item's prediction is read from the run's stored clauses (`segment_results` and `assignments`):

- complaint: the item has at least one clause the run stored as a complaint;
- touchpoint (the top one, which accuracy@1 and macro-F1 score): the rank-0 touchpoint of the item's complaint
  clause with the highest rank-0 score, the first such clause on a tie; `none` when the item's complaint clauses
  were all mapped to none (the mapper abstained). An item with no complaint clause takes the touchpoint `mine`
  stored for its lead clause, its most complaint-like one (miner/pipeline/leads.py): accuracy@1 scores
  the mapping of every gold complaint, complaint F1 the detector, and a detector's miss is not counted twice;
- detected_touchpoint: the same, but `none` for an item with no complaint clause (the end-to-end reading: what the
  item adds to a run's complaint counts);
- touchpoints: the top one, then every other touchpoint the item's complaint clauses were assigned, best first;
- clauses (only when asked, for clause-level scoring, miner/eval/clauses.py): each stored clause's text as the
  run stored it, whether it is a complaint, and its (touchpoint, score) assignments, best first.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from miner.defaults import cache_root
from miner.ingest import ColumnMap
from miner.progress import Progress
from miner.store.segments import item_clauses
from miner.touchpoints.taxonomy import NONE


def eval_cache() -> Path:
    """The evaluations' embedding cache: $TOUCHPOINTS_EVAL_CACHE, else eval-embeddings.db beside the built models.
    A text's cached vector is the one first read, and in bfloat16 a vector depends a little on the batch it was read
    in: figures read through a cache other evaluations filled can differ in the third decimal from a fresh one's
    (one health complaint of 110 on 2026-12-06), so `make eval` gives each run a cache of its own."""
    return Path(os.environ.get("TOUCHPOINTS_EVAL_CACHE") or cache_root() / "eval-embeddings.db")


RULE = (
    "An item's touchpoint is the rank-0 touchpoint of its complaint clause with the highest rank-0 score, as "
    "`mine` stored them (none when the mapper abstained on all of them); an item with no complaint clause takes "
    "the touchpoint `mine` stored for its most complaint-like clause."
)


PASSED = ("rating", "date", "title")  # what a labelled item may carry besides its text, read as `mine` reads it


class _AsLabelled(Progress):
    """What mining the temporary copy says, said of the labelled file: `touchpoints eval` printed 'items.jsonl:' and
    '/tmp/touchpoints-eval-.../items.jsonl, line 3' for the user's file. The columns note is left out: eval wrote
    those columns itself, and its hints name `mine`'s --rating-col and --date-col."""

    def __init__(self, inner: Progress, copy: Path) -> None:
        self.inner, self.copy = inner, copy

    def stage(self, name: str, total: int | None = None):  # noqa: ANN201 - Progress.stage's context manager
        return self.inner.stage(name.replace(str(self.copy), self.copy.name), total)

    def note(self, message: str) -> None:
        if not message.startswith(f"{self.copy.name}: columns: "):
            self.inner.note(message.replace(str(self.copy), self.copy.name))


def predict_items(
    items: list[dict],
    pipeline_for: Callable[[sqlite_utils.Database], object],
    progress: Progress | None = None,
    name: str = "items.jsonl",
    clauses: bool = False,
) -> list[dict]:
    """One prediction per item ({"id", "touchpoint", "touchpoints", "complaint", "score", "lead",
    "complaint_score"}, and "clauses" with `clauses`): the items mined by `pipeline_for(db)` into a temporary
    database, read back by `predictions_of_run`. `name`: the labelled file's, which the notes name; each item stays
    on its `_line` there (`load_items`) where the lines run in order, so a note's line is the file's."""
    from miner.store import open_db

    with tempfile.TemporaryDirectory(prefix="touchpoints-eval-") as tmp:
        source = Path(tmp) / "items" / Path(name).name
        source.parent.mkdir()
        progress = _AsLabelled(progress or Progress(), source)
        lines = [n for n in (item.get("_line") for item in items) if isinstance(n, int)]
        in_order = len(lines) == len(items) and all(a < b for a, b in zip(lines, lines[1:], strict=False))
        # a rating, date and title are read as `mine` reads them (a rating moves complaint scores): the same items
        # with ratings scored 0.667 here and 0.716 mined
        kept = [k for k in PASSED if any(it.get(k) not in (None, "") for it in items)]
        with source.open("w", encoding="utf-8") as fh:
            at = 0
            for row, item in enumerate(items):  # the row number as the id: a set's own ids need not survive import
                line = {"id": str(row), "text": str(item["text"]), **{k: item.get(k) for k in kept}}
                fh.write("\n" * (item["_line"] - at - 1 if in_order else 0))  # blank lines, read as none
                fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
                at = item["_line"] if in_order else at
        db = open_db(Path(tmp) / "eval.db")
        try:
            pipeline = pipeline_for(db)
            named = {k: (k if k in kept else None) for k in PASSED}
            columns = ColumnMap(text="text", id="id", rating=named["rating"], date=named["date"], title=named["title"])
            _, run_id = pipeline.mine([source], columns=columns, on_error="skip", progress=progress)  # type: ignore[attr-defined]
            found = predictions_of_run(db, run_id, clauses)
        finally:
            db.close()
    return [
        dict(found[str(row)], id=str(item["id"])) if str(row) in found else _unmined(item["id"], clauses)
        for row, item in enumerate(items)
    ]


def predictions_of_run(db: sqlite_utils.Database, run_id: int, with_clauses: bool = False) -> dict[str, dict]:
    """Each stored item's prediction (keyed by its source id), by the rule in this module's docstring;
    `with_clauses`: each with its stored clauses too."""
    clauses: dict[str, list[dict]] = {}
    for clause in item_clauses(db, run_id):
        clauses.setdefault(str(clause["item"]), []).append(clause)
    found = {item: item_prediction(item, rows) for item, rows in clauses.items()}
    if with_clauses:
        for item, rows in clauses.items():
            found[item]["clauses"] = [
                {"text": c["text"], "complaint": bool(c["complaint"]), "assignments": [a[:2] for a in c["assignments"]]}
                for c in rows
            ]
    return found


def item_prediction(item: str, clauses: list[dict]) -> dict:
    """One item's prediction from its stored clauses (`miner.store.segments.item_clauses` rows, in order)."""
    complaints = [c for c in clauses if c["complaint"]]
    mapped = [c for c in complaints if c["assignments"] and c["assignments"][0][0] != NONE]
    top_clause = max(mapped, key=lambda c: c["assignments"][0][1], default=None)  # max keeps the first on a tie
    ranked = sorted(
        ((score, tp) for c in mapped for tp, score, _ in c["assignments"] if tp != NONE), key=lambda st: -st[0]
    )
    touchpoints = list(dict.fromkeys(tp for _, tp in ranked))
    if top_clause is None:
        top, score, lead = NONE, 0.0, 0.0
    else:
        (top, score, _), *rest = top_clause["assignments"]
        touchpoints.remove(top)
        lead = score - rest[0][1] if rest else score  # over the clause's runner-up, when one was close enough
    detected = top
    nearest = max((float(a[0][1]) for c in complaints if (a := c["assignments"]) and a[0][0] == NONE), default=0.0)
    if not complaints:  # the lead clause's touchpoint (one clause has it, or none does: an older run)
        led = next((c for c in clauses if c.get("top") not in (None, NONE)), None)
        if led is not None:
            top, score, lead, touchpoints = led["top"], float(led["top_score"]), 0.0, []
    return {
        "id": item,
        "touchpoint": top,
        "touchpoints": [top, *touchpoints] if top != NONE else [NONE],
        "detected_touchpoint": detected,
        "complaint": bool(complaints),
        "score": round(float(score), 4),
        "lead": round(float(lead), 4),  # how sure the mapping is (the loop track of miner/eval/report.py)
        # filed under none: how near its nearest complaint came to a touchpoint (`taxonomy review` lists those first)
        "nearest": round(nearest, 4) if top_clause is None else 0.0,
        "complaint_score": round(max((float(c["complaint_score"]) for c in clauses), default=0.0), 4),
    }


def _unmined(item_id: object, clauses: bool = False) -> dict:
    """An item the run stored nothing for (no clause of customer text, or a row the reader skipped)."""
    return {"id": str(item_id), "touchpoint": NONE, "touchpoints": [NONE], "detected_touchpoint": NONE,
            "complaint": False, "score": 0.0, "lead": 0.0, "complaint_score": 0.0,
            **({"clauses": []} if clauses else {})}  # fmt: skip
