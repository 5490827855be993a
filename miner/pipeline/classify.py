"""The classify chain, in memory: embed -> detect complaints -> item context -> map -> corpus head.

`mine`, `touchpoints eval` (through `mine`), the Ray engine and the API's runs all classify through `classify`;
nothing else repeats it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from miner.complaints.cascade import ComplaintScorer
from miner.complaints.detector import (
    CALIBRATION,
    CORRECTION_WEIGHT,
    NEIGHBOUR_WEIGHT,
    NEIGHBOURS,
    OUTRIGHT,
    SEEDS,
    ComplaintDetector,
)
from miner.embed.head import HeadCache
from miner.pipeline import leads as lead_clauses
from miner.pipeline.heap import release
from miner.pipeline.reading import in_context, read_complaint_parts, read_segments
from miner.pipeline.rows import SEGMENT_COLUMNS, AssignmentRows, SegmentRows
from miner.progress import Progress
from miner.segment.items import ItemRuns
from miner.touchpoints.clusters import cluster_labels, cluster_vote
from miner.touchpoints.corpus import CorpusHead, skip_reason
from miner.touchpoints.mapper import Mapper, get_mapper
from miner.touchpoints.normalise import for_mapping
from miner.touchpoints.taxonomy import NONE
from miner.touchpoints.teacher import NONE_LABEL, Teacher

if TYPE_CHECKING:
    from miner.embed import EmbeddingCache
    from miner.touchpoints import Taxonomy

CHUNK = 50_000  # segments embedded, scored and mapped at a time; only complaint vectors are kept (float16)
BLOCK = 8_192  # complaints whose corpus-head features (float32, clause and item) are built at a time


@dataclass
class Classified:
    """What `classify` gives back: per segment its complaint and top touchpoint, per complaint its touchpoints."""

    segment_rows: Sequence[tuple]  # SEGMENT_COLUMNS per segment (`SegmentRows`: columns, not Python objects)
    assignment_rows: AssignmentRows | list[dict]  # iterates as dicts (`AssignmentRows` from `classify`)
    by_touchpoint: dict[str, list[int]]  # touchpoint -> positions in `complaint_pos`
    complaint_pos: list[int]  # positions (in the segment list) of complaints
    vectors: np.ndarray  # float16, one row per complaint
    complaints: int
    top2: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # per complaint: its best and
    # second-best touchpoint similarity before the corpus head (what miner/touchpoints/fit.py reads)
    complaint_threshold: float = 0.5  # the corpus's complaint threshold (ComplaintDetector.corpus_threshold)
    contexts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float16))  # float16, one row per
    # feedback item with a complaint: the item's vector the mapper read the complaint with
    context_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per complaint: its row there
    second_reads: int = 0  # segments the complaint encoder read (miner/complaints/cascade.py)
    assignment_of: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # touchpoint -> the
    # row of `assignment_rows` of each complaint in `by_touchpoint[touchpoint]`, in the same order

    def firsts(self) -> list[str]:
        """The touchpoint each complaint was mapped to first (`none` included), in `complaint_pos` order."""
        return [self.segment_rows[pos][3] for pos in self.complaint_pos]

    def segment_dicts(self) -> Iterator[dict]:
        """The segment results as the rows `finish_run` writes, made one at a time."""
        return (dict(zip(SEGMENT_COLUMNS, r, strict=True)) for r in self.segment_rows)


def detector_params(taxonomy: Taxonomy | None = None) -> dict:
    """How the complaint detector's nearest seeds vote and how it reads a corpus's threshold, and where `taxonomy`
    has corrections, how much each weighs as a seed (without them, what runs recorded before corrections taught the
    detector); a run records it, and a change means a refit."""
    params: dict = {"k": NEIGHBOURS, "weight": NEIGHBOUR_WEIGHT, "calibration": CALIBRATION, "outright": OUTRIGHT}
    if taxonomy is not None and taxonomy.corrections:
        params["correction_weight"] = CORRECTION_WEIGHT
    return params


def fit_mapper(
    cache: EmbeddingCache, taxonomy: Taxonomy, mapper_name: str, plain: EmbeddingCache | None = None
) -> Mapper:
    """The touchpoint mapper `mapper_name`, fitted on the taxonomy; `plain` (the pain-point encoder, which embeds
    every complaint anyway) reads the description view."""
    second = plain.embed if plain is not None else None
    return get_mapper(
        mapper_name, taxonomy, cache.embed, corpus_margin=cache.embedder.corpus_margin, second=second
    ).fit()


def fit_detector(
    cache: EmbeddingCache, complaint: EmbeddingCache | None, taxonomy: Taxonomy, seeds: Path = SEEDS
) -> ComplaintDetector:
    """The complaint detector, fitted on the seeds (the packaged ones unless `seeds` names a file), the taxonomy's
    examples and its corrections."""
    examples = [e for top in taxonomy.touchpoints for e in top.all_examples()]
    vote = detector_params(taxonomy)
    head = complaint if isinstance(complaint, HeadCache) and complaint.mapping is cache else None  # on our vectors
    return ComplaintDetector(
        cache.embed,
        extra_complaints=examples,
        corrections=[c.text for c in taxonomy.corrections],
        correction_weight=vote.get("correction_weight"),
        second=complaint.embed if complaint is not None else None,
        second_from_first=head.apply_to if head is not None else None,
        neighbours=vote["k"],
        neighbour_weight=vote["weight"],
        calibration=vote["calibration"],
        outright=vote["outright"],
        seeds=seeds,
    ).fit()


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
    leads: lead_clauses.Leads | None = None  # the most complaint-like clause of each item with no complaint

    def features(self, rows: slice = slice(None)) -> np.ndarray:
        """The corpus head's features of the complaints in `rows`: float32, twice the vector's width."""
        own, item = self.vectors[rows], self.contexts[self.context_of[rows]]
        return CorpusHead.features(own.astype(np.float32), item.astype(np.float32))

    def blocks(self) -> Iterator[slice]:
        """The complaints in BLOCK-row slices (one empty slice when there are none), so that the head's float32
        features of a 50,000-segment chunk are never all held at once (docs/lab/memory.md)."""
        return (slice(s, s + BLOCK) for s in range(0, max(len(self.idx), 1), BLOCK))

    def sure(self, head: CorpusHead | None) -> np.ndarray | None:
        """The complaints an analyst's corrections are sure of (`LabelledHead.sure`), or None without them."""
        if head is None or head.labelled is None or not head.labelled.fitted:
            return None
        return np.concatenate([head.labelled.sure(self.features(b)) for b in self.blocks()])

    def adjusted(self, head: CorpusHead | None) -> np.ndarray | None:
        """The touchpoint scores as `head` reorders them, block by block (each row is adjusted on its own)."""
        if head is None:
            return None
        return np.concatenate([head.adjust(self.tp_scores[b], self.features(b)) for b in self.blocks()])


def classify(
    segments: list[dict],
    cache: EmbeddingCache,
    detector: ComplaintDetector,
    mapper: Mapper,
    progress: Progress | None = None,
    base_head: CorpusHead | None = None,
    *,
    fit_head: bool = True,
    complaint_threshold: float | None = None,
) -> tuple[Classified, CorpusHead | None]:
    """Segments ({"id", "document_id", "text", "rating"}, an item's segments consecutive) in, their complaint and
    touchpoint scores out; nothing is stored. Embeds, detects and scores in chunks, so memory holds only the
    complaints' vectors (float16); then fits the corpus head on the sure complaints of every chunk (or, with
    `fit_head` off, uses `base_head`) and maps them. The complaint threshold is read from the first chunk's scores
    (`ComplaintDetector.corpus_threshold`) unless `complaint_threshold` gives it (that of the run extended). Each
    item with no complaint has its lead clause mapped too (miner/pipeline/leads.py)."""
    progress = progress or Progress()
    items = ItemRuns(segments)
    cache.read_as = for_mapping if mapper.normalise else None  # the span pass reads what the mapper reads
    head = mapper.corpus_head() if fit_head else base_head
    chunks: list[_Chunk] = []
    passes = 2 if detector.second is not None else 1  # the complaint encoder reads a segment or is skipped
    scorer = ComplaintScorer(
        detector,
        threshold=complaint_threshold,
        read_threshold=lambda scores: corpus_complaint_threshold(detector, scores, progress),
    )
    with progress.stage("Embedding", passes * len(segments)) as advance:
        for start in range(0, len(segments), CHUNK):
            chunk = segments[start : start + CHUNK]
            texts = [s["text"] for s in chunk]
            vectors = read_segments(cache, items, np.arange(start, start + len(chunk)), advance)
            scores = scorer.scores(vectors, texts, [s["rating"] for s in chunk], progress=advance)
            complaint_threshold = scorer.threshold
            assert complaint_threshold is not None
            idx = np.flatnonzero(scores >= complaint_threshold)
            own, _ = read_complaint_parts([texts[i] for i in idx], vectors[idx], cache, mapper)
            tp_scores, nones, context = in_context(items, start + idx, own, cache, mapper)
            _, first, context_of = np.unique(items.run_of[start + idx], return_index=True, return_inverse=True)
            contexts = context[first].astype(np.float16)  # an item's context once, not once per complaint
            chunks.append(_Chunk(start, scores, idx, own.astype(np.float16), contexts, context_of, tp_scores, nones))
            chunks[-1].leads = lead_clauses.find(items, start, scores, idx, vectors, cache, mapper)
            del vectors, context, texts
            release()  # the chunk's float32 vectors are gone: their pages go back, not into the heap's free lists
    _centre(chunks, mapper)
    if head is not None and fit_head:
        # its own stage: a logistic head per fold on up to 20,000 complaints, seconds to a minute, silent before
        with progress.stage("Fitting the corpus head"):
            for c in chunks:
                for b in c.blocks():
                    head.collect(
                        c.tp_scores[b], None if c.nones is None else c.nones[b], c.features(b), mapper.threshold
                    )
            if mapper.teacher is not None:
                _teach(head, mapper, items, chunks)
            head.fit()
        if head.skipped_:  # said, or `mine` printed this stage and the report "not used" with no word between
            progress.note(f"Corpus head not fitted: {skip_reason(head.skipped_)}; touchpoints come from the taxonomy.")
    best = [c.tp_scores.max(axis=1) for c in chunks if len(c.idx)]
    threshold = mapper.corpus_threshold(np.concatenate(best) if best else np.zeros(0))
    out = Classified(SegmentRows(), AssignmentRows(), defaultdict(list), [], np.zeros((0, 0), np.float16), 0)
    out.complaint_threshold = detector.threshold if complaint_threshold is None else complaint_threshold
    out.second_reads = scorer.second_reads
    voted = _voted(chunks, mapper, head)
    with progress.stage("Mapping", sum(len(c.idx) for c in chunks)) as advance:
        for c, adjusted in zip(chunks, voted, strict=True):
            lead_scores = lead_clauses.adjusted(c.leads, c.start, items, cache, mapper, head, BLOCK)
            _map_chunk(out, segments, c, mapper, head, out.complaint_threshold, threshold, adjusted, lead_scores)
            advance(len(c.idx))
    out.top2 = np.concatenate([top_two(c.tp_scores) for c in chunks]) if chunks else out.top2
    if chunks:
        offsets = np.cumsum([0] + [len(c.contexts) for c in chunks[:-1]])
        out.context_of = np.concatenate([c.context_of + o for c, o in zip(chunks, offsets, strict=True)])
    out.vectors = _gathered(chunks, "vectors", cache.embedder.dim)
    out.contexts = _gathered(chunks, "contexts", cache.embedder.dim)
    return out, head


def _gathered(chunks: list[_Chunk], field: str, width: int) -> np.ndarray:
    """The chunks' float16 rows of `field` ("vectors" or "contexts") in one array, each chunk's let go once copied:
    `np.concatenate` held every complaint's vector twice until `classify` returned, the largest block of a
    million-segment run after the mapping (docs/lab/memory.md)."""
    out = np.empty((sum(len(getattr(c, field)) for c in chunks), width), np.float16)
    at = 0
    for c in chunks:
        rows = getattr(c, field)
        out[at : at + len(rows)] = rows
        at += len(rows)
        setattr(c, field, rows[:0])
    return out


def _teach(head: CorpusHead, mapper: Mapper, items: ItemRuns, chunks: list[_Chunk]) -> None:
    """The mapper's teacher reads a seeded sample of the corpus's complaints; the touchpoints it puts first (where
    it does not abstain) become the head's rows, on the default's features of those complaints."""
    teacher: Teacher = mapper.teacher
    if teacher.mapper_ is None or teacher.mapper_.taxonomy is not mapper.taxonomy:
        teacher.fit(mapper)
    sizes = [len(c.idx) for c in chunks]
    picked = teacher.pick(sum(sizes))
    if not len(picked):
        return
    ends = np.cumsum(sizes)
    chunk_of = np.searchsorted(ends, picked, side="right")
    row_in = picked - (ends - sizes)[chunk_of]
    positions = np.array([chunks[k].start + chunks[k].idx[r] for k, r in zip(chunk_of, row_in, strict=True)])
    features = np.vstack([chunks[k].features(slice(r, r + 1)) for k, r in zip(chunk_of, row_in, strict=True)])
    labels = teacher.label(items, positions)
    kept = labels != NONE_LABEL
    head.learn(
        features[kept],
        labels[kept],
        weight=teacher.weight,
        only=teacher.only,
        ungated=teacher.ungated,
        crossfit=teacher.crossfit,
    )


def corpus_complaint_threshold(detector: ComplaintDetector, scores: np.ndarray, progress: Progress) -> float:
    """The corpus's complaint threshold read from its (first chunk's) clause scores; said when not the default."""
    threshold = detector.corpus_threshold(scores)
    if threshold < detector.threshold:
        progress.note(
            f"Complaints: clauses scoring {threshold:.2f} or more, this corpus's own threshold (read from its "
            f"scores; the detector's default is {detector.threshold:g})."
        )
    return threshold


def _centre(chunks: list[_Chunk], mapper: Mapper) -> None:
    """Each chunk's touchpoint scores less the mapper's `centre_weight` x how far above the average touchpoint
    each touchpoint sits over the whole corpus (`Mapper.corpus_offsets`)."""
    if mapper.centre_weight <= 0:
        return
    scored = [c.tp_scores for c in chunks if len(c.idx)]
    if not scored:
        return
    offsets = mapper.corpus_offsets(np.concatenate(scored))
    for c in chunks:
        c.tp_scores = (c.tp_scores - offsets).astype(np.float32)
        if c.leads is not None:
            c.leads.tp_scores = (c.leads.tp_scores - offsets).astype(np.float32)


def _voted(chunks: list[_Chunk], mapper: Mapper, head: CorpusHead | None) -> list[np.ndarray | None]:
    """Each chunk's scores as the corpus head reorders them, then nudged by the vote of the complaint's cluster
    over the whole corpus (miner/touchpoints/clusters.py); Nones (`_map_chunk` asks the head) when that is off or
    the corpus head stayed unfitted: on a flat mix of industries (the probe) clusters gather industries, not what
    went wrong, and their vote lost (docs/lab/transfer2.md)."""
    if mapper.cluster_weight <= 0 or not chunks or head is None or not head.fitted:
        return [None] * len(chunks)
    adjusted = []
    for c in chunks:
        scores = c.adjusted(head)  # blockwise, as `_map_chunk` reads it
        assert scores is not None  # the head is given and fitted
        adjusted.append(scores)
    labels = cluster_labels(np.concatenate([c.vectors for c in chunks]), mapper.cluster_size)
    voted = cluster_vote(np.concatenate(adjusted), labels, mapper.cluster_weight)
    return list(np.split(voted, np.cumsum([len(a) for a in adjusted])[:-1]))


def top_two(scores: np.ndarray) -> np.ndarray:
    """Each row's best and second-best score (the best twice when there is one column)."""
    if scores.shape[1] == 0:
        return np.zeros((len(scores), 2), np.float32)
    ranked = -np.sort(-scores.astype(np.float32), axis=1)
    return ranked[:, :2] if scores.shape[1] > 1 else np.repeat(ranked, 2, axis=1)


def touchpoint_scores(
    segments: list[dict], positions: np.ndarray, cache: EmbeddingCache, mapper: Mapper, head: CorpusHead | None
) -> np.ndarray:
    """The touchpoint scores of the segments at `positions` as `classify` ranked them: in their item's context
    (`segments` holds the whole items) and, with the run's corpus head, reordered by it."""
    items = ItemRuns(segments)
    cache.read_as = for_mapping if mapper.normalise else None
    texts = [segments[int(i)]["text"] for i in positions]
    vectors, _ = read_complaint_parts(texts, read_segments(cache, items, positions), cache, mapper)
    scores, _, context = in_context(items, positions, vectors, cache, mapper)
    return scores if head is None else head.adjust(scores, CorpusHead.features(vectors, context))


def _map_chunk(
    out: Classified,
    segments: list[dict],
    c: _Chunk,
    mapper: Mapper,
    head: CorpusHead | None,
    threshold: float,
    tp_threshold: float | None = None,
    adjusted: np.ndarray | None = None,
    lead_adjusted: np.ndarray | None = None,
) -> None:
    """One chunk's touchpoint assignments and segment results, appended to `out`; `tp_threshold`: the corpus's
    touchpoint threshold (`Mapper.corpus_threshold`); `adjusted`: the chunk's reordered scores when given
    (`_voted`), else the corpus head's; `lead_adjusted`: its leads' (`leads.adjusted`)."""
    if adjusted is None:
        adjusted = c.adjusted(head)
    assigned = mapper.choose(c.tp_scores, c.nones, c.vectors.astype(np.float32), adjusted, tp_threshold, c.sure(head))
    if mapper.taxonomy.corrections or mapper.taxonomy.none_examples:  # a quote filed word for word (quoted.py)
        texts = [segments[c.start + int(pos)]["text"] for pos in c.idx]
        assigned = [
            mapper.corrected(t, a, c.tp_scores[k]) for k, (t, a) in enumerate(zip(texts, assigned, strict=True))
        ]
    top_of = {}
    rows = out.assignment_rows
    assert isinstance(rows, AssignmentRows)  # classify builds it
    columns: list[list] = [[], [], [], [], []]
    for pos, choices in zip(c.idx, assigned, strict=True):
        segment = segments[c.start + int(pos)]
        top_of[int(pos)] = (choices[0].touchpoint, choices[0].score)
        for rank, choice in enumerate(choices):
            out.by_touchpoint[choice.touchpoint].append(len(out.complaint_pos))
            out.assignment_of[choice.touchpoint].append(len(rows) + len(columns[0]))
            assignment = (segment["id"], choice.touchpoint, choice.subtouchpoint, round(choice.score, 4), rank)
            for column, value in zip(columns, assignment, strict=True):
                column.append(value)
        out.complaint_pos.append(c.start + int(pos))
    rows.extend(*columns)
    if c.leads is not None:  # a touchpoint on the clause's result, no assignment (miner/pipeline/leads.py)
        lead = c.leads
        chosen = mapper.choose(lead.tp_scores, lead.nones, None, lead_adjusted, tp_threshold)
        for pos, choices in zip(lead.idx, chosen, strict=True):
            top_of[int(pos)] = (choices[0].touchpoint, choices[0].score)
    columns = [[], [], [], [], []]
    for pos, score in enumerate(c.scores):
        tp, tp_score = top_of.get(pos, (NONE, 0.0))
        row = (segments[c.start + pos]["id"], int(score >= threshold), round(float(score), 4), tp, round(tp_score, 4))
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    assert isinstance(out.segment_rows, SegmentRows)  # classify builds it
    out.segment_rows.extend(*columns)
    out.complaints += len(c.idx)
