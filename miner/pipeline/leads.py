"""The lead clause of each feedback item with no complaint: its most complaint-like clause, mapped like a complaint
so that every item has a touchpoint (docs/lab/leads.md). `classify` finds the leads chunk by chunk and maps them
after the corpus head is fitted; they are stored on the clause's segment result, never as an assignment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from miner.pipeline.reading import in_context, read_in_context, read_segments
from miner.touchpoints.corpus import CorpusHead

if TYPE_CHECKING:
    from miner.embed import EmbeddingCache
    from miner.segment.items import ItemRuns
    from miner.touchpoints.mapper import Mapper


@dataclass
class Leads:
    """The lead clause of each of a chunk's items with no complaint (its most complaint-like clause), read in its
    item's context like a complaint, so that the item has a touchpoint too: stored on the clause's segment result
    (`complaint` 0), never an assignment, so counts, pain points and reports are unchanged. `touchpoints eval`
    scores it as the item's touchpoint, so accuracy@1 scores the mapping of every gold complaint and complaint F1
    the detector (miner/eval/predict.py). Their vectors are not held to the end of the run: the corpus head's
    features are read again from the cache when they are mapped (`adjusted`)."""

    idx: np.ndarray  # positions (in the chunk)
    tp_scores: np.ndarray
    nones: np.ndarray | None


def lead_positions(runs: np.ndarray, scores: np.ndarray, complaints: np.ndarray) -> np.ndarray:
    """Positions of the clause with the highest complaint score (the first on a tie) of each item (`runs`: the
    item of each clause, consecutive) that has no clause at `complaints`, in order."""
    if not len(runs):
        return np.zeros(0, np.int64)
    order = np.lexsort((-scores, runs))  # by item, then by score, highest first; stable on ties
    sorted_runs = runs[order]
    first = order[np.r_[True, sorted_runs[1:] != sorted_runs[:-1]]]
    return np.sort(first[~np.isin(runs[first], runs[complaints])])


def find(
    items: ItemRuns,
    start: int,
    scores: np.ndarray,
    idx: np.ndarray,
    vectors: np.ndarray,
    cache: EmbeddingCache,
    mapper: Mapper,
) -> Leads | None:
    """The chunk's lead clauses (`Leads`), their touchpoint scores read as a complaint's are. An item cut by the
    chunk's edge is two items here: its part without a complaint has a lead too, which `touchpoints eval` reads
    only when the item has no complaint at all."""
    lead = lead_positions(items.run_of[start : start + len(scores)], scores, idx)
    if not len(lead):
        return None
    tp_scores, nones, _ = in_context(items, start + lead, vectors[lead], cache, mapper)
    return Leads(lead, tp_scores, nones)


def adjusted(
    leads: Leads | None,
    start: int,
    items: ItemRuns,
    cache: EmbeddingCache,
    mapper: Mapper,
    head: CorpusHead | None,
    block: int,
) -> np.ndarray | None:
    """The chunk's lead scores as the corpus head reorders them, `block` leads at a time (classify's BLOCK, as for
    complaints); the head's features (a lead's vector and its item's, as the chunk's pass read them) come from the
    cache again (None: no head adjusts)."""
    if leads is None or head is None or not head.adjusts:
        return None
    out = []
    for s in range(0, len(leads.idx), block):
        positions = start + leads.idx[s : s + block]
        vectors = read_segments(cache, items, positions)
        _, _, context = read_in_context(items, positions, vectors, cache, mapper)
        out.append(head.adjust(leads.tp_scores[s : s + block], CorpusHead.features(vectors, context)))
    return np.concatenate(out)
