"""The optional encoders (miner/embed/optional.py) against the default, side by side on the same seeded samples:
accuracy@1, macro-F1 and complaint F1 through the pipeline (miner.eval.run.Evaluator, as `touchpoints eval`), and
the CPU cost of embedding (sentences per CPU second, one thread, nothing cached).

Usage: python bench/encoders.py --model gemma [--n 300] [--out /tmp/encoders]   (one model per process; then
       python bench/encoders.py --table /tmp/encoders   prints the markdown table of every model measured)

Samples (seed 18): N complaints with a gold touchpoint from each dev set (ABSA, CFPB at N/3 since its
letters are long, NHS, banking77) for accuracy@1 and macro-F1; N items from the tweets and N labelled NHS items
(complaints and not) for complaint F1; the whole team-written probe set (corpora/probe/) once. The labelled sets
are read from ../shared/datasets/ and never copied.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent.parent / "shared" / "datasets"
if not DATA.exists():
    DATA = Path("/work/shared/datasets")
PROBE = ROOT / "corpora" / "probe" / "cross_industry.jsonl"
SEED = 18


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample(items: list[dict], n: int) -> list[dict]:
    return random.Random(SEED).sample(items, min(n, len(items)))


def complaints(name: str, n: int) -> list[dict]:
    return sample([i for i in read(DATA / name) if i.get("complaint") and i.get("gold")], n)


def labelled(name: str, n: int) -> list[dict]:
    return sample([i for i in read(DATA / name) if i.get("complaint") is not None], n)


def sets(n: int, probe: int | None = None) -> dict[str, list[dict]]:
    return {
        "absa": complaints("absa_reviews_train.jsonl", n),
        "cfpb": complaints("cfpb_complaints.jsonl", n // 3),
        "nhs": complaints("nhs_fft_phase1.jsonl", n),
        "banking77": complaints("banking77.jsonl", n),
        "tweets (complaint F1)": labelled("complaints_tweets.jsonl", n),
        "nhs (complaint F1)": labelled("nhs_fft_phase1.jsonl", n),
        "probe": sample(read(PROBE), probe) if probe else read(PROBE),
    }


def speed(model: str, texts: list[str]) -> dict:
    """Sentences per CPU second of every distinct encoder in `model`'s bundle, loaded first, nothing cached."""
    from miner.embed import get_bundle

    bundle = get_bundle(model)
    encoders = {e.name: e for e in (bundle.mapping, bundle.complaint, bundle.cluster) if e is not None}
    for encoder in encoders.values():
        encoder.embed(texts[:8])  # load and warm up
    start = time.process_time()
    for encoder in encoders.values():
        encoder.embed(texts)
    seconds = time.process_time() - start
    return {"encoders": sorted(encoders), "texts": len(texts), "cpu_s": seconds, "per_s": len(texts) / seconds}


def direct(evaluator: object, items: list[dict], detect: bool) -> tuple[dict, float]:
    """Each whole text mapped by the examples mapper and read by the complaint detector, without the rest of the
    pipeline (segmentation, redaction, context, corpus head, pain points), whose cost hides the encoder's. `detect`:
    the detector decides what is a complaint (complaint F1); else every item is one (the mapping alone). Returns the
    predictions and the share mapped to none."""
    from miner.touchpoints.taxonomy import NONE

    texts = [str(i["text"]) for i in items]
    mapper = evaluator.mapper("examples")  # type: ignore[attr-defined]
    vectors = evaluator.embedder.embed(texts)  # type: ignore[attr-defined]
    tops = [a[0].touchpoint for a in mapper.assign(vectors)]
    said = evaluator.detector.predict(vectors, None, texts) if detect else [True] * len(texts)  # type: ignore[attr-defined]
    preds = {
        str(i["id"]): {"touchpoint": top if c else NONE, "complaint": bool(c)}
        for i, top, c in zip(items, tops, said, strict=True)
    }
    return preds, sum(top == NONE for top in tops) / len(tops)


def measure(model: str, n: int, out: Path, pipeline: bool = False, probe: int | None = None) -> None:
    from miner.eval.run import Evaluator
    from miner.eval.scoring import score

    data = sets(n, probe)
    probe_texts = [str(i["text"]) for i in data["probe"]][:120]
    result: dict = {"model": model, "n": n, "speed": speed(model, probe_texts), "sets": {}}
    evaluator = Evaluator(embedding_model=model)
    for name, items in data.items():
        start = time.process_time()
        none_share = None
        if pipeline:
            scores, _ = evaluator.evaluate(items)
        else:
            preds, none_share = direct(evaluator, items, detect="complaint F1" in name or name == "probe")
            scores = score(items, preds)
        result["sets"][name] = {
            "none_share": none_share,
            "items": len(items),
            "accuracy_at_1": scores.accuracy_at_1,
            "macro_f1": scores.macro_f1,
            "complaint_f1": scores.complaint_f1,
            "cpu_s": time.process_time() - start,
        }
        print(model, name, result["sets"][name], flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{model.replace(':', '_')}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


def teach(teacher: str, student: str, domains: list[str], n: int) -> dict:
    """The stronger reader labels the sample `sets(n)` scored (its vectors are cached by then); a logistic head on
    the student's vectors of those texts learns its labels, then maps another N complaints of the same domain,
    alone and blended with the student's own examples mapper. Returns accuracy@1 per domain and method."""
    from sklearn.linear_model import LogisticRegression

    from miner.eval.run import Evaluator
    from miner.eval.scoring import score

    files = {"absa": "absa_reviews_train.jsonl", "nhs": "nhs_fft_phase1.jsonl", "cfpb": "cfpb_complaints.jsonl",
             "banking77": "banking77.jsonl"}  # fmt: skip
    big, small = Evaluator(embedding_model=teacher), Evaluator(embedding_model=student)
    out: dict = {}
    for domain in domains:
        pool = [i for i in read(DATA / files[domain]) if i.get("complaint") and i.get("gold")]
        taught = sets(n)[domain]
        seen = {i["id"] for i in taught}
        rest = random.Random(SEED + 1).sample([i for i in pool if i["id"] not in seen], n)
        labels, _ = direct(big, taught, detect=False)
        small_mapper = small.mapper("examples")  # type: ignore[attr-defined]
        ids = small_mapper.ids
        y = [labels[str(i["id"])]["touchpoint"] for i in taught]
        keep = [k for k, t in enumerate(y) if t in ids]
        x = small.embedder.embed([str(taught[k]["text"]) for k in keep])  # type: ignore[attr-defined]
        head = LogisticRegression(C=1.0, max_iter=2000).fit(x, [y[k] for k in keep])
        test = small.embedder.embed([str(i["text"]) for i in rest])  # type: ignore[attr-defined]
        sims = small_mapper.score(test)
        proba = np.zeros_like(sims)
        proba[:, [ids.index(c) for c in head.classes_]] = head.predict_proba(test)
        soft = np.exp((sims - sims.max(axis=1, keepdims=True)) / 0.05)
        soft /= soft.sum(axis=1, keepdims=True)
        own = [a[0].touchpoint for a in small_mapper.assign(x)]  # control: the student teaching itself
        mine = LogisticRegression(C=1.0, max_iter=2000).fit(x, own)
        self_taught = np.zeros_like(sims)
        self_taught[:, [ids.index(c) for c in mine.classes_ if c in ids]] = mine.predict_proba(test)[
            :, [k for k, c in enumerate(mine.classes_) if c in ids]
        ]
        methods = {
            "student alone": sims,
            "head on student's own labels": self_taught,
            "head on teacher labels": proba,
            "blend 50/50": (soft + proba) / 2,
        }
        out[domain] = {"taught": len(keep), "tested": len(rest)}
        for method, matrix in methods.items():
            preds = {str(i["id"]): {"touchpoint": ids[int(np.argmax(row))], "complaint": True}
                     for i, row in zip(rest, matrix, strict=True)}  # fmt: skip
            out[domain][method] = score(rest, preds).accuracy_at_1
        out[domain]["teacher on its own sample"] = score(taught, labels).accuracy_at_1
        print(domain, out[domain], flush=True)
    return out


def table(folder: Path) -> str:
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    names = list(results[0]["sets"])
    head = "| model | sentences/CPU s | " + " | ".join(names) + " |"
    lines = [head, "|---" * (len(names) + 2) + "|"]

    def cell(s: dict, name: str) -> str:
        if "complaint F1" in name:
            return f"{s['complaint_f1']:.3f}"
        figures = f"{s['accuracy_at_1']:.3f} / {s['macro_f1']:.3f}"
        return figures + (f" / {s['complaint_f1']:.3f}" if name == "probe" else "")

    for r in results:
        cells = " | ".join(cell(r["sets"][name], name) for name in names)
        lines.append(f"| {r['model']} | {r['speed']['per_s']:.1f} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("/tmp/encoders"))
    parser.add_argument("--probe", type=int, help="a seeded sample of the probe set (default: all of it)")
    parser.add_argument("--table", type=Path)
    parser.add_argument("--pipeline", action="store_true", help="score through the whole pipeline (slow)")
    parser.add_argument("--teach", nargs="*", metavar="DOMAIN", help="gemma's labels teach a head on tuned's vectors")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.teach:
        result = teach("gemma", "tuned", args.teach, args.n)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "teach.json.txt").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        return
    measure(args.model, args.n, args.out, args.pipeline, args.probe)


if __name__ == "__main__":
    main()
