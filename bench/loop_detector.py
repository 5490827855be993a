"""Corrections as the complaint detector's seeds: what they buy and what they cost, per domain
(docs/lab/loop.md, "Corrections teach the detector").

Usage: python bench/loop_detector.py [--weight W | --off] [--only DOMAIN ...] [--datasets DIR]

For each domain of `python -m miner.eval.loop` (the same seeded sample and nested draws), 5 and 10 gold complaints
per touchpoint are filed as the taxonomy's corrections and the sample is mined with the real pipeline. Printed per
domain: accuracy@1 / macro-F1 on the complaints no draw took (as the loop scores them), and where the set has
labelled non-complaints (ABSA, NHS), the same sample mined again with 300 of them mixed in, with complaint precision,
recall and F1 over the scored complaints and those 300. `--off` keeps the corrections out of the detector (they still
fit the labelled head), as before 2026-12-04; `--weight` sets `CORRECTION_WEIGHT`. Reads ../shared/datasets and
skips cleanly without it; prints figures only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEGATIVES = 300


def negatives(datasets: Path, name: str) -> list[dict]:
    """The domain's labelled non-complaints (ABSA split by its label), a seeded sample; none for the other sets."""
    from miner.eval import loop
    from miner.eval.run import load_items

    source = {"absa": "absa_reviews_train.jsonl", "nhs": "nhs_fft_phase1.jsonl"}.get(name.split("_")[0])
    if source is None:
        return []
    pool = [it for it in load_items(datasets / source) if it.get("complaint") is False]
    if name.startswith("absa_"):
        pool = [it for it in pool if it.get("label") == name.split("_", 1)[1]]
    return loop.sample(pool, NEGATIVES, 1)


def domain_figures(evaluator: object, name: str, items: list[dict], negs: list[dict]) -> dict:
    from miner.eval import loop
    from miner.eval.scoring import score

    queues = loop.draws(items, 0)
    taken = {str(it["id"]) for it in loop.filed(queues, max(loop.COUNTS))}
    rest = [it for it in items if str(it["id"]) not in taken]
    out = {}
    for k in (5, 10):
        taxonomy = loop.with_corrections(evaluator.taxonomy, loop.filed(queues, k))  # type: ignore[attr-defined]
        s = score(rest, loop.predict(evaluator, items, taxonomy, True))  # type: ignore[arg-type]
        row = {"acc": round(s.accuracy_at_1 or 0, 3), "macro_f1": round(s.macro_f1 or 0, 3)}
        if negs:
            mixed = loop.predict(evaluator, items + negs, taxonomy, True)  # type: ignore[arg-type]
            tp = sum(1 for it in rest if mixed[str(it["id"])]["complaint"])
            fp = sum(1 for it in negs if mixed[str(it["id"])]["complaint"])
            p, r = tp / max(tp + fp, 1), tp / len(rest)
            row.update({"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(p + r, 1e-9), 3)})
        out[str(k)] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--probe", type=Path, default=ROOT / "corpora" / "probe" / "cross_industry.jsonl")
    parser.add_argument("--weight", type=float, help="CORRECTION_WEIGHT (default: the shipped one)")
    parser.add_argument("--off", action="store_true", help="corrections do not teach the detector")
    parser.add_argument("--only", nargs="*", help="these domains only")
    args = parser.parse_args()
    if not args.datasets.is_dir():
        print(f"skipped: {args.datasets} is absent")
        return
    from miner.complaints import detector
    from miner.eval import loop
    from miner.eval.run import Evaluator

    if args.weight is not None:
        detector.CORRECTION_WEIGHT = args.weight
    if args.off:
        fit = detector.ComplaintDetector.fit

        def without_corrections(self: detector.ComplaintDetector) -> detector.ComplaintDetector:
            self.corrections = ()
            return fit(self)

        detector.ComplaintDetector.fit = without_corrections  # type: ignore[method-assign]
    evaluator = Evaluator()
    evaluator._setup()
    for name, items in loop.domains(args.datasets, args.probe).items():
        if args.only and name not in args.only:
            continue
        picked = loop.sample(items, loop.SAMPLE // 2 if name.startswith("cfpb") else loop.SAMPLE, seed=0)
        figures = domain_figures(evaluator, name, picked, negatives(args.datasets, name))
        print(json.dumps({"domain": name, **figures}), flush=True)


if __name__ == "__main__":
    main()
