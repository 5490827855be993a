"""Can a short clause's vector read alone be predicted from its span vector and its item's? (docs/lab/spanship.md,
"After shipping"). A ridge map fitted on project text only, scored on the short clauses of a mined database.

Usage: python bench/shortmap.py TRAIN.db EVAL.db [--pairs 6000] [--items 2500]

TRAIN.db: a database `touchpoints mine` wrote from project text (the demo corpus and corpora/off_taxonomy); its
short clauses and the short complaint seeds are also put into random other items of it. EVAL.db: a database of the
feedback to score on (the first airline conversations); its segments are read, never fitted on. Prints, per way of
getting a short clause's vector, its cosine to the vector read alone and how the complaint detector's decisions
(threshold 0.5, text scores) agree with those on the vectors read alone.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from itertools import groupby
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def items_of(db: Path, limit: int | None = None) -> list[list[str]]:
    rows = sqlite3.connect(db).execute("SELECT document_id, text FROM segments ORDER BY id").fetchall()
    return [[t for _, t in g] for _, g in groupby(rows, key=lambda r: r[0])][:limit]


def read(bert: object, embedder: object, items: list[list[str]]) -> tuple[np.ndarray, ...]:
    """Per short clause of an item with a spanned clause: its span vector, its item's vector, itself read alone."""
    from miner.embed.spans import SHORT, joined, spanned
    from miner.touchpoints.normalise import for_mapping

    spans, own, texts = [], [], []
    todo = [it for it in items if len(it) > 1 and spanned(it)]
    for start in range(0, len(todo), 64):
        batch = todo[start : start + 64]
        as_read = [[for_mapping(c) for c in it] for it in batch]
        short = [[j for j, c in enumerate(it) if len(c.split()) < SHORT] for it in as_read]
        where = [[joined(it)[1][j] for j in js] for it, js in zip(as_read, short, strict=True)]
        parts, whole = bert.encode_spans([joined(it)[0] for it in as_read], where)  # type: ignore[attr-defined]
        for it, js, vectors, item in zip(batch, short, parts, whole, strict=True):
            if vectors is None:
                continue
            for j, v in zip(js, vectors, strict=True):
                spans.append(v)
                own.append(item)
                texts.append(it[j])
    span_vectors, items_vectors = _unit(np.array(spans)), _unit(np.array(own))
    return span_vectors, items_vectors, embedder.embed(texts), np.array(texts, dtype=object)  # type: ignore[attr-defined]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _features(span: np.ndarray, item: np.ndarray) -> np.ndarray:
    return np.hstack([span, item, np.ones((len(span), 1), np.float32)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("train", type=Path)
    parser.add_argument("eval", type=Path)
    parser.add_argument("--pairs", type=int, default=6000, help="short clauses put into random other items")
    parser.add_argument("--items", type=int, default=2500, help="items of EVAL.db to score on")
    args = parser.parse_args()
    import yaml

    from miner.complaints.detector import SEEDS
    from miner.embed.spans import SHORT, spanned
    from miner.pipeline import MineOptions, build_pipeline
    from miner.store import open_db

    pipeline = build_pipeline(open_db(":memory:"), MineOptions()).fit()
    embedder, detector = pipeline.cache.embedder, pipeline.detector_
    bert = embedder.bert()  # type: ignore[attr-defined]
    train = items_of(args.train)
    seeds = yaml.safe_load(SEEDS.read_text(encoding="utf-8"))
    shorts = sorted({c for it in train for c in it if len(c.split()) < SHORT})
    shorts += [s for s in seeds["complaint"] + seeds["not_complaint"] if len(s.split()) < SHORT]
    multi = [it for it in train if len(it) > 1 and spanned(it)]
    rng = random.Random(0)
    mixed = []
    for _ in range(args.pairs):
        it = list(rng.choice(multi))
        it.insert(rng.randrange(len(it) + 1), rng.choice(shorts))
        mixed.append(it)
    S, item, A, _ = read(bert, embedder, train + mixed)
    X = _features(S, item)
    eS, eI, eA, eT = read(bert, embedder, items_of(args.eval, args.items))
    alone = detector.text_scores(eA, list(eT))
    print(f"fitted on {len(S)} short clauses ({len(set(shorts))} distinct); scored on {len(eS)}")

    def report(name: str, vectors: np.ndarray) -> None:
        v = _unit(vectors)
        cos = (v * eA).sum(1)
        p = detector.text_scores(v, list(eT))
        a, b = alone >= 0.5, p >= 0.5
        mae = np.abs(alone - p).mean()
        print(f"{name:22s} cosine {cos.mean():.3f} (p10 {np.percentile(cos, 10):.3f}) complaints {b.sum()} "
              f"(alone {a.sum()}, both {(a & b).sum()}) agree {(a == b).mean():.3f} MAE {mae:.3f}")  # fmt: skip

    report("span vector", eS)
    for lam in (0.1, 1.0, 10.0):
        W = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ A)
        report(f"ridge {lam}", _features(eS, eI) @ W)
        W = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ (A - S))
        report(f"span + ridge {lam}", eS + _features(eS, eI) @ W)


if __name__ == "__main__":
    main()
