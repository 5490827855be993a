"""One encoder pass per segment (issue 21): complaint detection from the mapping encoder's vectors alone against
today's two heads (the mapping encoder's and the complaint encoder's), side by side on the same seeded samples.

Usage: python bench/onepass.py [--n 300] [--out FILE] [--variants LABEL ...]
       python bench/onepass.py --cpu 300 --models tuned onepass   (CPU seconds of `mine` per model, below)

Each whole text is read directly (no segmentation, redaction, context or corpus head, whose cost and noise hide the
detector's): complaint F1 on the labelled tweets, NHS and ABSA items; accuracy@1 on the complaints with a gold
touchpoint of ABSA, NHS, CFPB (N/3, long letters) and banking77, where a complaint the detector misses counts as
`none` (as in `touchpoints eval`). Samples as bench/encoders.py draws them (seed 18); the labelled sets are read from
../shared/datasets/ and never copied. Vectors come from (and go to) the eval embedding cache.

`--cpu N`: the CPU seconds (this process and its children, so a machine shared with others inflates nothing) of
`mine` on the first N real airline conversations, default settings but `--embedding-model` per model, each into a
fresh database after a 5-conversation warm-up run (models loaded, fit vectors cached), and the stages' wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
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


def cpu_seconds() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu(n: int, models: list[str], workdir: Path) -> dict:
    """CPU seconds of mining the first `n` conversations with each model (see the module docstring)."""
    from encoders import DATA

    from miner.embed import get_embedder
    from miner.pipeline import MineOptions, mine
    from miner.progress import Progress
    from miner.segment import Segmenter
    from miner.store import open_db

    lines = (DATA / "raw" / "twcs_airline_conversations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    segmenter, out = Segmenter(), {}
    for size in (5, n):
        (workdir / f"twcs_{size}.csv").write_text("".join(lines[: size + 1]), encoding="utf-8")
    for model in models:
        embedder = get_embedder(model)
        for size in (5, n):
            start = cpu_seconds()
            db = open_db(workdir / f"{model}-{size}.db")
            _, run_id = mine(db, [workdir / f"twcs_{size}.csv"], MineOptions(embedder=embedder, segmenter=segmenter),
                             progress=Progress())  # fmt: skip
            run = db["runs"].get(run_id)
        out[model] = {"conversations": n, "segments": run["segments"], "complaints": run["complaints"],
                      "cpu_s": cpu_seconds() - start}  # fmt: skip
        print(model, out[model], flush=True)
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
    parser.add_argument("--cpu", type=int, help="CPU seconds of mining this many conversations instead")
    parser.add_argument("--models", nargs="*", default=["tuned", "onepass"])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.cpu:
        with tempfile.TemporaryDirectory() as tmp:
            result = cpu(args.cpu, args.models, Path(tmp))
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        return
    out = run(args.n, args.variants)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(table(out))


if __name__ == "__main__":
    main()
