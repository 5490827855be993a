"""Cheaper second reads for the complaint detector (issue 21), leave-one-domain-out: per dev domain, the tweets and the
probe, the detector with the complaint encoder reading every clause (`twopass`) against candidates that reuse the
tuned encoder's pass.

Usage: python bench/secondhead.py [--n 300] [--seed 0] [--only restaurants] [--candidates twopass,head,shared3]
                                  [--out results.json]

- `head`: the complaint head (miner/embed/head.py; miner/train/recipes.py `fit_complaint_head`), an MLP from the
  tuned encoder's vectors to the complaint encoder's, fitted on project-written texts (the held-out encoders'
  training texts, the demo corpus' clauses, and their variants); as the transfer protocol builds it.
- `sharedK`: the complaint recipe retrained from the held-out tuned encoder with its first K layers frozen
  (miner/train/recipes.py `tune_complaints_shared`), on the held-out seeds.

Each domain's encoders are the held-out ones of the transfer protocol (miner/eval/transfer.py). The detector is
refitted per candidate; items are predicted by miner/eval/predict.py's rule. Only figures are printed.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from detector_lab import DATA, _f, detection, predictions, segments_of  # noqa: E402


def shared_second(cache: object, mapping: object, training: tuple, frozen: int):  # noqa: ANN001, ANN201
    from miner.embed import EmbeddingCache
    from miner.train.models import unrecorded
    from miner.train.recipes import SHARED_RECIPE, Recipe, tune_complaints_shared

    recipe = Recipe("complaints-shared", {**SHARED_RECIPE, "frozen": frozen}, functools.partial(
        tune_complaints_shared, frozen=frozen))  # fmt: skip
    model = unrecorded(recipe, training, base=mapping._model_path())  # type: ignore[attr-defined]
    return EmbeddingCache(model, cache.db).embed  # type: ignore[attr-defined]


class HeadVariants:
    """Other fits of the domain's complaint head on the texts its build read (its training texts and the demo
    corpus' clauses), for the head's spread: `seedS` (fit_head's seed S), `dropK` (seed 0 without K of the texts,
    chosen at random), `ensK` (the average of the heads of seeds 0..K-1, one MLP of K times the hidden units),
    `ensK+J` (the same from seed J), `ensK-dropD` (the average of K heads on the texts without D of them)."""

    def __init__(self, h: object, cache: object, head: object) -> None:
        from miner.embed import EmbeddingCache
        from miner.train.sources import (
            complaint_training_set,
            default_complaint_training,
            head_texts,
            touchpoint_training_set,
        )

        touchpoints = touchpoint_training_set(h.taxonomy, h.not_complaints)  # type: ignore[attr-defined]
        dropped = h.dropped_seeds  # type: ignore[attr-defined]
        complaints = complaint_training_set(h.complaints, h.not_complaints) if dropped else None  # type: ignore[attr-defined]
        self.texts = head_texts(touchpoints, complaints or default_complaint_training())
        self.x = cache.embed(self.texts)  # type: ignore[attr-defined]
        self.y = EmbeddingCache(head.teacher, cache.db).embed(self.texts)  # type: ignore[attr-defined]
        self.built = head.head  # type: ignore[attr-defined]
        self._fits: dict[tuple[int, int], dict] = {}

    def fit(self, seed: int, drop: int = 0, hidden: int = 0) -> dict:
        from miner.train.distill import fit_head
        from miner.train.recipes import HEAD_RECIPE

        hidden = hidden or HEAD_RECIPE["hidden"]
        if (seed, drop, hidden) not in self._fits:
            keep = np.ones(len(self.texts), dtype=bool)
            if drop:
                keep[np.random.default_rng(12345).choice(len(self.texts), drop, replace=False)] = False
            self._fits[seed, drop, hidden] = fit_head(
                self.x[keep], self.y[keep], hidden=hidden, epochs=HEAD_RECIPE["epochs"], seed=seed
            )
        return self._fits[seed, drop, hidden]

    def get(self, name: str) -> dict:
        if name.startswith("seed"):
            return self.fit(int(name.removeprefix("seed")))
        if name.startswith("drop"):
            return self.fit(0, int(name.removeprefix("drop")))
        name, _, hidden = name.partition("h")  # `ens5h128`: each fit of 128 hidden units
        spec, _, drop = name.removeprefix("ens").partition("-drop")
        k, _, start = spec.partition("+")
        fits = [self.fit(int(start or 0) + i, int(drop or 0), int(hidden or 0)) for i in range(int(k))]
        return average_heads(fits)


def average_heads(heads: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """One head whose output is the mean of `heads`' outputs (before normalising): their linear parts averaged,
    their hidden units side by side, each unit's outgoing weights divided by their number. `HeadEmbedder` reads it
    as any head."""
    return {
        "W": np.mean([h["W"] for h in heads], axis=0),
        "A": np.hstack([h["A"] for h in heads]),
        "a": np.hstack([h["a"] for h in heads]),
        "B": np.vstack([h["B"] for h in heads]) / len(heads),
    }


def run_domain(domain: object, n: int, seed: int, candidates: list[str], log) -> dict:  # noqa: ANN001
    from miner.complaints.detector import load_seeds
    from miner.embed import EmbeddingCache
    from miner.eval.provenance import load_sentences
    from miner.eval.run import load_items
    from miner.eval.scoring import score
    from miner.eval.transfer import PROBE, by_industry, domain_evaluators, domain_items, held_out, mean_of_domains
    from miner.pipeline.classify import classify
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy
    from miner.train.sources import complaint_training_set

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
        detector, cache = pipeline.detector_, pipeline.cache
        mapping = pipeline.encoders.mapping
        saved = dict(vars(detector))
        head = pipeline.encoders.complaint
        heads = HeadVariants(h, cache, head)
        for name in candidates:
            started = time.process_time()
            if name.startswith(("seed", "drop", "ens")):
                head._head = heads.get(name)  # the detector reads the head through `head.apply`
                detector.fit()
            elif name == "twopass":
                detector.second = EmbeddingCache(head.teacher, cache.db).embed
            elif name.startswith("shared"):
                training = complaint_training_set(h.complaints, h.not_complaints)
                detector.second = shared_second(cache, mapping, training, int(name.removeprefix("shared")))
            if name != "head" and not name.startswith(("seed", "drop", "ens")):
                detector.fit()
            result, _ = classify(segments, cache, detector, pipeline.mapper_)
            preds = predictions(segments, docs, result, items)
            s, d = score(items, preds), detection(items, preds)
            out[name] = {"acc1": s.accuracy_at_1, "macro_f1": s.macro_f1, **d, "threshold": result.complaint_threshold}
            out[name]["preds"] = preds  # for the paired interval (`--compare`)
            if probe:
                out[name]["acc1"] = mean_of_domains(by_industry(items, preds), "accuracy_at_1")
            log(f"  {name:10s} t {result.complaint_threshold:.2f} acc@1 {_f(out[name]['acc1'])} recall "
                f"{_f(d['recall'])} precision {_f(d['precision'])} F1 {_f(d['f1'])} "
                f"({time.process_time() - started:.0f} s CPU)")  # fmt: skip
            vars(detector).clear()
            vars(detector).update(saved)
            head._head = heads.built
        db.close()
    return out


def compare(files: list[Path], a: str, b: str, n: int, seed: int, resamples: int = 1000) -> None:
    """Paired bootstrap of `b` less `a` from saved results: the mean of the touchpoint domains' acc@1 (each domain's
    items drawn with replacement on their own, both candidates on the same draws) and each set's complaint F1."""
    from miner.eval.run import load_items
    from miner.eval.scoring import counts, figures
    from miner.eval.transfer import DOMAINS, PROBE, by_industry, domain_items

    results: dict[str, dict] = {}
    for f in files:
        results.update(json.loads(f.read_text()))
    rng = np.random.default_rng(seed)
    acc: list[np.ndarray] = []
    for domain in DOMAINS:
        if domain.name not in results:
            continue
        items = domain_items(domain, DATA, n, seed)
        size = len(items)
        weights = np.stack([np.bincount(rng.integers(0, size, size), minlength=size) for _ in range(resamples)])
        ours = [figures(counts(items, results[domain.name][c]["preds"]), weights.astype(float)) for c in (a, b)]
        figure = "accuracy_at_1" if domain.touchpoints else "complaint_f1"
        diff = ours[1][figure] - ours[0][figure]
        if domain.touchpoints:
            acc.append(diff)
        low, high = np.nanpercentile(diff, [2.5, 97.5])
        print(f"{domain.name:30s} {figure} {b} - {a}: {np.nanmean(diff):+.3f} [{low:+.3f}, {high:+.3f}]")
    if acc:
        mean = np.nanmean(np.stack(acc), axis=0)
        low, high = np.nanpercentile(mean, [2.5, 97.5])
        print(f"{'mean of ' + str(len(acc)) + ' domains':30s} accuracy_at_1 {b} - {a}: {np.nanmean(mean):+.3f} "
              f"[{low:+.3f}, {high:+.3f}]")  # fmt: skip
    if "probe" in results:  # the mean of its industries, each industry drawn on its own
        items = load_items(PROBE)
        per = []
        for group, _ in by_industry(items, {}):
            size = len(group)
            weights = np.stack([np.bincount(rng.integers(0, size, size), minlength=size) for _ in range(resamples)])
            ours = [figures(counts(group, results["probe"][c]["preds"]), weights.astype(float)) for c in (a, b)]
            per.append(ours[1]["accuracy_at_1"] - ours[0]["accuracy_at_1"])
        mean = np.nanmean(np.stack(per), axis=0)
        low, high = np.nanpercentile(mean, [2.5, 97.5])
        print(f"{'probe, mean of industries':30s} accuracy_at_1 {b} - {a}: {np.nanmean(mean):+.3f} "
              f"[{low:+.3f}, {high:+.3f}]")  # fmt: skip


def main() -> None:
    from miner.eval.transfer import DOMAINS, Domain

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="domains whose name contains one of these, comma-separated")
    parser.add_argument("--candidates", default="twopass,head,shared3")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs="+", type=Path, help="result files: print paired intervals, run nothing")
    parser.add_argument("--pair", default="twopass,head", help="the two candidates --compare sets side by side")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, *args.pair.split(","), args.n, args.seed)
        return
    wanted = [w for w in args.only.split(",") if w]
    results = {}
    for domain in (*DOMAINS, Domain("probe", ())):
        if wanted and not any(w in domain.name for w in wanted):
            continue
        print(domain.name, flush=True)
        results[domain.name] = run_domain(domain, args.n, args.seed, args.candidates.split(","), print)
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
