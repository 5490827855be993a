"""Mapping complaint clusters as a whole (issue 18): a corpus's complaints grouped by meaning across touchpoints,
and each complaint's ranking nudged towards the touchpoint the other members of its group were mapped to.

A clause alone can be ambiguous ("waited ages" in a review that names the app); the group of complaints that say
the same thing in a corpus is less so. The nudge is `weight` x the share of the cluster's *other* members whose
first touchpoint is each touchpoint, added to the scores the corpus head left: a complaint with a clear lead keeps
it, one whose top two are close goes with its cluster. Off by default: docs/lab/transfer2.md has the measurements.
"""

from __future__ import annotations

import numpy as np

CLUSTER_WEIGHT = 0.0  # how much a complaint's cluster's vote adds to its scores (0: off)
CLUSTER_SIZE = 10  # complaints per cluster on average: k = complaints // size
MAX_FIT = 20_000  # k-means is fitted on at most this many complaints (a fixed-seed sample), then labels all
MAX_CLUSTERS = 1_000  # k's cap: labelling a million complaints stays one pass of n x 1000 distances


def cluster_labels(vectors: np.ndarray, size: int = CLUSTER_SIZE, seed: int = 0) -> np.ndarray:
    """A cluster per row: k-means (k = rows // size, at most `MAX_CLUSTERS`) on the rows, fitted on a seeded sample
    of at most `MAX_FIT`. Fewer than two clusters' worth of rows: one cluster for all."""
    n = len(vectors)
    k = min(n // max(size, 1), MAX_CLUSTERS)
    if k < 2:
        return np.zeros(n, dtype=int)
    from sklearn.cluster import MiniBatchKMeans

    X = np.asarray(vectors, dtype=np.float32)
    fit_rows = np.random.default_rng(seed).choice(n, MAX_FIT, replace=False) if n > MAX_FIT else np.arange(n)
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048).fit(X[fit_rows])
    return np.asarray(km.predict(X), dtype=int)


def cluster_vote(scores: np.ndarray, labels: np.ndarray, weight: float) -> np.ndarray:
    """`scores` plus `weight` x, per row, the share of its cluster's other rows whose best column is each column
    (a row alone in its cluster gets nothing added). Rows keep their best score, as `CorpusHead.adjust` does:
    whether a complaint fits at all is still read from its similarity."""
    if weight <= 0 or len(scores) == 0:
        return scores
    firsts = np.zeros_like(scores, dtype=np.float32)
    firsts[np.arange(len(scores)), scores.argmax(axis=1)] = 1.0
    sums = np.zeros((int(labels.max()) + 1, scores.shape[1]), np.float32)
    np.add.at(sums, labels, firsts)
    others = sums[labels] - firsts
    n_others = others.sum(axis=1, keepdims=True)
    share = np.divide(others, n_others, out=np.zeros_like(others), where=n_others > 0)
    voted = scores + weight * share
    return (voted - voted.max(axis=1, keepdims=True) + scores.max(axis=1, keepdims=True)).astype(np.float32)
