"""Corpus-head variants under the transfer protocol, side by side on the same samples (docs/lab/selfhead.md).

Each domain's held-out evaluator (miner/eval/transfer.py) mines the same seeded sample once per variant; a variant
is a set of `CorpusHead` keyword arguments. The probe is scored with the default taxonomy, per industry.

    python bench/selfhead.py --n 600 --variants off old new
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from statistics import mean
from typing import Any

VARIANTS: dict[str, dict[str, Any]] = {
    "off": {"weight": 0.0},  # no corpus head
    "new": {},  # the shipped defaults
    # the head before selfhead.md: only complaints with a clear lead teach it, classes balanced, one head for all
    "old": {"weight": 0.3, "margin": 0.10, "balanced": True, "folds": 0},
    "margin0": {"weight": 0.3, "margin": 0.0, "balanced": True, "folds": 0},
    "margin0_unbal": {"weight": 0.3, "margin": 0.0, "folds": 0},
    "margin0_w1": {"margin": 0.0, "balanced": True, "folds": 0},
    "margin0_w1_unbal": {"folds": 0},
    "margin0_w1_own": {"balanced": True, "folds": 0, "context": False},
    "m0_w05_unbal": {"weight": 0.5, "folds": 0},
    "m0_w2_unbal": {"weight": 2.0, "folds": 0},
    "m0_w1_unbal_C10": {"C": 10.0, "folds": 0},
    "m0_w1_unbal_own": {"context": False, "folds": 0},
    "m05_w1_unbal": {"margin": 0.05, "folds": 0},
    "experiment": {"weight": 10.0, "context": False, "folds": 0},  # as bench/encoders.py --teach's control
    "experiment_cf5": {"weight": 10.0, "context": False},
    "m0_w1_unbal_own_cf5": {"context": False},
    "new_w05": {"weight": 0.5},
    "new_w2": {"weight": 2.0},
    "new_w03": {"weight": 0.3},
    "new_bal": {"balanced": True},
    "new_bal_w03": {"balanced": True, "weight": 0.3},
    "new_own": {"context": False},
}
DATASETS = Path(os.environ.get("TOUCHPOINTS_DATASETS", "/work/shared/datasets"))


def print_variant_table(out: dict[str, dict[str, Any]], variants: list[str]) -> None:
    """Acc@1 per domain and variant as a markdown table, with the mean of the domains (the probe apart)."""
    print("\n| variant | " + " | ".join(out) + " | mean of domains |")
    for v in variants:
        accs = [out[d][v]["acc"] for d in out if d != "probe"]
        cells = " | ".join(f"{out[d][v]['acc']:.3f}" for d in out)
        print(f"| {v} | {cells} | {mean(accs):.3f} |" if accs else f"| {v} | {cells} | |")


def patched(kwargs: dict[str, Any], log: list[dict]) -> Any:
    """A context that makes every corpus head the run builds take `kwargs`, and records each fitted head."""
    from unittest import mock

    from miner.touchpoints import corpus, mapper

    class Variant(corpus.CorpusHead):
        def __init__(self, n: int, **kw: Any) -> None:
            super().__init__(n, **{**kw, **kwargs})

        def fit(self) -> corpus.CorpusHead:
            out = super().fit()
            shares = self.seen_ / max(self.seen_.sum(), 1)
            log.append({"labels": self.labels_, "fitted": self.fitted, "seen": int(self.seen_.sum()),
                        "agreement": self.agreement_, "top_share": round(float(shares.max()), 3)})  # fmt: skip
            return out

    if kwargs.get("weight") == 0.0:
        return mock.patch.object(mapper.Mapper, "corpus_head", lambda self: None)
    return mock.patch.object(mapper, "CorpusHead", Variant)


def run(n: int, variants: list[str], probe_n: int | None, domains: list[str] | None) -> dict:
    from miner.complaints.detector import load_seeds
    from miner.eval.provenance import load_sentences
    from miner.eval.run import Evaluator, load_items
    from miner.eval.transfer import (
        DOMAINS,
        METHOD,
        PROBE,
        accuracy_and_f1,
        domain_evaluators,
        domain_items,
        held_out,
    )
    from miner.touchpoints import load_taxonomy

    taxonomy, packaged, sentences = load_taxonomy(), load_seeds(), load_sentences()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        for number, domain in enumerate(DOMAINS):
            if not domain.touchpoints or (domains and not any(d in domain.name for d in domains)):
                continue
            h = held_out(domain, taxonomy, packaged, sentences)
            folder = Path(tmp) / str(number)
            folder.mkdir()
            items = domain_items(domain, DATASETS, n)
            jobs.append((domain.name, items, lambda h=h, f=folder: domain_evaluators(h, f)[0]))
        if probe_n != 0:
            items = load_items(PROBE)
            if probe_n:
                import random

                items = random.Random(0).sample(items, probe_n)
            jobs.append(("probe", items, Evaluator))
        for name, items, make in jobs:
            ev = make()
            out[name] = {}
            for v in variants:
                log: list[dict] = []
                start = time.process_time()
                with patched(VARIANTS[v], log):
                    preds = {str(p["id"]): p for p in ev.predict(items, **METHOD)}
                acc, f1 = accuracy_and_f1(items, preds, per_industry=name == "probe")
                out[name][v] = {"acc": acc, "f1": f1, "head": log, "cpu": round(time.process_time() - start, 1)}
                print(name, v, json.dumps(out[name][v]), flush=True)
    print_variant_table(out, variants)
    return out


def loop_check(names: list[str], sample_size: int, variants: list[str]) -> dict:
    """The corrections curve (miner/eval/loop.py) at 0 and 10 corrections per touchpoint, per head variant, on a
    seeded sample of each named domain's complaints (the shipped taxonomy, as the curve uses)."""
    from unittest import mock

    from miner.eval import loop
    from miner.eval.run import Evaluator

    evaluator = Evaluator()
    evaluator._setup()
    data = loop.domains(DATASETS, loop.Path("corpora/probe/cross_industry.jsonl"))
    out: dict = {}
    for name in names:
        picked = loop.sample(data[name], sample_size, seed=0)
        for v in variants:
            log: list[dict] = []
            with patched(VARIANTS[v], log), mock.patch.object(loop, "COUNTS", (0, 10)):
                scores = loop.curve(evaluator, picked, 0)
            out[f"{name}/{v}"] = {k: None if s is None else s.accuracy_at_1 for k, s in scores.items()}
            print(name, v, len(picked), json.dumps(out[f"{name}/{v}"]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="items per domain (seeded, as transfer.py samples)")
    parser.add_argument("--probe", type=int, default=None, help="a seeded sample of the probe (0: leave it out)")
    parser.add_argument("--domains", nargs="*", help="substrings of domain names (default: every domain)")
    parser.add_argument("--variants", nargs="+", default=["off", "old", "new"], choices=list(VARIANTS))
    parser.add_argument("--loop", nargs="*", help="the corrections curve at 0 and 10 per touchpoint on these domains")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.loop:
        result = loop_check(args.loop, args.n, args.variants)
    else:
        result = run(args.n, args.variants, args.probe, args.domains)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
