"""Complaint-detector candidates for issue 18, leave-one-domain-out: per dev domain, the detector's recall,
precision and F1 against the items' `complaint`, and the accuracy@1 the run reaches with it.

Usage: python bench/detector_lab.py [--n 300] [--seed 0] [--only restaurants,banking] [--out results.json]

Each domain (miner/eval/transfer.py DOMAINS) is read with its held-out taxonomy, seeds and encoder, imported once
into a temporary database (redaction and clauses as `mine` does), and classified once per candidate with
`miner.pipeline.classify.classify` (embeddings cached): a candidate changes only which clauses count as
complaints. Items are predicted by the rule of miner/eval/predict.py. Read the figures, not the items.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner.eval.predict import item_prediction  # noqa: E402
from miner.eval.scoring import score  # noqa: E402

DATA = Path("/work/shared/datasets")

# name -> detector attributes set before classify (the detector is restored after each); all but calib_mixture
# on the fixed threshold, the one before calibration
CANDIDATES: dict[str, dict] = {
    "fixed_0.5": {"calibration": "fixed"},
    "fixed_0.45": {"calibration": "fixed", "threshold": 0.45},
    "fixed_0.4": {"calibration": "fixed", "threshold": 0.4},
    "fixed_0.35": {"calibration": "fixed", "threshold": 0.35},
    "fixed_0.3": {"calibration": "fixed", "threshold": 0.3},
    "vote_0.25": {"calibration": "fixed", "neighbour_weight": 0.25},
    "vote_0": {"calibration": "fixed", "neighbour_weight": 0.0},
    "calib_mixture": {"calibration": "mixture"},
    "vote_0.75": {"calibration": "fixed", "neighbour_weight": 0.75},
    "vote_k10": {"calibration": "fixed", "neighbours": 10},
    "vote_temp_0.1": {"calibration": "fixed", "neighbour_temperature": 0.1},
    "second_0.25": {"calibration": "fixed", "second_weight": 0.25},
    "second_0.75": {"calibration": "fixed", "second_weight": 0.75},
    "C_0.3": {"calibration": "fixed", "C": 0.3},
    "C_3": {"calibration": "fixed", "C": 3.0},
    "extra_0": {"calibration": "fixed", "extra_weight": 0.0},
    "extra_0.15": {"calibration": "fixed", "extra_weight": 0.15},
    "no_second": {"second": None},  # the first head and its vote alone: what the complaint encoder is worth
    # which clauses the complaint encoder reads (miner/complaints/cascade.py); `_sample`: its sample's size, small
    # here so that the 300-item sets have clauses left to skip
    "pass_full": {"second_pass": "full"},
    "pass_exact": {"second_pass": "exact"},
    "pass_cascade": {"second_pass": "cascade"},
    "exact_s200": {"second_pass": "exact", "_sample": 200},
    "cascade_s200": {"second_pass": "cascade", "_sample": 200},
    "cascade_s400": {"second_pass": "cascade", "_sample": 400},
}
REFIT = {"C", "extra_weight"}  # attributes the heads are fitted with


def segments_of(pipeline: object, items: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """Import the items into the pipeline's database; its segments and each document's item id (row number)."""
    from miner.ingest import ColumnMap
    from miner.store.segments import load_segments

    db = pipeline.db  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "items.jsonl"
        with source.open("w", encoding="utf-8") as fh:
            for row, item in enumerate(items):
                fh.write(json.dumps({"id": str(row), "text": str(item["text"])}) + "\n")
        pipeline.import_paths([source], columns=ColumnMap(text="text", id="id"), on_error="skip")  # type: ignore[attr-defined]
    docs = {r["id"]: str(r["source_id"]) for r in db.query("SELECT id, source_id FROM documents")}
    return load_segments(db), docs


def predictions(segments: list[dict], docs: dict[str, str], result: object, items: list[dict]) -> dict[str, dict]:
    """Item predictions from a `Classified`, as predict.py reads them from the database."""
    assigned: dict[int, list[tuple]] = {}
    for a in result.assignment_rows:  # type: ignore[attr-defined]
        assigned.setdefault(a["segment_id"], []).append((a["touchpoint"], a["score"], a["rank"]))
    by_id = {s["id"]: s for s in segments}
    clauses: dict[str, list[dict]] = {}
    for seg_id, complaint, cscore, _, _ in result.segment_rows:  # type: ignore[attr-defined]
        item = docs[by_id[seg_id]["document_id"]]
        rows = sorted(assigned.get(seg_id, []), key=lambda r: r[2])
        clauses.setdefault(item, []).append(
            {"complaint": complaint, "complaint_score": cscore, "assignments": rows if complaint else []}
        )
    out = {}
    for row, it in enumerate(items):
        rows = clauses.get(str(row))
        pred = item_prediction(str(row), rows) if rows else {"touchpoint": "none", "complaint": False}
        out[str(it["id"])] = dict(pred, id=str(it["id"]))
    return out


def detection(items: list[dict], preds: dict[str, dict]) -> dict[str, float | None]:
    tp = fp = fn = 0
    for it in items:
        if it.get("complaint") is None:
            continue
        p, g = bool(preds[str(it["id"])]["complaint"]), bool(it["complaint"])
        tp, fp, fn = tp + (p and g), fp + (p and not g), fn + (g and not p)
    recall = tp / (tp + fn) if tp + fn else None
    precision = tp / (tp + fp) if tp + fp else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fn else None
    return {"recall": recall, "precision": precision, "f1": f1}


def run_domain(domain: object, n: int, seed: int, candidates: dict[str, dict], log: Callable) -> dict:
    from miner.complaints import cascade
    from miner.complaints.detector import load_seeds
    from miner.eval.provenance import load_sentences
    from miner.eval.run import load_items
    from miner.eval.transfer import (
        PROBE,
        by_industry,
        domain_evaluators,
        domain_items,
        held_out,
        mean_of_domains,
    )
    from miner.pipeline.classify import classify
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy

    probe = domain.name == "probe"  # type: ignore[attr-defined]
    items = load_items(PROBE) if probe else domain_items(domain, DATA, n, seed)  # type: ignore[arg-type]
    h = held_out(domain, load_taxonomy(), load_seeds(), load_sentences())  # type: ignore[arg-type]
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ours, _ = domain_evaluators(h, Path(tmp))
        db = open_db(Path(tmp) / "lab.db")
        pipeline = ours.pipeline(db)
        segments, docs = segments_of(pipeline, items)
        pipeline.fit()
        detector = pipeline.detector_
        saved = dict(vars(detector))
        for name, attrs in candidates.items():
            started = time.process_time()
            cascade.SAMPLE = attrs.get("_sample", 2_000)
            for k, v in attrs.items():
                if not k.startswith("_"):
                    setattr(detector, k, v)
            if REFIT & set(attrs):
                detector.fit()
            result, _ = classify(segments, pipeline.cache, detector, pipeline.mapper_)
            flags = [r[1] for r in result.segment_rows]
            preds = predictions(segments, docs, result, items)
            s = score(items, preds)
            d = detection(items, preds)
            out[name] = {"acc1": s.accuracy_at_1, "macro_f1": s.macro_f1, **d}
            out[name]["threshold"] = result.complaint_threshold
            out[name]["second_reads"] = result.second_reads
            out[name]["clauses"] = len(flags)
            out[name]["changed"] = sum(a != b for a, b in zip(flags, out.get("_flags", flags), strict=True))
            if probe:  # the mean of its industries, as make eval reports it
                out[name]["acc1"] = mean_of_domains(by_industry(items, preds), "accuracy_at_1")
            if name == next(iter(candidates)):  # the clause scores of the first candidate, for offline rules
                out["_scores"] = _clause_scores(segments, docs, result, items)
                out["_flags"] = flags  # and its decisions, which later candidates count their changes against
            log(f"  {name:16s} t {result.complaint_threshold:.2f} acc@1 {_f(out[name]['acc1'])} recall "
                f"{_f(d['recall'])} precision {_f(d['precision'])} F1 {_f(d['f1'])} second reads "
                f"{result.second_reads}/{len(flags)} changed {out[name]['changed']} "
                f"({time.process_time() - started:.0f} s CPU)")  # fmt: skip
            vars(detector).clear()
            vars(detector).update(saved)
        db.close()
    return out


def _clause_scores(segments: list[dict], docs: dict[str, str], result: object, items: list[dict]) -> list:
    """Per item: its gold `complaint` and its clauses' complaint scores (no text)."""
    by_id = {s["id"]: s for s in segments}
    scores: dict[str, list[float]] = {}
    for seg_id, _, cscore, _, _ in result.segment_rows:  # type: ignore[attr-defined]
        scores.setdefault(docs[by_id[seg_id]["document_id"]], []).append(cscore)
    return [[it.get("complaint"), scores.get(str(row), [])] for row, it in enumerate(items)]


def _f(x: float | None) -> str:
    return "  –  " if x is None else f"{x:.3f}"


def main() -> None:
    from miner.eval.transfer import DOMAINS, Domain

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="domains whose name contains one of these, comma-separated")
    parser.add_argument("--candidates", default="", help="candidate names, comma-separated (default: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    wanted = [w for w in args.only.split(",") if w]
    names = [c for c in args.candidates.split(",") if c] or list(CANDIDATES)
    candidates = {name: CANDIDATES[name] for name in names}
    results = {}
    for domain in (*DOMAINS, Domain("probe", ())):
        if wanted and not any(w in domain.name for w in wanted):
            continue
        print(domain.name, flush=True)
        results[domain.name] = run_domain(domain, args.n, args.seed, candidates, lambda m: print(m, flush=True))
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
