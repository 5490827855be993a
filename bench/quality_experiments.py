"""Mapping experiments on the shared evaluation sets: segment and embed once, then score many variants.

Usage: python bench/quality_experiments.py [--limit N]. Reads ../shared/datasets (skips when absent);
segments and vectors are pickled under .cache/experiments so variants run in seconds.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np

from miner.eval.run import Evaluator, load_items
from miner.eval.scoring import score

SETS = ["absa_reviews_train", "cfpb_complaints", "nhs_fft_phase1", "banking77", "complaints_tweets", "dstc11_turns"]
CACHE = Path(".cache/experiments")


def prepare(evaluator: Evaluator, datasets: Path, limit: int | None) -> dict[str, dict]:
    CACHE.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in SETS:
        path = CACHE / f"{name}-{limit}.pkl"
        if path.exists():
            out[name] = pickle.loads(path.read_bytes())
            continue
        items = load_items(datasets / f"{name}.jsonl", limit)
        evaluator.mapper("examples")
        pieces = [
            [s.text for s in segs] or [it["text"]]
            for segs, it in zip(evaluator.segmenter.segment([it["text"] for it in items]), items, strict=True)
        ]
        flat = [s for p in pieces for s in p]
        vectors = evaluator.embedder.embed(flat)
        whole = evaluator.embedder.embed([it["text"] for it in items])
        out[name] = {"items": items, "pieces": pieces, "vectors": vectors, "whole": whole}
        path.write_bytes(pickle.dumps(out[name]))
    return out


def evaluate(data: dict[str, dict], predict) -> dict[str, tuple]:
    results = {}
    pooled_items, pooled_preds = [], {}
    for name, d in data.items():
        preds = predict(d)
        s = score(d["items"], preds)
        results[name] = (s.accuracy_at_1, s.macro_f1, s.complaint_f1)
        if name in ("absa_reviews_train", "cfpb_complaints", "nhs_fft_phase1"):
            for it in d["items"]:
                key = f"{name}|{it['id']}"
                pooled_items.append(dict(it, id=key))
                pooled_preds[key] = preds[str(it["id"])]
    s = score(pooled_items, pooled_preds)
    results["POOLED"] = (s.accuracy_at_1, s.macro_f1, None)
    return results


def show(title: str, results: dict[str, tuple]) -> None:
    cells = " ".join(
        f"{k[:6]}={v[0] if v[0] is None else round(v[0], 3)}/{v[1] if v[1] is None else round(v[1], 3)}"
        f"/{v[2] if v[2] is None else round(v[2], 3)}"
        for k, v in results.items()
    )
    print(f"{title:<40} {cells}", flush=True)


def item_predictor(tp_scores_fn, cp_fn, ids, threshold=0.35, agg="max"):
    def predict(d):
        preds = {}
        vec = d["vectors"]
        scores = tp_scores_fn(vec)
        cp = cp_fn(vec, [s for p in d["pieces"] for s in p])
        pos = 0
        for it, segs in zip(d["items"], d["pieces"], strict=True):
            n = len(segs)
            s, c = scores[pos : pos + n], cp[pos : pos + n]
            pos += n
            complaint = bool((c >= 0.5).any())
            w = c if complaint else np.ones_like(c)
            if agg == "max":
                rows = s * np.clip(w, 0.25, 1.0)[:, None] ** 0.5
                best = rows.max(axis=0)
            elif agg == "mix":
                ww = np.clip(w, 0.05, 1.0)
                best = (
                    0.5 * (s * np.clip(w, 0.25, 1.0)[:, None] ** 0.5).max(axis=0)
                    + 0.5 * (ww[:, None] * s).sum(0) / ww.sum()
                )
            else:
                ww = np.clip(w, 0.05, 1.0)
                best = (ww[:, None] * s).sum(0) / ww.sum()
            j = int(np.argmax(best))
            preds[str(it["id"])] = {"touchpoint": ids[j] if best[j] >= threshold else "none", "complaint": complaint}
        return preds

    return predict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--limit", type=int, default=1500)
    args = parser.parse_args()
    ev = Evaluator()
    data = prepare(ev, args.datasets, args.limit)
    mapper = ev.mapper("examples")
    ids = mapper.ids
    cp_fn = ev.detector.text_scores
    for agg in ("max", "mix", "mean"):
        for th in (0.25, 0.3, 0.35):
            show(f"examples k=3 agg={agg} th={th}", evaluate(data, item_predictor(mapper.score, cp_fn, ids, th, agg)))


if __name__ == "__main__":
    main()
