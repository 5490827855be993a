"""One analysis run over every stored segment: embed, detect complaints, map touchpoints, cluster, store."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from miner.complaints import detector_for
from miner.complaints.detector import NEIGHBOUR_WEIGHT, NEIGHBOURS
from miner.embed import Embedder, EmbeddingCache, cluster_embedder_for, complaint_embedder_for
from miner.progress import Progress
from miner.segment import Segmenter
from miner.segment.items import ItemRuns
from miner.store.painpoints import add_counts, carry_forward, centroids_of, record_changes, unanalysed_segments
from miner.store.runs import fail_run, finish_run, head_row, latest_run, save_head, start_run
from miner.topics import PainPointModel
from miner.topics.clusterer import PainPoint
from miner.topics.stable import match_ids, nearest, unit
from miner.touchpoints import Taxonomy
from miner.touchpoints.corpus import CORPUS_WEIGHT, CorpusHead
from miner.touchpoints.mapper import CONTEXT_WEIGHT, get_mapper
from miner.touchpoints.taxonomy import NONE

SEGMENT_COLUMNS = ("segment_id", "complaint", "complaint_score", "touchpoint", "touchpoint_score")
CHUNK = 50_000  # segments embedded, scored and mapped at a time; only complaint vectors are kept (float16)
CLUSTER_CONTEXT = 0.35  # how much of a complaint's clustering vector is its item's (docs/quality.md, "Pain points")


def _load_segments(db: sqlite_utils.Database) -> list[dict]:
    sql = """SELECT s.id, s.document_id, s.text, d.rating FROM segments s JOIN documents d ON d.id = s.document_id
             ORDER BY s.id"""
    return list(db.query(sql))


def analyze(
    db: sqlite_utils.Database,
    taxonomy: Taxonomy,
    cache: EmbeddingCache,
    segmenter: Segmenter,
    *,
    mapper: str = "examples",
    progress: Progress | None = None,
    incremental: bool = False,
) -> int:
    """Analyse all stored segments as a new run; returns its id. `incremental`: analyse only segments stored
    since the last complete run and give their complaints to its pain points (no refit); falls back to a full
    run (a refit) when there is no such run or it used another embedding model, complaint detector or taxonomy."""
    progress = progress or Progress()
    base = latest_run(db) if incremental else None
    second = complaint_embedder_for(cache.embedder)
    head = {"weight": CORPUS_WEIGHT, "margin": cache.embedder.corpus_margin, "corrections": len(taxonomy.corrections)}
    params = {
        "mapper": mapper,
        "complaint_threshold": 0.5,
        "context_weight": CONTEXT_WEIGHT,
        "corpus_head": head if mapper == "examples" else None,
        "complaint_model": second.name if second else None,
        "complaint_neighbours": {"k": NEIGHBOURS, "weight": NEIGHBOUR_WEIGHT},
        "pain_point_space": _space_params(cache.embedder),
    }
    same = base and base["embedding_model"] == cache.embedder.name
    base_params = json.loads(base["params"] or "{}") if base else {}
    kept = ("complaint_model", "complaint_neighbours", "pain_point_space")
    same = same and all(base_params.get(k) == params[k] for k in kept)
    if base and not (same and base["taxonomy_fingerprint"] == taxonomy.fingerprint() and centroids_of(db, base["id"])):
        progress.note(
            f"Incremental: run {base['id']} used another model, complaint detector, pain-point space or taxonomy; "
            "refitting everything."
        )
        base = None
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
        mode="incremental" if base else "full",
        base_run_id=base["id"] if base else (previous["id"] if (previous := latest_run(db)) else None),
    )
    try:
        if base:
            _incremental(db, run_id, base["id"], taxonomy, cache, mapper, progress)
        else:
            _analyze(db, run_id, taxonomy, cache, mapper, progress)
    except BaseException as err:
        fail_run(db, run_id, f"{type(err).__name__}: {err}")
        raise
    return run_id


@dataclass
class _Classified:
    segment_rows: list[tuple]  # SEGMENT_COLUMNS; tuples, not dicts: a million rows take 3x less memory
    assignment_rows: list[dict]
    by_touchpoint: dict[str, list[int]]  # touchpoint -> positions in `complaint_pos`
    complaint_pos: list[int]  # positions (in the segment list) of complaints
    vectors: np.ndarray  # float16, one row per complaint
    complaints: int

    def segment_dicts(self) -> Iterator[dict]:
        """The segment results as the rows `finish_run` writes, made one at a time."""
        return (dict(zip(SEGMENT_COLUMNS, r, strict=True)) for r in self.segment_rows)


def _prepare(cache: EmbeddingCache, taxonomy: Taxonomy, mapper_name: str, progress: Progress) -> tuple:
    examples = [e for top in taxonomy.touchpoints for e in top.all_examples()]
    with progress.stage("Preparing models", 2) as advance:
        detector = detector_for(cache, examples, neighbours=NEIGHBOURS, neighbour_weight=NEIGHBOUR_WEIGHT)
        advance(1)
        mapper = get_mapper(mapper_name, taxonomy, cache.embed, corpus_margin=cache.embedder.corpus_margin).fit()
        advance(1)
    return detector, mapper


@dataclass
class _Chunk:
    """One chunk's detection, and its complaints' touchpoint scores before the corpus head adds to them."""

    start: int
    scores: np.ndarray  # P(complaint), one per segment
    idx: np.ndarray  # positions (in the chunk) of its complaints
    vectors: np.ndarray  # float16, one row per complaint
    contexts: np.ndarray  # float16, one row per feedback item the complaints came from (its embedding)
    context_of: np.ndarray  # the row of `contexts` of each complaint
    tp_scores: np.ndarray
    nones: np.ndarray | None

    def features(self) -> np.ndarray:
        return CorpusHead.features(self.vectors.astype(np.float32), self.contexts[self.context_of].astype(np.float32))


def _classify(
    segments: list[dict],
    cache: EmbeddingCache,
    detector,  # noqa: ANN001
    mapper,  # noqa: ANN001
    progress: Progress,
    base_head: CorpusHead | None = None,
    *,
    fit_head: bool = True,
) -> tuple[_Classified, CorpusHead | None]:
    """Embed, detect and score in chunks, so memory holds only the complaints' vectors (float16); then fit the
    corpus head on the sure complaints of every chunk (or, with `fit_head` off, use `base_head`) and map them."""
    items = ItemRuns(segments)
    head = mapper.corpus_head() if fit_head else base_head
    chunks: list[_Chunk] = []
    passes = 2 if detector.second is not None else 1  # the complaint encoder reads every segment too
    with progress.stage("Embedding", passes * len(segments)) as advance:
        for start in range(0, len(segments), CHUNK):
            chunk = segments[start : start + CHUNK]
            texts = [s["text"] for s in chunk]
            vectors = cache.embed(texts, progress=advance)
            scores = detector.scores(vectors, [s["rating"] for s in chunk], texts, progress=advance)
            idx = np.flatnonzero(scores >= detector.threshold)
            context = items.context(start + idx, vectors[idx], cache.embed)
            tp_scores, nones = mapper.scores_in_context(vectors[idx], context)
            if head is not None and fit_head:
                head.collect(tp_scores, nones, CorpusHead.features(vectors[idx], context), mapper.threshold)
            _, first, context_of = np.unique(items.run_of[start + idx], return_index=True, return_inverse=True)
            contexts = context[first].astype(np.float16)  # an item's context once, not once per complaint
            chunks.append(
                _Chunk(start, scores, idx, vectors[idx].astype(np.float16), contexts, context_of, tp_scores, nones)
            )
    if head is not None and fit_head:
        head.fit()
    out = _Classified([], [], defaultdict(list), [], np.zeros((0, 0), np.float16), 0)
    with progress.stage("Mapping", sum(len(c.idx) for c in chunks)) as advance:
        for c in chunks:
            _map_chunk(out, segments, c, mapper, head, detector.threshold)
            advance(len(c.idx))
    kept = [c.vectors for c in chunks]
    out.vectors = np.concatenate(kept) if kept else np.zeros((0, cache.embedder.dim), np.float16)
    return out, head


def _map_chunk(out: _Classified, segments: list[dict], c: _Chunk, mapper, head, threshold: float) -> None:  # noqa: ANN001
    """One chunk's touchpoint assignments and segment results, appended to `out`."""
    adjusted = None if head is None else head.adjust(c.tp_scores, c.features())
    assigned = mapper.choose(c.tp_scores, c.nones, c.vectors.astype(np.float32), adjusted)
    top_of = {}
    for pos, choices in zip(c.idx, assigned, strict=True):
        segment = segments[c.start + int(pos)]
        top_of[int(pos)] = (choices[0].touchpoint, choices[0].score)
        for rank, choice in enumerate(choices):
            out.by_touchpoint[choice.touchpoint].append(len(out.complaint_pos))
            out.assignment_rows.append(
                {
                    "segment_id": segment["id"],
                    "touchpoint": choice.touchpoint,
                    "subtouchpoint": choice.subtouchpoint,
                    "score": round(choice.score, 4),
                    "rank": rank,
                }
            )
        out.complaint_pos.append(c.start + int(pos))
    for pos, score in enumerate(c.scores):
        tp, tp_score = top_of.get(pos, (NONE, 0.0))
        complaint = int(score >= threshold)
        out.segment_rows.append(
            (segments[c.start + pos]["id"], complaint, round(float(score), 4), tp, round(tp_score, 4))
        )
    out.complaints += len(c.idx)


def _analyze(
    db: sqlite_utils.Database,
    run_id: int,
    taxonomy: Taxonomy,
    cache: EmbeddingCache,
    mapper_name: str,
    progress: Progress,
) -> None:
    segments = _load_segments(db)
    detector, mapper = _prepare(cache, taxonomy, mapper_name, progress)
    result, head = _classify(segments, cache, detector, mapper, progress)
    names = {tp.id: tp.name for top in taxonomy.touchpoints for tp in top.walk()}
    previous = db["runs"].get(base) if (base := db["runs"].get(run_id)["base_run_id"]) else None
    space = _cluster_space(segments, result, cache, progress)
    same_space = previous is not None and previous["embedding_model"] == cache.embedder.name
    same_space = same_space and json.loads(previous["params"] or "{}").get("pain_point_space") == _space_params(
        cache.embedder
    )
    old = centroids_of(db, previous["id"]) if previous is not None else {}
    pain_rows, changes = _pain_points(segments, result, space, names, old, progress, comparable=same_space)
    with db.atomic():
        if previous is not None:
            record_changes(db, run_id, changes)
        save_head(db, run_id, head.to_row(mapper.ids) if head is not None and head.fitted else None)
        finish_run(
            db,
            run_id,
            segment_rows=result.segment_dicts(),
            assignment_rows=result.assignment_rows,
            pain_point_rows=pain_rows,
            counts={
                "documents": db.table("documents").count,
                "segments": len(segments),
                "complaints": result.complaints,
            },
        )


def _incremental(
    db: sqlite_utils.Database,
    run_id: int,
    base_run: int,
    taxonomy: Taxonomy,
    cache: EmbeddingCache,
    mapper_name: str,
    progress: Progress,
) -> None:
    """New segments only: classify them, give each complaint the nearest pain point of its touchpoint."""
    segments = unanalysed_segments(db, base_run)
    detector, mapper = _prepare(cache, taxonomy, mapper_name, progress)
    row = head_row(db, base_run)
    head = CorpusHead.from_row(row, mapper.ids) if row else None  # map as the base run did: no refit
    result, _ = _classify(segments, cache, detector, mapper, progress, head, fit_head=False)
    centroids = centroids_of(db, base_run)
    space = _cluster_space(segments, result, cache, progress)
    row_of = {(r["segment_id"], r["touchpoint"]): r for r in result.assignment_rows}
    added: dict[str, int] = defaultdict(int)
    for tp, positions in result.by_touchpoint.items():
        if tp not in centroids:
            continue  # a touchpoint with no pain point yet: its complaints wait for the next refit
        ids = sorted(centroids[tp])
        vectors = space[positions].astype(np.float32)
        near = nearest(vectors, ids, np.stack([centroids[tp][i] for i in ids]))
        for k, (pid, _) in zip(positions, near, strict=True):
            row_of[(segments[result.complaint_pos[k]]["id"], tp)]["pain_point_id"] = pid
            added[pid] += 1
    base = db["runs"].get(base_run)
    with db.atomic():
        carry_forward(db, base_run, run_id)
        save_head(db, run_id, {k: v for k, v in row.items() if k != "run_id"} if row else None)
        add_counts(db, run_id, added)
        finish_run(
            db,
            run_id,
            segment_rows=result.segment_dicts(),
            assignment_rows=result.assignment_rows,
            pain_point_rows=[],
            counts={
                "documents": db.table("documents").count,
                "segments": base["segments"] + len(segments),
                "complaints": base["complaints"] + result.complaints,
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


def _space_params(embedder: Embedder) -> dict | None:
    """What a run records of the space its pain points were clustered in; centroids compare only within one."""
    clusterer = cluster_embedder_for(embedder)
    return {"model": clusterer.name, "context": CLUSTER_CONTEXT} if clusterer else None


def _cluster_space(segments: list[dict], result: _Classified, cache: EmbeddingCache, progress: Progress) -> np.ndarray:
    """One vector per complaint to cluster pain points in (float16): the clause on the plain encoder, blended with
    its feedback item's text so that a fragment ("it was more than 50") joins what its item is about. Encoders
    without a separate clustering space give back the vectors they mapped with."""
    embedder = cluster_embedder_for(cache.embedder)
    if embedder is None or not result.complaint_pos:
        return result.vectors
    plain = EmbeddingCache(embedder, cache.db)
    items = ItemRuns(segments)
    positions = np.asarray(result.complaint_pos)
    out = np.zeros((len(positions), embedder.dim), np.float16)
    with progress.stage("Embedding for pain points", len(positions)) as advance:
        for start in range(0, len(positions), CHUNK):
            chunk = positions[start : start + CHUNK]
            own = plain.embed([segments[int(p)]["text"] for p in chunk])
            context = items.context(chunk, own, plain.embed)
            blend = (1 - CLUSTER_CONTEXT) * unit(own) + CLUSTER_CONTEXT * unit(context)
            out[start : start + len(chunk)] = unit(blend).astype(np.float16)
            advance(len(chunk))
    return out


def _pain_points(
    segments: list[dict],
    result: _Classified,
    space: np.ndarray,
    names: dict[str, str],
    previous: dict[str, dict[str, np.ndarray]],
    progress: Progress,
    *,
    comparable: bool = True,
) -> tuple[list[dict], list[dict]]:
    """Cluster each touchpoint's complaints; ids follow the previous run's pain points where centroids match."""
    model = PainPointModel(names=names, common_words=common_words([s["text"] for s in segments]))
    row_of = {(r["segment_id"], r["touchpoint"]): r for r in result.assignment_rows}
    rows, changes = [], []
    with progress.stage("Clustering pain points", len(result.by_touchpoint)) as advance:
        for tp in sorted(result.by_touchpoint):
            ks = result.by_touchpoint[tp]
            seg = [segments[result.complaint_pos[k]] for k in ks]
            vectors = space[ks].astype(np.float32)
            subs = [row_of[(s["id"], tp)]["subtouchpoint"] for s in seg]
            confidence = np.array([result.segment_rows[result.complaint_pos[k]][2] for k in ks])
            points = model.fit(tp, [s["text"] for s in seg], vectors, subs, confidence)
            centroids = np.stack([vectors[p.members].mean(axis=0) for p in points]) if points else vectors[:0]
            ids, tp_changes = match_ids(tp, centroids, previous.get(tp, {}), comparable=comparable)
            changes += [vars(c) for c in tp_changes]
            for pid, point, centroid in zip(ids, points, centroids, strict=True):
                for m in point.members:
                    row_of[(seg[m]["id"], tp)]["pain_point_id"] = pid
                rows.append(_pain_row(pid, tp, point, seg, centroid))
            advance(1)
    for tp in sorted(set(previous) - set(result.by_touchpoint)):
        changes += [dict(old_id=k, new_id=None, similarity=None, change="removed") for k in sorted(previous[tp])]
    return rows, changes


def _pain_row(pid: str, tp: str, point: PainPoint, seg: list[dict], centroid: np.ndarray) -> dict:
    reps, seen = [], set()
    for m in point.representatives:
        text = seg[m]["text"].lower()
        if text not in seen:
            seen.add(text)
            reps.append(seg[m]["id"])
        if len(reps) == 5:
            break
    return {
        "id": pid,
        "touchpoint": tp,
        "label": point.label,
        "keywords": json.dumps(point.keywords),
        "complaints": point.size,
        "representatives": json.dumps(reps),
        "centroid": unit(centroid).astype(np.float16).tobytes(),
    }
