"""One analysis run over the stored segments: classify them (miner/pipeline/classify.py), cluster each touchpoint's
complaints into pain points, store. A full run refits; an incremental one joins the last run's pain points."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from miner.pipeline.classify import BLOCK
from miner.pipeline.fits import SHARED_FITS, Helper, Inputs, fit_all, warm
from miner.pipeline.heap import release
from miner.pipeline.rows import AssignmentRows
from miner.progress import Progress
from miner.segment.items import ItemRuns
from miner.store.heads import carry_head, record_head
from miner.store.painpoints import (
    add_counts,
    carry_forward,
    centroids_of,
    has_unanalysed,
    record_changes,
    unanalysed_segments,
)
from miner.store.runs import (
    abandon_dead_runs,
    fail_run,
    finish_run,
    latest_run,
    run_row,
    start_run,
    still_the_latest,
)
from miner.store.segments import last_import, load_segments, lowest_complaint_score, snapshot, stored_documents
from miner.topics.clusterer import PainPoint, pick_quotes
from miner.topics.labels import common_words
from miner.topics.stable import match_ids, nearest, unit
from miner.touchpoints.corpus import CORPUS_FOLDS, CORPUS_WEIGHT, MIN_TOP_SHARE
from miner.touchpoints.mapper import CONTEXT_WEIGHT

if TYPE_CHECKING:
    import sqlite_utils

    from miner.embed import EmbeddingCache
    from miner.pipeline.classify import Classified
    from miner.pipeline.core import Pipeline

CHUNK = 50_000  # complaints embedded for clustering at a time
CLUSTER_CONTEXT = 0.35  # how much of a complaint's clustering vector is its item's (docs/quality.md, "Pain points")


def run_params(p: Pipeline) -> dict:
    """What a run records of how it classified and clustered; an incremental run needs its base's to match. With the
    tool's version, so a figure can be traced to the code that made it; the complaint threshold the corpus gave is
    added as it ends: the corpus's own, or an incremental run's base's (`corpus_complaint_threshold`)."""
    from miner.pipeline.classify import detector_params
    from miner.version import tool_version

    head = {
        "weight": CORPUS_WEIGHT,
        "margin": p.encoders.mapping.corpus_margin,
        "folds": CORPUS_FOLDS,
        "min_top_share": MIN_TOP_SHARE,
        "corrections": len(p.taxonomy.corrections),
    }
    complaint, cluster = p.encoders.complaint, p.encoders.cluster
    return {
        "encoder": p.encoders.mapping.registry_name,  # the registry name to load it by again (taxonomy review)
        "precision": p.encoders.mapping.precision,  # fp32 or bf16 (miner/embed/bert.py): vectors differ at 1e-5
        "mapper": p.mapper_name,
        "complaint_threshold": 0.5,  # the detector's default; the corpus's own is `corpus_complaint_threshold`
        "context_weight": CONTEXT_WEIGHT,
        "mapping": p.fit().mapper_.options(),
        "corpus_head": head if p.mapper_name == "examples" else None,
        "complaint_model": complaint.name if complaint else None,
        "complaint_neighbours": detector_params(p.taxonomy),
        "pain_point_space": {"model": cluster.name, "context": CLUSTER_CONTEXT} if cluster else None,
        "redact_pii": p.redactor is not None,  # `mine --no-redact`: `workspaces import` refuses the database
        "version": tool_version(),  # miner/version.py: the package's, and the git commit of a source checkout
    }


def analyze(p: Pipeline, progress: Progress | None = None, *, incremental: bool = False) -> int:
    """Analyse all stored segments as a new run; returns its id. `incremental`: analyse only segments stored
    since the last complete run and give their complaints to its pain points (no refit); falls back to a full
    run (a refit), saying what changed, when there is no such run or it used another embedding model, complaint
    detector or taxonomy.
    An incremental run with nothing stored since that run is not made: it would copy every result row for nothing
    (the database grew a copy a night on re-mined exports); that run's id is returned."""
    progress = progress or Progress()
    db, taxonomy = p.db, p.taxonomy
    params = run_params(p)
    base = latest_run(db) if incremental else None
    if base and (changed := _changes(p, base, params)):
        progress.note(f"Incremental: {'; '.join(changed)} since run {base['id']}: refitting everything.")
        base = None
    # a crashed run stays 'running' otherwise, a night that brings nothing; `start_run` would mark it without a word
    for dead in abandon_dead_runs(db):
        progress.note(f"Run {dead} was left running by a process that is gone: marked abandoned.")
    if base and nothing_new(db, base):
        progress.note(f"Nothing new since run {base['id']}: no run made.")
        return int(base["id"])
    run_id = start_run(
        db,
        embedding_model=p.encoders.mapping.name,
        segmenter=p.segmenter.model,
        mapper=p.mapper_name,
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
            _incremental(p, run_id, base["id"], progress)
        else:
            _full(p, run_id, progress)
    except BaseException as err:
        fail_run(db, run_id, _failure(err))
        raise
    return run_id


def _failure(err: BaseException) -> str:
    """What a failed run records: the error's type and message; Ctrl-C (a bare KeyboardInterrupt) as the signal, as
    SIGTERM's `Interrupted: SIGTERM` is."""
    if type(err) is KeyboardInterrupt and not str(err):
        return "Interrupted: SIGINT"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def nothing_new(db: sqlite_utils.Database, base: dict) -> bool:
    """Whether run `base` covers every stored segment and document (a document may have no segment)."""
    with snapshot(db):
        return not has_unanalysed(db, base["id"]) and stored_documents(db) <= (base["documents"] or 0)


def _changes(p: Pipeline, base: dict, params: dict) -> list[str]:
    """What keeps a new run from joining `base`'s pain points (another encoder, detector, space or taxonomy), each
    said with its value then and now; empty when it may join them."""
    then = json.loads(base["params"] or "{}")
    tax = p.taxonomy
    pairs = [
        ("the embedding model", base["embedding_model"], p.encoders.mapping.name),
        ("the complaint model", then.get("complaint_model"), params["complaint_model"]),
        ("the pain-point space", _space(then.get("pain_point_space")), _space(params["pain_point_space"])),
    ]
    changes = [f"{what} changed from {old or 'none'} to {new or 'none'}" for what, old, new in pairs if old != new]
    if then.get("complaint_neighbours") != params["complaint_neighbours"]:
        changes.append("the complaint detector's settings changed")
    if base["taxonomy_fingerprint"] != tax.fingerprint():
        old, new = f"{base['taxonomy_name']} {base['taxonomy_version']}", f"{tax.name} {tax.version}"
        changes.append(f"the taxonomy changed from {old} to {new}" if old != new else f"taxonomy {new} was edited")
    if not changes and not centroids_of(p.db, base["id"]):
        changes.append("the run has no pain points to join")
    return changes


def _space(space: dict | None) -> str | None:
    """A pain-point space as said to the user: its model, and its context weight where it is not this version's."""
    if not space:
        return None
    return space["model"] + ("" if space.get("context") == CLUSTER_CONTEXT else f" (context {space.get('context')})")


def _full(p: Pipeline, run_id: int, progress: Progress) -> None:
    db = p.db
    with snapshot(db):  # the documents the run covers: not those another process stores while it runs
        segments, documents, imported = load_segments(db), stored_documents(db), last_import(db)
    # On a large corpus the import's second process, where one runs, fits a share of the pain points; it imports what
    # that needs while this process classifies
    partner = getattr(p.engine, "partner", None) if p.clusterer is None and len(segments) >= SHARED_FITS else None
    helper = partner if partner is not None and partner.submit(warm) is not None else None
    result, head = p.classify(segments, progress)
    names = {tp.id: tp.name for top in p.taxonomy.touchpoints for tp in top.walk()}
    previous = run_row(db, base) if (base := run_row(db, run_id)["base_run_id"]) else None
    space = pain_point_space(p, segments, result, progress)
    same_space = (
        previous is not None
        and previous["embedding_model"] == p.encoders.mapping.name
        and json.loads(previous["params"] or "{}").get("pain_point_space") == run_params(p)["pain_point_space"]
    )
    old = centroids_of(db, previous["id"]) if previous is not None else {}
    from miner.topics import PainPointModel

    model = (p.clusterer or PainPointModel)(names=names, common_words=common_words([s["text"] for s in segments]))
    pain_rows, changes = _pain_points(
        model, segments, result, space, old, progress, comparable=same_space, helper=helper
    )
    with db.atomic():
        if previous is not None:
            record_changes(db, run_id, changes)
        record_head(db, run_id, head, p.mapper_.ids)  # or why it stayed unfitted
        finish_run(
            db,
            run_id,
            segment_rows=result.segment_dicts(),
            assignment_rows=result.assignment_rows,
            pain_point_rows=pain_rows,
            fit=p.diagnose(result).to_dict(),
            read={"corpus_complaint_threshold": round(result.complaint_threshold, 4)},
            counts={
                "documents": documents,
                "segments": len(segments),
                "complaints": result.complaints,
                "last_import": imported,
            },  # fmt: skip
        )


def _incremental(p: Pipeline, run_id: int, base_run: int, progress: Progress) -> None:
    """New segments only: classify them, give each complaint the nearest pain point of its touchpoint."""
    db = p.db
    with snapshot(db):  # what the run covers: the base run's documents carried forward and every one stored since
        segments, documents, imported = unanalysed_segments(db, base_run), stored_documents(db), last_import(db)
    head = p.fit(progress).run_head(base_run)  # map as the base run did: no refit
    lowest = lowest_complaint_score(db, base_run)  # and detect with the threshold it read from its corpus
    threshold = None if lowest is None else min(p.detector_.threshold, lowest)
    result, _ = p.classify(segments, progress, head, fit_head=False, complaint_threshold=threshold)
    centroids = centroids_of(db, base_run)
    space = pain_point_space(p, segments, result, progress)
    pain_of = pain_point_ids(result)
    added: dict[str, int] = defaultdict(int)
    for tp, positions in result.by_touchpoint.items():
        if tp not in centroids:
            continue  # a touchpoint with no pain point yet: its complaints wait for the next refit
        ids = sorted(centroids[tp])
        vectors = space[positions].astype(np.float32)
        near = nearest(vectors, ids, np.stack([centroids[tp][i] for i in ids]))
        for assignment, (pid, _) in zip(result.assignment_of[tp], near, strict=True):
            pain_of[assignment] = pid
            added[pid] += 1
    base = run_row(db, base_run)
    with db.atomic():
        still_the_latest(db, base_run)
        carry_forward(db, base_run, run_id)
        carry_head(db, run_id, base_run)  # the head it mapped with, or why its base had none
        add_counts(db, run_id, added)
        finish_run(
            db,
            run_id,
            segment_rows=result.segment_dicts(),
            assignment_rows=result.assignment_rows,
            pain_point_rows=[],
            fit=p.diagnose(result).to_dict(),  # of the new complaints: a drift in what comes in shows
            read={"corpus_complaint_threshold": round(result.complaint_threshold, 4)},
            counts={
                "documents": documents,  # a total, as its segments and complaints are (the report's "of N items")
                "segments": base["segments"] + len(segments),
                "complaints": base["complaints"] + result.complaints,
                "last_import": imported,  # the base's documents, and all those stored since: one bound
            },  # fmt: skip
        )


def pain_point_space(p: Pipeline, segments: list[dict], result: Classified, progress: Progress) -> np.ndarray:
    """The vectors pain points are clustered in: where the clustering encoder is the mapping encoder (the one-pass
    default), the vectors and item contexts `classify` already read, blended; else `cluster_space`."""
    if p.encoders.cluster is not None and p.encoders.cluster is p.encoders.mapping:
        return blended(result)
    return cluster_space(segments, result, p.cluster_cache, progress)


def blended(result: Classified, context: float = CLUSTER_CONTEXT) -> np.ndarray:
    """Each complaint's mapping vector blended with its item's (`context` of it), as `cluster_space` blends the
    plain encoder's, with no encoder pass: the mapper read both already. Blended in place, block by block, and the
    item contexts are let go: nothing reads the mapping vectors after this, and a second complaint-sized copy was
    the largest block at a million segments (docs/lab/memory.md)."""
    out = result.vectors
    for start in range(0, len(out), BLOCK):  # each row blended on its own: a block's float32 temporaries stay small
        own = out[start : start + BLOCK].astype(np.float32)
        item = result.contexts[result.context_of[start : start + BLOCK]].astype(np.float32)
        out[start : start + BLOCK] = unit((1 - context) * unit(own) + context * unit(item)).astype(np.float16)
    result.contexts, result.context_of = result.contexts[:0], result.context_of[:0]
    release()
    return out


def cluster_space(
    segments: list[dict], result: Classified, plain: EmbeddingCache | None, progress: Progress
) -> np.ndarray:
    """One vector per complaint to cluster pain points in (float16): the clause on the plain encoder, blended with
    its feedback item's text so that a fragment ("it was more than 50") joins what its item is about. Encoders
    without a separate clustering space (`plain` None) give back the vectors they mapped with."""
    if plain is None or not result.complaint_pos:
        return result.vectors
    items = ItemRuns(segments)
    positions = np.asarray(result.complaint_pos)
    out = np.zeros((len(positions), plain.embedder.dim), np.float16)
    with progress.stage("Embedding for pain points", len(positions)) as advance:
        for start in range(0, len(positions), CHUNK):
            chunk = positions[start : start + CHUNK]
            own = plain.embed([segments[int(i)]["text"] for i in chunk])
            context = items.context(chunk, own, plain.embed)
            blend = (1 - CLUSTER_CONTEXT) * unit(own) + CLUSTER_CONTEXT * unit(context)
            out[start : start + len(chunk)] = unit(blend).astype(np.float16)
            advance(len(chunk))
    return out


def _pain_points(
    model,  # noqa: ANN001 - a PainPointModel, or what the pipeline's clusterer factory builds
    segments: list[dict],
    result: Classified,
    space: np.ndarray,
    previous: dict[str, dict[str, np.ndarray]],
    progress: Progress,
    *,
    comparable: bool = True,
    helper: Helper | None = None,
) -> tuple[list[dict], list[dict]]:
    """Cluster each touchpoint's complaints (a share of them in the second process where `helper` serves,
    miner/pipeline/fits.py); ids follow the previous run's pain points where centroids match."""
    pain_of, subtouchpoints = pain_point_ids(result), _subtouchpoints(result)

    def inputs(tp: str) -> Inputs:
        ks = result.by_touchpoint[tp]
        texts = [segments[result.complaint_pos[k]]["text"] for k in ks]
        subs = [subtouchpoints[row] for row in result.assignment_of[tp]]
        confidence = np.array([result.segment_rows[result.complaint_pos[k]][2] for k in ks])
        return texts, space[ks], subs, confidence

    done: dict[str, tuple[list[dict], list[dict]]] = {}

    def use(tp: str, points: list[PainPoint]) -> None:
        """A touchpoint's pain points stored as rows, its assignments pointed at them, ids matched to the last run's."""
        ks, assignment_of = result.by_touchpoint[tp], result.assignment_of[tp]
        seg = [segments[result.complaint_pos[k]] for k in ks]
        rows_of = np.asarray(ks)
        # each pain point's members only, not a second float32 copy of the whole touchpoint the fit has read
        centroids = (
            np.stack([space[rows_of[pt.members]].astype(np.float32).mean(axis=0) for pt in points])
            if points
            else np.zeros((0, space.shape[1]), np.float32)
        )
        ids, tp_changes = match_ids(tp, centroids, previous.get(tp, {}), comparable=comparable)
        for pid, point in zip(ids, points, strict=True):
            for m in point.members:
                pain_of[assignment_of[m]] = pid
        rows = [_pain_row(pid, tp, p, seg, c) for pid, p, c in zip(ids, points, centroids, strict=True)]
        done[tp] = rows, [vars(c) for c in tp_changes]

    with progress.stage("Clustering pain points", len(result.by_touchpoint)) as advance:
        sizes = {tp: len(ks) for tp, ks in result.by_touchpoint.items()}
        fit_all(model, sizes, inputs, use, advance, helper)
    rows = [row for tp in sorted(done) for row in done[tp][0]]
    changes = [change for tp in sorted(done) for change in done[tp][1]]
    for tp in sorted(set(previous) - set(result.by_touchpoint)):
        changes += [dict(old_id=k, new_id=None, similarity=None, change="removed") for k in sorted(previous[tp])]
    return rows, changes


def pain_point_ids(result: Classified) -> list[str | None] | dict[int, str]:
    """Where a run records each assignment's pain point: row of `result.assignment_rows` -> pain point id."""
    rows = result.assignment_rows
    if isinstance(rows, AssignmentRows):
        return rows.pain_point_id
    return _ListPainIds(rows)


class _ListPainIds(dict):
    """Pain point ids written straight into assignment rows given as a list of dicts (tests, other engines)."""

    def __init__(self, rows: list[dict]) -> None:
        super().__init__()
        self.rows = rows

    def __setitem__(self, row: int, pid: str) -> None:
        self.rows[row]["pain_point_id"] = pid


def _subtouchpoints(result: Classified) -> list:
    rows = result.assignment_rows
    return rows.subtouchpoint if isinstance(rows, AssignmentRows) else [r["subtouchpoint"] for r in rows]


def _pain_row(pid: str, tp: str, point: PainPoint, seg: list[dict], centroid: np.ndarray) -> dict:
    reps = [seg[m]["id"] for m in pick_quotes(point.representatives, lambda m: (seg[m]["text"], seg[m]["document_id"]))]
    return {
        "id": pid,
        "touchpoint": tp,
        "label": point.label,
        "keywords": json.dumps(point.keywords),
        "complaints": point.size,
        "representatives": json.dumps(reps),
        "centroid": unit(centroid).astype(np.float16).tobytes(),
    }
