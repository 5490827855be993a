"""Stable pain-point ids across runs: a refit's clusters take the id of the previous run's pain point with the
nearest centroid, and new complaints of a nightly run join the nearest existing pain point without a refit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MATCH = 0.8  # cosine between centroids above which a refit's pain point keeps the old id


@dataclass
class Change:
    old_id: str | None
    new_id: str | None
    similarity: float | None
    change: str  # kept, added, removed


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def match_ids(
    touchpoint: str,
    centroids: np.ndarray,
    previous: dict[str, np.ndarray],
    threshold: float = MATCH,
    *,
    comparable: bool = True,
) -> tuple[list[str], list[Change]]:
    """Ids for new clusters (rows of `centroids`, largest first) of one touchpoint: greedy best-first matching
    to `previous` ({id: centroid}); unmatched clusters get the next unused number. When the previous run clustered
    in another space (`comparable` off: another encoder), nothing matches: every old id is removed, none reused."""
    old_ids = sorted(previous)
    ids: list[str | None] = [None] * len(centroids)
    changes: list[Change] = []
    if not comparable:
        changes += [Change(old, None, None, "removed") for old in old_ids]
    elif old_ids and len(centroids):
        sims = unit(centroids) @ unit(np.stack([previous[k] for k in old_ids])).T
        pairs = sorted(((float(sims[i, j]), i, j) for i in range(sims.shape[0]) for j in range(sims.shape[1])),
                       reverse=True)  # fmt: skip
        used_new, used_old = set(), set()
        for sim, i, j in pairs:
            if sim < threshold:
                break
            if i in used_new or j in used_old:
                continue
            used_new.add(i)
            used_old.add(j)
            ids[i] = old_ids[j]
            changes.append(Change(old_ids[j], old_ids[j], round(sim, 4), "kept"))
        for j, old in enumerate(old_ids):
            if j not in used_old:
                best = int(np.argmax(sims[:, j]))
                changes.append(Change(old, None, round(float(sims[best, j]), 4), "removed"))
    taken = {int(k.rsplit("-", 1)[1]) for k in old_ids if k.rsplit("-", 1)[-1].isdigit()}
    counter = 1
    for i in range(len(ids)):
        if ids[i] is None:
            while counter in taken:
                counter += 1
            taken.add(counter)
            ids[i] = f"{touchpoint}-{counter:02d}"
            changes.append(Change(None, ids[i], None, "added"))
    return [str(i) for i in ids], changes


def nearest(vectors: np.ndarray, ids: list[str], centroids: np.ndarray) -> list[tuple[str, float]]:
    """The nearest pain point (id, cosine) of each vector, by centroid."""
    if not len(ids) or not len(vectors):
        return []
    sims = vectors @ unit(centroids).T
    best = np.argmax(sims, axis=1)
    return [(ids[int(j)], float(sims[i, j])) for i, j in enumerate(best)]
