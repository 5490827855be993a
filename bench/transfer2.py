"""Mapping variants under the transfer protocol and on the probe, side by side on the same samples
(docs/lab/transfer2.md): each domain's held-out evaluator (miner/eval/transfer.py) mines the same seeded sample once
per variant; a variant is a set of `Mapper` attributes set after construction. Predictions are written per variant
(`--out`) so confusions can be read afterwards.

    python bench/transfer2.py --n 300 --variants base vote10 vote30 --out /tmp/transfer2.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "vote05": {"cluster_weight": 0.05},
    "vote10": {"cluster_weight": 0.1},
    "vote30": {"cluster_weight": 0.3},
    "vote10_s5": {"cluster_weight": 0.1, "cluster_size": 5},
    "vote30_s5": {"cluster_weight": 0.3, "cluster_size": 5},
    "vote30_s20": {"cluster_weight": 0.3, "cluster_size": 20},
    "desc20": {"description_weight": 0.2},
    "desc10": {"description_weight": 0.1},
    "ctx20": {"context_weight": 0.2},
    "ctx50": {"context_weight": 0.5},
    "fb00": {"fallback_bias": 0.0},
    "fb02": {"fallback_bias": 0.02},
    "fb04": {"fallback_bias": 0.04},
    "fb06": {"fallback_bias": 0.06},
}
DATASETS = Path(os.environ.get("TOUCHPOINTS_DATASETS", "/work/shared/datasets"))


def patched(attrs: dict[str, Any]) -> Any:
    """A context in which every mapper the run builds has `attrs` set after its own construction."""
    from unittest import mock

    from miner.touchpoints import mapper

    original = mapper.Mapper.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        for key, value in attrs.items():
            setattr(self, key, value)

    return mock.patch.object(mapper.Mapper, "__init__", init)


def jobs(n: int, probe: bool, only: list[str] | None, seed: int) -> list[tuple[str, list[dict], Any]]:
    from miner.complaints.detector import load_seeds
    from miner.eval.provenance import load_sentences
    from miner.eval.run import Evaluator, load_items
    from miner.eval.transfer import DOMAINS, PROBE, domain_evaluators, domain_items, held_out
    from miner.touchpoints import load_taxonomy

    taxonomy, packaged, sentences = load_taxonomy(), load_seeds(), load_sentences()
    tmp = Path(tempfile.mkdtemp(prefix="transfer2-"))
    out = []
    for number, domain in enumerate(DOMAINS):
        if not (domain.touchpoints or domain.labels) or (only and not any(d in domain.name for d in only)):
            continue
        h = held_out(domain, taxonomy, packaged, sentences)
        folder = tmp / str(number)
        folder.mkdir()
        items = domain_items(domain, DATASETS, n, seed)
        out.append((domain.name, items, lambda h=h, f=folder: domain_evaluators(h, f)[0]))
    if probe:
        out.append(("probe", load_items(PROBE), Evaluator))
    return out


def run(n: int, variants: list[str], probe: bool, only: list[str] | None, seed: int = 0) -> dict:
    from miner.eval.transfer import METHOD, accuracy_and_f1

    out: dict = {}
    for name, items, make in jobs(n, probe, only, seed):
        ev = make()
        out[name] = {"gold": {str(it["id"]): (it.get("gold") or [None])[0] for it in items}}
        for v in variants:
            start = time.process_time()
            with patched(VARIANTS[v]):
                preds = {str(p["id"]): p for p in ev.predict(items, **METHOD)}
            acc, f1 = accuracy_and_f1(items, preds, per_industry=name == "probe")
            cpu = round(time.process_time() - start, 1)
            # the end-to-end reading: an item with no complaint clause counts as none (miner/eval/predict.py)
            detected = {k: dict(p, touchpoint=p["detected_touchpoint"]) for k, p in preds.items()}
            acc_detected, _ = accuracy_and_f1(items, detected, per_industry=name == "probe")
            out[name][v] = {
                "acc": acc,
                "f1": f1,
                "acc_detected": acc_detected,
                "cpu": cpu,
                "pred": {k: p["touchpoint"] for k, p in preds.items()},
            }
            print(name, v, json.dumps({"acc": acc, "f1": f1, "acc_detected": acc_detected, "cpu": cpu}), flush=True)
    from selfhead import print_variant_table  # bench/ is the script's folder: on sys.path

    print_variant_table(out, variants)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="items per domain (seeded, as transfer.py samples)")
    parser.add_argument("--no-probe", action="store_true")
    parser.add_argument("--domains", nargs="*", help="substrings of domain names (default: every domain)")
    parser.add_argument("--variants", nargs="+", default=["base", "vote10", "vote30"], choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (transfer.py's SEED is 0)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = run(args.n, args.variants, not args.no_probe, args.domains, args.seed)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
