"""What the fit diagnostics (miner/touchpoints/fit.py) say on corpora that fit and corpora that do not.

    python bench/fit.py                       # the demo, the probe set, the off-taxonomy corpus, the narrow taxonomy
    python bench/fit.py --datasets 300        # also a 300-item sample (seed 0) of each dev set in ../shared/datasets
    python bench/fit.py --dump fit.npz        # also each corpus's complaint top-two scores, for offline rules

Each corpus is mined as `touchpoints mine` would (spaCy clauses, the default encoders, the corpus head) into a
temporary database, embeddings cached in the eval cache; pain points are not clustered (the fit is read before
them). Prints one line per corpus: its measures and verdict, and accuracy@1 where the corpus has gold labels."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

import numpy as np

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
    if fit.get("reference_margin") and fit.get("median_margin") is not None:
        figures += f" margin/ref={fit['median_margin'] / fit['reference_margin']:.2f}"
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
    parser.add_argument("--seed", type=int, default=0, help="The dev-set samples' seed.")
    parser.add_argument("--dump", type=Path, help="Write each corpus's firsts and top-two scores here (.npz).")
    args = parser.parse_args()
    dumped: dict[str, object] = {}
    if args.dump:
        _record(dumped)
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
            _save(args.dump, dumped, name)
    for name, path, n in labelled:
        if (args.only and name not in args.only) or not path.exists():
            continue
        items = sample(path, n, args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "items.jsonl"
            source.write_text("".join(json.dumps({"id": str(i["id"]), "text": i["text"]}) + "\n" for i in items))
            fit, preds = mine_fit(evaluator, [source], columns=ColumnMap(text="text", id="id"))
        scores = score(items, preds)
        print(line(name, fit, getattr(scores, "accuracy_at_1", None)), flush=True)
        _save(args.dump, dumped, name, getattr(scores, "accuracy_at_1", None))


def _record(dumped: dict) -> None:
    """Keep what `diagnose` reads (and the taxonomy's held-out top two) of the next run in `dumped`."""
    from miner.touchpoints import fit as module

    diagnose, references = module.diagnose, module.mapper_references

    def recording_references(mapper):  # noqa: ANN001, ANN202
        dumped["reference_top2"] = module.held_out_top2(
            np.asarray(mapper.examples_, np.float32), mapper.owners_, mapper.k
        )
        return references(mapper)

    def recording(firsts, top2, *args):  # noqa: ANN001, ANN002, ANN202
        dumped.update(firsts=np.asarray(list(firsts)), top2=np.asarray(top2))
        return diagnose(firsts, top2, *args)

    module.diagnose, module.mapper_references = recording, recording_references


def _save(path: Path | None, dumped: dict, name: str, acc: float | None = None) -> None:
    if path is None or "top2" not in dumped:
        return
    saved = dict(np.load(path, allow_pickle=False)) if path.exists() else {}
    key = name.replace(" ", "_").replace(",", "")
    saved.update({f"{key}/firsts": dumped["firsts"], f"{key}/top2": dumped["top2"],
                  f"{key}/reference_top2": dumped.get("reference_top2", np.zeros((0, 2))),
                  f"{key}/acc": np.array(np.nan if acc is None else acc)})  # fmt: skip
    np.savez(path, **saved)


if __name__ == "__main__":
    main()
