"""One analysis run over every stored segment: embed, detect complaints, map touchpoints, cluster, store."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import sqlite_utils

from miner.complaints import ComplaintDetector
from miner.embed import EmbeddingCache
from miner.progress import Progress
from miner.segment import Segmenter
from miner.store.runs import fail_run, finish_run, start_run
from miner.topics import PainPointModel
from miner.touchpoints import Taxonomy
from miner.touchpoints.mapper import get_mapper
from miner.touchpoints.taxonomy import NONE


def _load_segments(db: sqlite_utils.Database) -> list[dict]:
    sql = """SELECT s.id, s.text, d.rating FROM segments s JOIN documents d ON d.id = s.document_id
             ORDER BY s.id"""
    return list(db.query(sql))


def _embed(cache: EmbeddingCache, texts: list[str], progress: Progress, label: str) -> np.ndarray:
    with progress.stage(label, len(texts)) as advance:
        return cache.embed(texts, progress=advance)


def analyze(
    db: sqlite_utils.Database,
    taxonomy: Taxonomy,
    cache: EmbeddingCache,
    segmenter: Segmenter,
    *,
    mapper: str = "examples",
    progress: Progress | None = None,
) -> int:
    """Analyse all stored segments as a new run; returns its id."""
    progress = progress or Progress()
    params = {"mapper": mapper, "complaint_threshold": 0.5}
    run_id = start_run(
        db,
        embedding_model=cache.embedder.name,
        segmenter=segmenter.model,
        mapper=mapper,
        taxonomy_name=taxonomy.name,
        taxonomy_version=taxonomy.version,
        taxonomy_fingerprint=taxonomy.fingerprint(),
        taxonomy=taxonomy.model_dump_json(),
        params=params,
    )
    try:
        _analyze(db, run_id, taxonomy, cache, mapper, progress)
    except BaseException as err:
        fail_run(db, run_id, f"{type(err).__name__}: {err}")
        raise
    return run_id


def _analyze(
    db: sqlite_utils.Database,
    run_id: int,
    taxonomy: Taxonomy,
    cache: EmbeddingCache,
    mapper_name: str,
    progress: Progress,
) -> None:
    segments = _load_segments(db)
    embed = cache.embed
    examples = [e for top in taxonomy.touchpoints for e in top.all_examples()]
    with progress.stage("Preparing models", 2) as advance:
        detector = ComplaintDetector(embed, extra_complaints=examples).fit()
        advance(1)
        mapper = get_mapper(mapper_name, taxonomy, embed).fit()
        advance(1)
    vectors = _embed(cache, [s["text"] for s in segments], progress, "Embedding")
    scores = detector.scores(vectors, [s["rating"] for s in segments])
    is_complaint = scores >= detector.threshold
    complaint_idx = np.where(is_complaint)[0]
    with progress.stage("Mapping touchpoints", len(complaint_idx)) as advance:
        assigned = mapper.assign(vectors[complaint_idx])
        advance(len(complaint_idx))
    by_touchpoint: dict[str, list[int]] = defaultdict(list)
    segment_rows, assignment_rows = [], []
    top_of: dict[int, tuple[str, float]] = {}
    for pos, choices in zip(complaint_idx, assigned, strict=True):
        top_of[int(pos)] = (choices[0].touchpoint, choices[0].score)
        for rank, choice in enumerate(choices):
            by_touchpoint[choice.touchpoint].append(int(pos))
            assignment_rows.append(
                {
                    "segment_id": segments[pos]["id"],
                    "touchpoint": choice.touchpoint,
                    "subtouchpoint": choice.subtouchpoint,
                    "score": round(choice.score, 4),
                    "rank": rank,
                }
            )
    for pos, seg in enumerate(segments):
        tp, tp_score = top_of.get(pos, (NONE, 0.0))
        segment_rows.append(
            {
                "segment_id": seg["id"],
                "complaint": int(is_complaint[pos]),
                "complaint_score": round(float(scores[pos]), 4),
                "touchpoint": tp,
                "touchpoint_score": round(tp_score, 4),
            }
        )
    names = {tp.id: tp.name for top in taxonomy.touchpoints for tp in top.walk()}
    pain_rows = _pain_points(segments, vectors, by_touchpoint, assignment_rows, names, progress)
    finish_run(
        db,
        run_id,
        segment_rows=segment_rows,
        assignment_rows=assignment_rows,
        pain_point_rows=pain_rows,
        counts={
            "documents": db.table("documents").count,
            "segments": len(segments),
            "complaints": int(is_complaint.sum()),
        },
    )


def common_words(texts: list[str], share: float = 0.03) -> frozenset[str]:
    """Words in at least `share` of all segments: too common to name a pain point (the brand, say)."""
    import re
    from collections import Counter

    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(re.findall(r"[a-z']+", text.lower())))
    floor = max(5, share * len(texts))
    return frozenset(w for w, n in df.items() if n >= floor)


def _pain_points(
    segments: list[dict],
    vectors: np.ndarray,
    by_touchpoint: dict[str, list[int]],
    assignment_rows: list[dict],
    names: dict[str, str],
    progress: Progress,
) -> list[dict]:
    model = PainPointModel(names=names, common_words=common_words([s["text"] for s in segments]))
    sub_of = {(r["segment_id"], r["touchpoint"]): r["subtouchpoint"] for r in assignment_rows}
    rows = []
    pain_of: dict[tuple[int, str], str] = {}
    with progress.stage("Clustering pain points", len(by_touchpoint)) as advance:
        for tp in sorted(by_touchpoint):
            positions = by_touchpoint[tp]
            subs = [sub_of.get((segments[p]["id"], tp)) for p in positions]
            points = model.fit(tp, [segments[p]["text"] for p in positions], vectors[positions], subs)
            for k, point in enumerate(points, start=1):
                pid = f"{tp}-{k:02d}"
                seg_ids = [segments[positions[m]]["id"] for m in point.members]
                for sid in seg_ids:
                    pain_of[(sid, tp)] = pid
                reps, seen = [], set()
                for m in point.representatives:
                    text = segments[positions[m]]["text"].lower()
                    if text not in seen:
                        seen.add(text)
                        reps.append(segments[positions[m]]["id"])
                    if len(reps) == 5:
                        break
                rows.append(
                    {
                        "id": pid,
                        "touchpoint": tp,
                        "label": point.label,
                        "keywords": json.dumps(point.keywords),
                        "complaints": point.size,
                        "representatives": json.dumps(reps),
                    }
                )
            advance(1)
    for row in assignment_rows:
        row["pain_point_id"] = pain_of.get((row["segment_id"], row["touchpoint"]))
    return rows
