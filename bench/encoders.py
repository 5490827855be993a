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


def sets(n: int) -> dict[str, list[dict]]:
    return {
        "absa": complaints("absa_reviews_train.jsonl", n),
        "cfpb": complaints("cfpb_complaints.jsonl", n // 3),
        "nhs": complaints("nhs_fft_phase1.jsonl", n),
        "banking77": complaints("banking77.jsonl", n),
        "tweets (complaint F1)": labelled("complaints_tweets.jsonl", n),
        "nhs (complaint F1)": labelled("nhs_fft_phase1.jsonl", n),
        "probe": read(PROBE),
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


def measure(model: str, n: int, out: Path) -> None:
    from miner.eval.run import Evaluator

    data = sets(n)
    probe_texts = [str(i["text"]) for i in data["probe"]][:200]
    result: dict = {"model": model, "n": n, "speed": speed(model, probe_texts), "sets": {}}
    evaluator = Evaluator(embedding_model=model)
    for name, items in data.items():
        start = time.process_time()
        scores, _ = evaluator.evaluate(items)
        result["sets"][name] = {
            "items": len(items),
            "accuracy_at_1": scores.accuracy_at_1,
            "macro_f1": scores.macro_f1,
            "complaint_f1": scores.complaint_f1,
            "cpu_s": time.process_time() - start,
        }
        print(model, name, result["sets"][name], flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{model.replace(':', '_')}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


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
    parser.add_argument("--table", type=Path)
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    measure(args.model, args.n, args.out)


if __name__ == "__main__":
    main()
