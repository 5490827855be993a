"""The complaints a run was least sure of, for an analyst to label.

Filed under the taxonomy's `corrections`, labelled complaints are labelled data of the corpus: the next run's
labelled head (labelled.py) and corpus head learn where this corpus draws its lines. Which ones to label
matters: the least sure (the smallest lead of a complaint's best touchpoint over its runner-up), spread over the
touchpoints, gained more per label than random picks (docs/quality.md, "Which complaints to label"; the
corrections curve in docs/lab/loop.md).
"""

from __future__ import annotations

import json

import numpy as np
import sqlite_utils

from miner.embed import EmbeddingCache
from miner.errors import MinerError
from miner.pipeline import MineOptions, build_pipeline
from miner.report.quotes import shorten
from miner.segment.items import ItemRuns
from miner.segment.segmenter import quote_key
from miner.store.reads import mapped_complaints, mapped_items_segments, quote_rows
from miner.store.runs import find_run
from miner.touchpoints.taxonomy import NONE, Taxonomy


def least_sure(
    db: sqlite_utils.Database,
    cache: EmbeddingCache,
    taxonomy: Taxonomy,
    *,
    limit: int = 50,
    run_id: int | None = None,
) -> list[dict]:
    """Up to `limit` complaints of the run (the latest complete one by default), least sure first, taking each
    touchpoint's least sure in turn: {"segment_id", "text", "touchpoint", "runner_up", "margin", "context"} (the
    whole feedback item, when the complaint is one clause of it). Complaints the run filed under `none` take the
    last turn of each round, nearest a touchpoint first, with that touchpoint as `runner_up` and `margin` its lead
    over the next."""
    run = find_run(db, run_id)
    if run is None:
        return []
    run_id = run["id"]
    if run["embedding_model"] != cache.embedder.name or run["taxonomy_fingerprint"] != taxonomy.fingerprint():
        raise MinerError(
            f"run {run_id} was mined with {run['embedding_model']} and taxonomy {run['taxonomy_name']} "
            f"{run['taxonomy_version']} ({run['taxonomy_fingerprint']}), not with {cache.embedder.name} and "
            f"{taxonomy.name} {taxonomy.version} ({taxonomy.fingerprint()}): pass the --embedding-model and "
            "--taxonomy that run used"
        )
    top = mapped_complaints(db, run_id)
    segments = mapped_items_segments(db, run_id)  # the complaints' items only, whole, for their context
    positions = np.array([i for i, s in enumerate(segments) if s["id"] in top], dtype=int)
    if len(positions) == 0:
        return []
    pipeline = build_pipeline(db, MineOptions(taxonomy=taxonomy, embedder=cache.embedder, mapper=run["mapper"]),
                              cache_db=cache.db)  # fmt: skip
    scores = pipeline.touchpoint_scores(segments, positions, pipeline.run_head(run_id))  # as the run ranked them
    ids = pipeline.mapper_.ids
    items = ItemRuns(segments)
    order = np.argsort(-scores, axis=1, kind="stable")
    rows = np.arange(len(scores))
    margins = scores[rows, order[:, 0]] - scores[rows, order[:, 1]]
    filed = np.array([top[segments[p]["id"]] != NONE for p in positions])
    # the filed complaints least sure first; then the ones filed under `none` nearest to a touchpoint first: an
    # abstention is the mapping's error an analyst sees least (nothing lists it) and a correction undoes
    # (labelled.py keeps what the corrections claim from `none`)
    ranked = [*(k for k in np.argsort(margins, kind="stable") if filed[k]),
              *(k for k in np.argsort(-scores[rows, order[:, 0]], kind="stable") if not filed[k])]  # fmt: skip
    # a quote is listed once, however many items say it and under whichever touchpoint ("Rented for a week in
    # Malaga." came 11 times), and not once corrected or put in none_examples, in any case, spacing or punctuation
    # around it (`quote_key`, as the mapper matches: miner/touchpoints/quoted.py)
    seen = {quote_key(c.text) for c in taxonomy.corrections} | {quote_key(t) for t in taxonomy.none_examples}
    queues: dict[str, list[dict]] = {}
    for k in ranked:
        segment = segments[positions[k]]
        if (key := quote_key(segment["text"])) in seen:
            continue
        seen.add(key)
        current = top[segment["id"]]
        best, second = (ids[j] for j in order[k, :2])
        run_of = items.run_of[positions[k]]
        whole = " ".join(s["text"] for s in segments[items.starts[run_of] : items.ends[run_of]])
        queues.setdefault(current, []).append({
            "segment_id": segment["id"], "text": segment["text"], "touchpoint": current,
            "runner_up": second if best == current else best, "margin": round(float(margins[k]), 4),
            "context": whole if whole != segment["text"] else None,
        })  # fmt: skip
    if NONE in queues:  # their turn comes last in each round
        queues[NONE] = queues.pop(NONE)
    picks = in_turn(queues, limit)
    stored = quote_rows(db, [p["segment_id"] for p in picks if p["context"]])
    for p in picks:  # the item as the customer wrote it ("slow but the driver..."), not its clauses joined
        row = stored.get(p["segment_id"], {})
        if p["context"] and row.get("document_text"):
            p["context"] = _titled(row.get("title"), row["document_text"])
    return picks


def _titled(title: str | None, text: str) -> str:
    """A review's title before its text, where the text does not already hold it (its clauses are read too)."""
    if not title or title.strip() in text:
        return text
    title = title.strip()
    return f"{title} {text}" if title[-1] in ".!?" else f"{title}. {text}"


def in_turn(queues: dict[str, list], limit: int) -> list:
    """Up to `limit` entries, the head of each queue in turn (each queue least sure first): the smallest leads
    cluster on two or three touchpoints, and labels spread over all of them taught the head more."""
    out: list = []
    queues = {k: list(v) for k, v in queues.items()}
    while len(out) < limit and any(queues.values()):
        for queue in queues.values():
            if queue and len(out) < limit:
                out.append(queue.pop(0))
    return out


def around(context: str, clause: str, width: int = 110) -> str:
    """`context` on one line, about `width` characters of it around `clause`: cut at the start, a clause late in a
    long item ("it just spins forever.") was not in the line that was there to show it in its item."""
    text, said = " ".join(context.split()), " ".join(clause.split())
    at = text.lower().find(said.lower())
    if at < 0 or len(text) <= width or at + len(said) <= width - 1:
        return shorten(text, width)
    start = max(0, min(at - (width - len(said)) // 2, len(text) - width))
    if start > 0 and (space := text.find(" ", start, at + 1)) >= 0:
        start = space + 1  # at a word boundary, never past the clause
    return ("…" if start > 0 else "") + shorten(text[start:], width)


def as_yaml(picks: list[dict]) -> str:
    """A `corrections:` block to check and paste: the run's touchpoint filled in, the runner-up beside it. A
    complaint filed under `none` is commented out with its nearest touchpoint filled in (a correction names a
    touchpoint): pasted unread, it claims nothing."""
    lines = ["corrections:"]
    for p in picks:
        if p.get("context"):  # a clause is easier to label in its feedback item
            lines.append(f"  # in: {around(p['context'], p['text'])}")  # one line: a comment
        if p["touchpoint"] == NONE:
            lines.append(f"  # filed under none; nearest {p['runner_up']} (lead {p['margin']:.3f}): uncomment if it"
                         " is about that touchpoint (or name the right one)")  # fmt: skip
            lines.append(f"  # - text: {json.dumps(p['text'], ensure_ascii=False)}")
            lines.append(f"  #   touchpoint: {p['runner_up']}")
            continue
        lines.append(f"  - text: {json.dumps(p['text'], ensure_ascii=False)}")
        lines.append(f"    touchpoint: {p['touchpoint']}  # or {p['runner_up']}? (lead {p['margin']:.3f})")
    return "\n".join(lines) + "\n"
