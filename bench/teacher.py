"""A stronger reader teaching the corpus head, under the transfer protocol and on the probe (docs/lab/teacher.md):
each domain's held-out evaluator mines the same seeded sample once per variant; a variant gives every mapper the
run builds a `Teacher` (miner/touchpoints/teacher.py). The teacher's vectors are cached in `--cache` so variants
and reruns do not read a clause twice; the CPU the teacher spent embedding (cache misses only) and the clauses it
read are printed per domain and variant, so the cost per 1,000 clauses is read from the first run.

    python bench/teacher.py --n 300 --variants base self400 g400 --out /tmp/teacher.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from transfer2 import jobs  # bench/ is the script's folder: on sys.path

# name -> (teacher encoder: "self" is the run's own mapping encoder, or an optional model's name; Teacher options)
VARIANTS: dict[str, tuple[str, dict[str, Any]] | None] = {
    "base": None,
    "self400": ("self", {"sample": 400}),
    "g200": ("gemma", {"sample": 200}),
    "g400": ("gemma", {"sample": 400}),
    "g800": ("gemma", {"sample": 800}),
    "g400w3": ("gemma", {"sample": 400, "weight": 3.0}),
    "g400only": ("gemma", {"sample": 400, "only": True}),
    "g400ungated": ("gemma", {"sample": 400, "ungated": True}),
    "g400cf": ("gemma", {"sample": 400, "crossfit": True}),
    "g400cfw3": ("gemma", {"sample": 400, "crossfit": True, "weight": 3.0}),
    "g400cfungated": ("gemma", {"sample": 400, "crossfit": True, "ungated": True}),
    "self400cf": ("self", {"sample": 400, "crossfit": True}),
    "m400": ("mpnet", {"sample": 400}),
    "m400cf": ("mpnet", {"sample": 400, "crossfit": True}),
    "m400cfw3": ("mpnet", {"sample": 400, "crossfit": True, "weight": 3.0}),
    "m400ungated": ("mpnet", {"sample": 400, "ungated": True}),
    "m400cfungated": ("mpnet", {"sample": 400, "crossfit": True, "ungated": True}),
    "m400only": ("mpnet", {"sample": 400, "only": True}),
    "m400w3": ("mpnet", {"sample": 400, "weight": 3.0}),
}


class Meter:
    """An embed function that counts what it embedded afresh and the CPU that took."""

    def __init__(self, cache: Any) -> None:
        self.cache, self.cpu, self.read = cache, 0.0, 0

    def __call__(self, texts: list[str]) -> Any:
        start = time.process_time()
        out = self.cache.embed(texts)
        if self.cache.misses:
            self.cpu += time.process_time() - start
            self.read += self.cache.misses
        return out


def teacher_embed(name: str, cache_path: Path) -> Meter:
    from miner.embed import EmbeddingCache
    from miner.embed.optional import OptionalEmbedder, optional_model
    from miner.store import open_db

    spec = optional_model(name)
    return Meter(EmbeddingCache(OptionalEmbedder(spec, prompt=spec.prompt), open_db(cache_path)))


def patched(variant: str, meters: dict[str, Meter], cache_path: Path, made: list) -> Any:
    """A context in which every mapper the run builds gets the variant's teacher."""
    from unittest import mock

    from miner.touchpoints import mapper
    from miner.touchpoints.teacher import Teacher

    spec = VARIANTS[variant]
    original = mapper.Mapper.__init__

    def init(self: Any, taxonomy: Any, embed: Any, *args: Any, **kwargs: Any) -> None:
        original(self, taxonomy, embed, *args, **kwargs)
        if spec is None:
            return
        model, options = spec
        if model == "self":
            fn: Any = embed
        else:
            if model not in meters:
                meters[model] = teacher_embed(model, cache_path)
            fn = meters[model]
        self.teacher = Teacher(fn, name=model, **options)
        made.append(self.teacher)

    return mock.patch.object(mapper.Mapper, "__init__", init)


def run(n: int, variants: list[str], probe: bool, only: list[str] | None, seed: int, cache_path: Path) -> dict:
    from miner.eval.transfer import METHOD, accuracy_and_f1

    meters: dict[str, Meter] = {}
    out: dict = {}
    for name, items, make in jobs(n, probe, only, seed):
        ev = make()
        out[name] = {"gold": {str(it["id"]): (it.get("gold") or [None])[0] for it in items}}
        for v in variants:
            start = time.process_time()
            before = {k: (m.cpu, m.read) for k, m in meters.items()}
            made: list = []
            with patched(v, meters, cache_path, made):
                preds = {str(p["id"]): p for p in ev.predict(items, **METHOD)}
            acc, f1 = accuracy_and_f1(items, preds, per_industry=name == "probe")
            cpu = round(time.process_time() - start, 1)
            spent = {k: (round(m.cpu - before.get(k, (0, 0))[0], 1), m.read - before.get(k, (0, 0))[1])
                     for k, m in meters.items()}  # fmt: skip
            labelled = sum(t.read_ for t in made)
            row = {"acc": acc, "f1": f1, "cpu": cpu, "teacher_cpu_read": spent, "teacher_read": labelled}
            out[name][v] = {**row, "pred": {k: p["touchpoint"] for k, p in preds.items()}}
            print(name, v, json.dumps(row), flush=True)
    from selfhead import print_variant_table

    print_variant_table(out, variants)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300, help="items per domain (seeded, as transfer.py samples)")
    parser.add_argument("--no-probe", action="store_true")
    parser.add_argument("--domains", nargs="*", help="substrings of domain names (default: every domain)")
    parser.add_argument("--variants", nargs="+", default=["base", "self400", "g400"], choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (transfer.py's SEED is 0)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/teacher-embeddings.db"), help="teacher vectors")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = run(args.n, args.variants, not args.no_probe, args.domains, args.seed, args.cache)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
