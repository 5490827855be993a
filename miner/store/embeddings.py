"""The embedding cache's table: float16 vectors by content hash and model (schema in migrations.m001)."""

from __future__ import annotations

import numpy as np
import sqlite_utils

from miner.store.db import read_only


def load_vectors(db: sqlite_utils.Database, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
    """The stored vectors (as float32) of those hashes that `model` has embedded."""
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({marks})"
        for h, blob in db.execute(sql, [model, *chunk]).fetchall():
            found[h] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    return found


def save_vectors(db: sqlite_utils.Database, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Store vectors by hash as float16, replacing any stored for the same hash and model, in one transaction. A
    database opened only to read (`taxonomy review` on a read-only snapshot) keeps none: they were computed for
    the command, which needs nothing kept."""
    if read_only(db):
        return
    rows = [
        {"hash": h, "model": model, "dim": v.shape[0], "vector": v.astype(np.float16).tobytes()}
        for h, v in vectors.items()
    ]
    with db.atomic():
        db.table("embeddings").insert_all(rows, pk=("hash", "model"), replace=True, batch_size=500)


def unembedded_texts(db: sqlite_utils.Database, model: str) -> list[tuple[str, str]]:
    """(hash, text) of every stored segment text with no cached vector for `model` (the Ray engine embeds them)."""
    sql = """SELECT s.hash, min(s.text) AS text FROM segments s
             WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = s.hash AND e.model = ?) GROUP BY s.hash"""
    return [(h, t) for h, t in db.execute(sql, [model]).fetchall()]


def all_vectors(db: sqlite_utils.Database, model: str, dim: int) -> dict[str, np.ndarray]:
    """Every vector of `model` of `dim` dimensions (a test's fake embedder keeps its name at any size)."""
    rows = db.execute("SELECT hash, vector FROM embeddings WHERE model = ? AND dim = ?", [model, dim]).fetchall()
    return {h: np.frombuffer(blob, dtype=np.float16).astype(np.float32) for h, blob in rows}


def stored_items(db: sqlite_utils.Database) -> list[list[str]]:
    """Every stored document's segment texts in order: the items a run reads (miner/embed/spans.py)."""
    from itertools import groupby

    rows = db.execute("SELECT document_id, text FROM segments ORDER BY id")
    return [[t for _, t in group] for _, group in groupby(rows, key=lambda r: r[0])]
