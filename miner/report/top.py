"""Top touchpoints and their pain points for one run, in the JSON shape `touchpoints top` and `mine` print.

The pain points, their counts and quotes come from miner.store.top, the query the report and the API share."""

from __future__ import annotations

from typing import cast

import sqlite_utils

from miner.errors import MinerError
from miner.ingest.ratings import normalised
from miner.store.filters import Filters
from miner.store.reads import count_by, items_inside, touchpoint_documents
from miner.store.runs import resolve_run, run_fit, run_provenance, run_taxonomy
from miner.store.top import top_pain_points as shared_top
from miner.store.unread import read_counts
from miner.touchpoints.taxonomy import NONE

RUN_FIELDS = ("id", "finished_at", "embedding_model", "mapper", "taxonomy_name", "taxonomy_version",
              "taxonomy_fingerprint", "documents", "segments", "complaints")  # fmt: skip
QUOTE_KEYS = ("text", "document_id", "source", "kind", "date", "rating", "rating_scale")


def _example(quote: dict) -> dict:
    """A quote as `top --format json` gives it: its rating as answered (`rating`, on `rating_scale`) and on the
    exports' 0-1 scale, 1 best (`rating_normalised`), as the API's quotes: a raw 2.0 was 2 stars or an NPS 2/10."""
    out = {k: quote.get(k) for k in QUOTE_KEYS}
    out["rating_normalised"] = normalised(out["rating"], out["rating_scale"])
    return out


def _pain_points(
    db: sqlite_utils.Database, run: dict, filters: Filters, touchpoint: str, limit: int, quotes: int
) -> list[dict]:
    """The touchpoint's pain points; `share` is of the touchpoint's complaints, `share_of_total` of all (both
    miner.store.top's, as the API gives them)."""
    points = shared_top(db, run, filters, touchpoint=touchpoint, limit=limit, quotes=quotes)["pain_points"]
    return [
        {
            "id": p["id"],
            "label": p["label"],
            "complaints": p["complaints"],
            "share": p["share"],
            "share_of_total": p["share_of_total"],
            "keywords": p["keywords"],
            "examples": [_example(q) for q in p["quotes"]],
        }
        for p in points
        if p["touchpoint"] == touchpoint
    ]


def top_pain_points(
    db: sqlite_utils.Database,
    *,
    touchpoint: str | None = None,
    limit: int = 10,
    pain_points: int = 5,
    quotes: int = 3,
    run_id: int | None = None,
    filters: Filters | None = None,
) -> dict:
    """{"run": ..., "fit": ..., "touchpoints": [{"id", "name", "stage", "complaints", "share", "pain_points": [...]}]}.

    `fit`: how well the run's corpus fits its taxonomy (miner/touchpoints/fit.py), null for runs made before."""
    filters = filters or Filters()
    run = resolve_run(db, run_id)
    taxonomy = run_taxonomy(run)
    if touchpoint is not None and touchpoint != NONE and touchpoint not in {t.id for t in taxonomy.touchpoints}:
        if parent := next((t.id for t in taxonomy.touchpoints for c in t.walk() if c.id == touchpoint), None):
            raise MinerError(
                f"'{touchpoint}' is a sub-touchpoint of '{parent}': the touchpoint filter takes top-level ones; use "
                f"'{parent}' (each complaint's sub-touchpoint is the subtouchpoint column of `touchpoints export "
                "--table assignments`)"
            )
        known = ", ".join(t.id for t in taxonomy.touchpoints)
        raise MinerError(f"unknown touchpoint '{touchpoint}': use one of {known}, or none")
    counts = count_by(db, run["id"], "a.touchpoint", filters)
    docs = touchpoint_documents(db, run["id"], filters)
    total = sum(counts.values())
    entries = []
    for tp in taxonomy.touchpoints:
        n = counts.get(tp.id, 0)
        if (touchpoint and tp.id != touchpoint) or (not touchpoint and n == 0):
            continue
        entries.append(
            {
                "id": tp.id,
                "name": tp.name,
                "stage": tp.stage,
                "complaints": n,
                "documents": docs.get(tp.id, 0),
                "share": round(n / total, 4) if total else 0.0,
                "pain_points": _pain_points(db, run, filters, tp.id, pain_points, quotes),
            }
        )
    entries.sort(key=lambda e: (-cast(int, e["complaints"]), str(e["id"])))
    result = {
        "run": {k: run[k] for k in RUN_FIELDS} | run_provenance(run),  # the version, precision and threshold
        "filter": filters.describe(),  # the run's counts are the whole run's; the touchpoints', the filter's
        # the shares' denominator: complaint mentions inside the filters (a complaint about two touchpoints counts for
        # each), and the feedback items inside them; neither was given, and 88 of 163 complaints read as 54%, not 44%
        "mentions": total,
        # unfiltered, the run's own items (documents stored since, not yet analysed, are not in its shares)
        "items": run["documents"]
        if not filters.sql()[0] and run.get("documents") is not None
        else items_inside(db, run, filters),
        "fit": run_fit(run),
        "touchpoints": entries[:limit],
    }
    # of those items, the ones read and not (another language, no English text): the table says so under it
    result |= read_counts(db, run, filters, cast(int, result["items"]))
    if touchpoint in (None, NONE):
        n_none = counts.get(NONE, 0)
        result["unmapped"] = {
            "id": NONE,
            "complaints": n_none,
            "documents": docs.get(NONE, 0),
            "share": round(n_none / total, 4) if total else 0.0,
            "pain_points": _pain_points(db, run, filters, NONE, pain_points, quotes),
        }
    return result
