"""Vectors of the text a pipeline fits on (the taxonomy's examples, the complaint seeds), shared between databases.

Every new database used to embed that text again with both encoders before its first result (half of a 10-row
`touchpoints mine`, docs/lab/speed.md). `shared_fit_vectors` copies the vectors an earlier fit stored in
`<cache root>/fit-embeddings.db` into the run's cache before the fit, and stores there what the fit had to embed.
Only text embedded while the fit runs is shared; customer text never leaves the run's database. Best effort: a busy
or unwritable shared file only means the fit embeds as before."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from miner.defaults import cache_root
from miner.embed.cache import EmbeddingCache
from miner.store.embeddings import all_vectors, load_vectors, save_vectors

FILE = "fit-embeddings.db"


@contextmanager
def shared_fit_vectors(caches: list[EmbeddingCache]) -> Iterator[None]:
    """Around a fit: the shared vectors of each cache's model copied in before, the newly embedded ones out after."""
    from miner.store import open_db

    caches = [c for c in caches if c.embedder.share_fit and c.stores]
    if not caches:
        yield
        return
    try:
        shared = open_db(cache_root() / FILE)
        for cache in caches:
            key = cache.embedder.vector_key
            known = all_vectors(shared, key, cache.embedder.dim)
            have = load_vectors(cache.db, key, sorted(known))
            save_vectors(cache.db, key, {h: v for h, v in known.items() if h not in have})
    except (sqlite3.Error, OSError):
        yield
        return
    for cache in caches:
        cache.computed = set()
    try:
        yield
    finally:
        for cache in caches:
            new, cache.computed = cache.computed or set(), None
            try:
                key = cache.embedder.vector_key
                save_vectors(shared, key, load_vectors(cache.db, key, sorted(new)))
            except sqlite3.Error:
                pass
        shared.close()
