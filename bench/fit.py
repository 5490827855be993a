"""What the fit diagnostics (miner/touchpoints/fit.py) say on corpora that fit and corpora that do not.

    python bench/fit.py                       # the demo, the probe set, the off-taxonomy corpus, the narrow taxonomy
    python bench/fit.py --datasets 300        # also a 300-item sample (seed 0) of each dev set in ../shared/datasets

Each corpus is mined as `touchpoints mine` would (spaCy clauses, the default encoders, the corpus head) into a
temporary database, embeddings cached in the eval cache; pain points are not clustered (the fit is read before
them). Prints one line per corpus: its measures and verdict, and accuracy@1 where the corpus has gold labels."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
DEV_SETS = ("complaints_tweets", "nhs_fft_phase1", "cfpb_complaints", "absa_reviews_train", "banking77",
            "dstc11_turns", "bitext_support")  # fmt: skip


class NoPainPoints:
    """A clusterer that makes none: the fit does not depend on them and clustering is the slow part."""

    def __init__(self, **_: object) -> None:
        pass

    def fit(self, *_: object) -> list:
        return []


def mine_fit(evaluator, paths: list[Path], taxonomy=None, columns=None) -> tuple[dict, object]:  # noqa: ANN001
    from miner.store import open_db
    from miner.store.runs import find_run, run_fit

    with tempfile.TemporaryDirectory(prefix="touchpoints-fit-") as tmp:
        db = open_db(Path(tmp) / "fit.db")
        p = evaluator.pipeline(db, taxonomy=taxonomy)
        p.clusterer = NoPainPoints
        _, run_id = p.mine(paths, columns=columns, on_error="skip")
        from miner.eval.predict import predictions_of_run

        preds = predictions_of_run(db, run_id)
        fit = run_fit(find_run(db, run_id)) or {}
        db.close()
    return fit, preds


def sample(path: Path, n: int, seed: int = 0) -> list[dict]:
    items = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    random.Random(seed).shuffle(items)
    return items[:n]


def line(name: str, fit: dict, acc: float | None = None) -> str:
    ratio = fit["median_best"] / fit["reference"] if fit.get("reference") and fit.get("median_best") else None
    figures = (
        f"n={fit['complaints']:4d} none={fit['none_share']:.2f} margin={fit['median_margin'] or 0:.3f} "
        f"top={fit['top_share']:.2f} ({fit['top_touchpoint']}) best={fit['median_best'] or 0:.3f} "
        f"ref={fit['reference'] or 0:.3f} ratio={ratio or 0:.2f}"
    )
    tail = f" acc@1={acc:.3f}" if acc is not None else ""
    return f"{name:<28} {figures} -> {fit['verdict']}{tail}"


def main() -> None:
    from miner.eval.run import Evaluator
    from miner.eval.scoring import score
    from miner.ingest import ColumnMap
    from miner.touchpoints import load_taxonomy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=0, help="Also a sample of this many items of each dev set.")
    parser.add_argument("--only", nargs="*", help="Only these corpora (names as printed).")
    parser.add_argument("--data", type=Path, default=DATASETS, help="The dev sets' folder.")
    args = parser.parse_args()
    evaluator = Evaluator()
    narrow = load_taxonomy(ROOT / "corpora/off_taxonomy/hotel_spa_taxonomy.yaml")
    demo = sorted(p for p in (ROOT / "corpora/food_delivery").iterdir() if p.suffix != ".md")
    cases = [
        ("demo food_delivery", lambda: mine_fit(evaluator, demo)),
        ("off-taxonomy corpus", lambda: mine_fit(evaluator, [ROOT / "corpora/off_taxonomy/complaints.csv"])),
        ("demo, hotel-spa taxonomy", lambda: mine_fit(evaluator, demo, taxonomy=narrow)),
    ]
    labelled = [("probe cross_industry", ROOT / "corpora/probe/cross_industry.jsonl", 10_000)]
    if args.datasets:
        labelled += [(name, args.data / f"{name}.jsonl", args.datasets) for name in DEV_SETS]
    for name, run in cases:
        if not args.only or name in args.only:
            fit, _ = run()
            print(line(name, fit), flush=True)
    for name, path, n in labelled:
        if (args.only and name not in args.only) or not path.exists():
            continue
        items = sample(path, n)
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "items.jsonl"
            source.write_text("".join(json.dumps({"id": str(i["id"]), "text": i["text"]}) + "\n" for i in items))
            fit, preds = mine_fit(evaluator, [source], columns=ColumnMap(text="text", id="id"))
        scores = score(items, preds)
        print(line(name, fit, getattr(scores, "accuracy_at_1", None)), flush=True)


if __name__ == "__main__":
    main()
