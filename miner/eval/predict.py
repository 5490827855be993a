"""Predictions for evaluation items through the same stages as `mine`, without a feedback database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from miner.complaints import ComplaintDetector
from miner.progress import Progress
from miner.segment import Segmenter
from miner.touchpoints.mapper import Mapper
from miner.touchpoints.taxonomy import NONE

EmbedFn = Callable[..., np.ndarray]
DEFAULT_CACHE = Path.home() / ".cache" / "touchpoint-miner" / "eval-embeddings.db"


def predict_items(
    items: list[dict],
    *,
    embed: EmbedFn,
    segmenter: Segmenter | None,
    mapper: Mapper,
    detector: ComplaintDetector,
    progress: Progress | None = None,
) -> list[dict]:
    """One prediction per item: {"id", "touchpoint", "touchpoints", "complaint", "score"}."""
    progress = progress or Progress()
    texts = [str(it["text"]) for it in items]
    if segmenter is None:
        pieces: list[list[str]] = [[t] for t in texts]
    else:
        pieces = []
        with progress.stage("Segmenting", len(texts)) as advance:
            for segs in segmenter.segment(texts):
                pieces.append([s.text for s in segs])
                advance(1)
    pieces = [p or [t] for p, t in zip(pieces, texts, strict=True)]
    flat = [s for p in pieces for s in p]
    with progress.stage("Embedding", len(flat)) as advance:
        vectors = embed(flat, progress=advance)
    with progress.stage("Detecting complaints", len(flat)) as advance:
        complaint_p = detector.scores(vectors, texts=flat, progress=advance)  # the sets carry no ratings
    context = context_vectors(pieces, vectors, embed)
    tp_scores, none_scores = mapper.scores_in_context(vectors, context)
    head, adjusted = mapper.corpus_head(), None
    if head is not None:  # as in `mine`: learned from this set's sure complaint clauses, no label read
        features = head.features(vectors, context)
        complaints = np.flatnonzero(complaint_p >= detector.threshold)
        head.collect(tp_scores, none_scores, features, mapper.threshold, complaints)
        adjusted = head.fit().adjust(tp_scores, features)
    out, pos = [], 0
    for item, segs in zip(items, pieces, strict=True):
        rows = slice(pos, pos + len(segs))
        pos += len(segs)
        nones = None if none_scores is None else none_scores[rows]
        scores = (tp_scores[rows], None if adjusted is None else adjusted[rows])
        out.append(_item_prediction(item, complaint_p[rows], scores, mapper, detector.threshold, nones))
    return out


def context_vectors(pieces: list[list[str]], vectors: np.ndarray, embed: EmbedFn) -> np.ndarray:
    """Per segment, the embedding of its item's segments joined (as `mine` does); a lone segment is its own."""
    out = vectors.copy()
    multi = [i for i, p in enumerate(pieces) if len(p) > 1]
    if multi:
        starts = np.cumsum([0, *(len(p) for p in pieces)])
        for i, v in zip(multi, embed([" ".join(pieces[i]) for i in multi]), strict=True):
            out[starts[i] : starts[i + 1]] = v
    return out


def aggregate(scores: np.ndarray, complaint: np.ndarray) -> np.ndarray:
    """An item's touchpoint scores from its clauses': half the best complaint-weighted clause, half the
    complaint-weighted mean, so one strong clause counts and so does a letter's overall drift."""
    peak = (scores * np.clip(complaint, 0.25, 1.0)[:, None] ** 0.5).max(axis=0)
    weights = np.clip(complaint, 0.05, 1.0)
    return 0.5 * peak + 0.5 * (weights[:, None] * scores).sum(axis=0) / weights.sum()


def _item_prediction(
    item: dict,
    cp: np.ndarray,
    scores: tuple[np.ndarray, np.ndarray | None],
    mapper: Mapper,
    threshold: float,
    nones: np.ndarray | None,
) -> dict:
    """An item's touchpoints from its clauses'; `scores`: the clauses' similarities and, with a corpus head, the
    same reordered by it (which then ranks the item's touchpoints, see `Mapper.choose`). `nones`: each clause's
    similarity to the taxonomy's `none_examples`, aggregated like a touchpoint's, wins `none` for the item (and
    the clause) when higher."""
    scores, adjusted = scores
    complaint = bool((cp >= threshold).any())
    weights = cp if complaint else np.ones_like(cp)
    item_scores = aggregate(scores if adjusted is None else adjusted, weights)
    col = int(np.argmax(item_scores))
    best = float(item_scores[col])
    lead = best - float(np.partition(item_scores, -2)[-2]) if len(item_scores) > 1 else best
    none_best = float(aggregate(nones[:, None], weights)[0]) if nones is not None else -1.0
    touchpoints: list[str] = []
    for i in range(len(cp)):
        if complaint and cp[i] < threshold:
            continue
        row = scores[i]
        top = float(row.max())
        if top >= mapper.threshold and (nones is None or nones[i] <= top):
            close = np.where(row >= max(mapper.threshold, top - mapper.margin))[0].tolist()
            for j in close if adjusted is None else [int(np.argmax(adjusted[i])), *close]:
                if mapper.ids[j] not in touchpoints:
                    touchpoints.append(mapper.ids[j])
    top_id = mapper.ids[col] if best >= mapper.threshold and none_best <= best else NONE
    if top_id != NONE and top_id in touchpoints:
        touchpoints.remove(top_id)
    touchpoints = [top_id, *touchpoints] if top_id != NONE else touchpoints or [NONE]
    return {
        "id": item["id"],
        "touchpoint": top_id,
        "touchpoints": touchpoints,
        "complaint": complaint,
        "score": round(best, 4),
        "lead": round(lead, 4),  # over the runner-up: how sure the mapping is (see `touchpoints taxonomy review`)
        "complaint_score": round(float(cp.max()), 4),
    }
