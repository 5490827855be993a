"""One encoder pass per segment (issue 21): complaint detection from the mapping encoder's vectors alone against
today's two heads (the mapping encoder's and the complaint encoder's), side by side on the same seeded samples.

Usage: python bench/onepass.py [--n 300] [--out FILE]

Each whole text is read directly (no segmentation, redaction, context or corpus head, whose cost and noise hide the
detector's): complaint F1 on the labelled tweets, NHS and ABSA items; accuracy@1 on the complaints with a gold
touchpoint of ABSA, NHS, CFPB (N/3, long letters) and banking77, where a complaint the detector misses counts as
`none` (as in `touchpoints eval`). Samples as bench/encoders.py draws them (seed 18); the labelled sets are read from
../shared/datasets/ and never copied. Vectors come from (and go to) the eval embedding cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from encoders import complaints, labelled  # noqa: E402 - bench/encoders.py, the same seeded samples


def samples(n: int) -> dict[str, list[dict]]:
    return {
        "tweets": labelled("complaints_tweets.jsonl", n),
        "nhs": labelled("nhs_fft_phase1.jsonl", n),
        "absa": labelled("absa_reviews_train.jsonl", n),
        "absa complaints": complaints("absa_reviews_train.jsonl", n),
        "nhs complaints": complaints("nhs_fft_phase1.jsonl", n),
        "cfpb complaints": complaints("cfpb_complaints.jsonl", n // 3),
        "banking77 complaints": complaints("banking77.jsonl", n),
    }


# (label, model, the complaint encoder as a second head?, ComplaintDetector options)
VARIANTS = [
    ("today: tuned + complaint encoder", "tuned", True, {}),
    ("tuned alone", "tuned", False, {}),
    ("onepass (joint recipe)", "onepass", False, {}),
]


def detector(evaluator, second: bool, options: dict):  # noqa: ANN001, ANN201 - an Evaluator; a ComplaintDetector
    """The detector fitted on the packaged seeds and the taxonomy's examples, with or without the second head."""
    from miner.complaints.detector import ComplaintDetector
    from miner.embed import EmbeddingCache

    complaint = EmbeddingCache(evaluator.encoders.complaint, evaluator.cache_db).embed if second else None
    extra = [e for top in evaluator.taxonomy.touchpoints for e in top.all_examples()]
    return ComplaintDetector(evaluator.embedder.embed, extra_complaints=extra, second=complaint, **options).fit()


def run(n: int, variants: list[str] | None = None) -> dict:
    from miner.eval.run import Evaluator
    from miner.eval.scoring import score
    from miner.touchpoints.taxonomy import NONE

    data = samples(n)
    out: dict = {name: {"items": len(items)} for name, items in data.items()}
    for label, model, second, options in VARIANTS:
        if variants and label not in variants:
            continue
        evaluator = Evaluator(embedding_model=model)
        mapper = evaluator.mapper("examples")
        found = detector(evaluator, second, options)
        for name, items in data.items():
            texts = [str(i["text"]) for i in items]
            vectors = evaluator.embedder.embed(texts)
            tops = [a[0].touchpoint for a in mapper.assign(vectors)]  # type: ignore[attr-defined]
            said = found.predict(vectors, None, texts)
            preds = {str(i["id"]): {"touchpoint": top if c else NONE, "complaint": bool(c)}
                     for i, top, c in zip(items, tops, said, strict=True)}  # fmt: skip
            s = score(items, preds)
            figure = s.accuracy_at_1 if name.endswith("complaints") else s.complaint_f1
            out[name][label] = {"figure": figure, "said": float(np.mean(said))}
            print(label, name, out[name][label], flush=True)
    return out


def table(out: dict) -> str:
    variants = [k for k in next(iter(out.values())) if k != "items"]
    lines = ["| set | items | " + " | ".join(variants) + " |", "|---" * (len(variants) + 2) + "|"]
    for name, row in out.items():
        what = "acc@1" if name.endswith("complaints") else "complaint F1"
        cells = " | ".join(f"{row[v]['figure']:.3f}" for v in variants)
        lines.append(f"| {name} ({what}) | {row['items']} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("/tmp/onepass.json"))
    parser.add_argument("--variants", nargs="*", help="labels of VARIANTS to run (default: all)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = run(args.n, args.variants)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(table(out))


if __name__ == "__main__":
    main()
