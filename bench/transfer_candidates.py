"""Mapping candidates for issue 18, measured leave-one-domain-out style: per dev domain and the mean of domains.

Usage: python bench/transfer_candidates.py [--n 200] [--seed 18] [--only NAME,...] [--out results.json]

Domains: ABSA's restaurants and laptops (its `label`), banking (CFPB letters and banking77 queries, half each) and
NHS patient comments; a seeded sample of `n` complaints with gold per domain, mined with the real pipeline
(miner.eval.run.Evaluator, embeddings cached) once per candidate. A candidate is a set of mapper options
(miner/touchpoints/mapper.py). The anchor (plain MiniLM cosine to ../shared/TOUCHPOINTS.md's one-line
descriptions, bench/probe.py) is scored on the same items. The complaint tweets have no touchpoint gold: only how
many of them map to `social_media` or `none` is counted. Read the figures, not the items: nothing here may become
an example or a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
from collections import Counter
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.probe import run_anchor  # noqa: E402
from miner.eval.scoring import score  # noqa: E402

DATA = ROOT.parent.parent / "shared" / "datasets"
if not DATA.exists():
    DATA = Path("/work/shared/datasets")

# name -> mapper options; "plain": the description view reads the plain (pain-point) encoder
CANDIDATES: dict[str, dict] = {
    "default": {},
    "a_normalise": {"normalise": True},
    "b_desc_tuned_0.3": {"description_weight": 0.3, "plain": False},
    "b_desc_tuned_0.5": {"description_weight": 0.5, "plain": False},
    "b_desc_plain_0.2": {"description_weight": 0.2},
    "b_desc_plain_0.35": {"description_weight": 0.35},
    "b_desc_plain_0.5": {"description_weight": 0.5},
    "b_desc_plain_0.7": {"description_weight": 0.7},
    "d_abstain_q0.05": {"abstain_quantile": 0.05},
    "d_abstain_q0.15": {"abstain_quantile": 0.15},
    "c_centre_0.5": {"centre_weight": 0.5},
    "c_centre_1": {"centre_weight": 1.0},
    "d_none_margin_0.03": {"none_margin": 0.03},
    "d_none_margin_0.1": {"none_margin": 0.1},
    "e_head_0": {"corpus_weight": 0.0},
    "winner_a_d": {"normalise": True, "none_margin": 0.1},
    "e_head_0.15": {"corpus_weight": 0.15},
    "e_head_0.6": {"corpus_weight": 0.6},
}


def _read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def domains(n: int, seed: int) -> dict[str, list[dict]]:
    rng = random.Random(seed)

    def pick(items: list[dict], k: int) -> list[dict]:
        items = [it for it in items if it.get("complaint") and it.get("gold")]
        return rng.sample(items, min(k, len(items)))

    absa = _read("absa_reviews_train.jsonl")
    return {
        "restaurants": pick([it for it in absa if it["label"] == "restaurants"], n),
        "laptops": pick([it for it in absa if it["label"] == "laptops"], n),
        "banking": pick(_read("cfpb_complaints.jsonl"), n // 2) + pick(_read("banking77.jsonl"), n - n // 2),
        "nhs": pick(_read("nhs_fft_phase1.jsonl"), n),
    }


def tweets(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return rng.sample([it for it in _read("complaints_tweets.jsonl") if it.get("complaint")], n)


def mapper_for(evaluator: object, options: dict) -> object:
    from miner.embed import EmbeddingCache
    from miner.touchpoints.mapper import get_mapper

    options = dict(options)
    plain = options.pop("plain", True)
    ev = evaluator
    ev._setup()  # type: ignore[attr-defined]
    second = EmbeddingCache(ev.encoders.cluster, ev.cache_db).embed if plain else None  # type: ignore[attr-defined]
    cache = ev.embedder  # type: ignore[attr-defined]
    return get_mapper(
        "examples", ev.taxonomy, cache.embed, corpus_margin=cache.embedder.corpus_margin, second=second, **options
    ).fit()  # type: ignore[attr-defined]


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Imported:
    """A labelled set imported once (segmented and redacted as `mine` does) into a database under `workdir`, so
    each candidate only classifies: the run's classify chain (embed, detect, map, corpus head), without clustering
    or storing, and each item's prediction by miner/eval/predict.py's rule."""

    def __init__(self, evaluator: object, name: str, items: list[dict], workdir: Path) -> None:
        from miner.ingest import ColumnMap
        from miner.store import open_db
        from miner.store.segments import load_segments

        self.items = items
        self.db = open_db(workdir / f"{name}.db")
        if not self.db["segments"].exists() or not self.db["segments"].count:
            source = workdir / f"{name}.jsonl"
            source.write_text(
                "".join(json.dumps({"id": str(it["id"]), "text": str(it["text"])}) + "\n" for it in items),
                encoding="utf-8",
            )
            pipeline = evaluator.pipeline(self.db)  # type: ignore[attr-defined]
            pipeline.import_paths([source], columns=ColumnMap(text="text", id="id"), on_error="skip")
        self.segments = load_segments(self.db)
        self.source = {r["id"]: r["source_id"] for r in self.db["documents"].rows}

    def predict(self, evaluator: object, mapper: object) -> dict[str, dict]:
        from miner.eval.predict import _unmined, item_prediction

        pipeline = evaluator.pipeline(self.db, mapper=mapper)  # type: ignore[attr-defined]
        result, _ = pipeline.classify(self.segments)
        ranked: dict[int, list] = {}
        for row in result.assignment_rows:
            ranked.setdefault(row["segment_id"], []).append((row["touchpoint"], row["score"], row["rank"]))
        clauses: dict[str, list[dict]] = {}
        for seg, row in zip(self.segments, result.segment_rows, strict=True):
            item = str(self.source[seg["document_id"]])
            clauses.setdefault(item, []).append(
                {"complaint": row[1], "complaint_score": row[2], "assignments": ranked.get(seg["id"], [])}
            )
        found = {item: item_prediction(item, rows) for item, rows in clauses.items()}
        return {str(it["id"]): found.get(str(it["id"])) or _unmined(it["id"]) for it in self.items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--tweets", type=int, default=300)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--only", default="")
    parser.add_argument("--anchor", action="store_true", help="score the anchor too")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/transfer-candidates"))
    parser.add_argument("--out", type=Path, default=Path("transfer_candidates.json"))
    args = parser.parse_args()
    from miner.embed import EmbeddingCache
    from miner.eval.run import Evaluator

    args.workdir.mkdir(parents=True, exist_ok=True)
    evaluator = Evaluator()
    evaluator._setup()
    sets = {d: Imported(evaluator, f"{d}-{args.n}-{args.seed}", items, args.workdir)
            for d, items in domains(args.n, args.seed).items()}  # fmt: skip
    tw = Imported(evaluator, f"tweets-{args.tweets}-{args.seed}", tweets(args.tweets, args.seed), args.workdir)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    names = [n for n in args.only.split(",") if n] or list(CANDIDATES)
    if args.anchor:
        plain = EmbeddingCache(evaluator.encoders.cluster, evaluator.cache_db)
        row = {d: score(s.items, run_anchor(s.items, plain)).accuracy_at_1 for d, s in sets.items()}  # type: ignore[arg-type]
        top = Counter(p["touchpoint"] for p in run_anchor(tw.items, plain).values())  # type: ignore[arg-type]
        results["anchor"] = row | {"mean": mean(row.values()), "tweets_social_media": top["social_media"]}
        print("anchor", results["anchor"], flush=True)
    for name in names:
        mapper = mapper_for(evaluator, CANDIDATES[name])
        row, segments = {}, 0
        start = cpu()
        for d, s in sets.items():
            preds = s.predict(evaluator, mapper)
            sc = score(s.items, preds)
            row[d], row[d + "_f1"] = sc.accuracy_at_1, sc.macro_f1
            row[d + "_none"] = round(sum(p["touchpoint"] == "none" for p in preds.values()) / len(preds), 3)
            segments += len(s.segments)
        spent = cpu() - start
        preds = tw.predict(evaluator, mapper)
        flagged = [p for p in preds.values() if p.get("complaint")]
        top = Counter(p["touchpoint"] for p in flagged)
        results[name] = row | {
            "mean": mean(row[d] for d in sets),
            "mean_f1": mean(row[d + "_f1"] for d in sets),
            "cpu_s": round(spent, 1),
            "segments": segments,
            "tweets_complaints": len(flagged),
            "tweets_social_media": top["social_media"],
            "tweets_none": top["none"],
            "options": CANDIDATES[name],
            "n": args.n,
        }
        print(name, json.dumps(results[name]), flush=True)
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
