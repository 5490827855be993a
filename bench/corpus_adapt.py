"""The fast tier's heads adapted to a corpus (docs/lab/adapt.md): does reading N of a corpus's clauses with the
default's encoder, and refitting the student's two heads on them, close the batch tier's accuracy gap?

Usage: python bench/corpus_adapt.py [--n 0,refit,300,1500] [--rep 10] [--limit 500] [--teacher-examples]

For each real labelled set, the seeded sample `make bench` scores (`--limit` items) is mined as its own corpus with
`--profile batch --no-redact`, as in `make bench`; before that, the two heads of the fast tier (into the tuned
encoder's space, and into the complaint head's) are fitted again on the project texts they were built on plus N
clauses (rules segmenter) of *other* items of the same set, read by the default's encoders, each repeated `--rep`
times. The adaptation sample is drawn from a pool of 3,000 unscored items of the set, so the scored items are
never read by the teacher: what a run that reads ~1-2% of a large corpus would see. The probe (535 items, no pool)
adapts on 5% of its own clauses. N=0: the shipped heads; `refit`: the control. `--teacher-examples` instead
scores the shipped heads with the taxonomy's examples read by the tuned encoder (section 1 of the lab note). Skips
cleanly when ../shared/datasets is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DATASETS, worker_accuracy  # noqa: E402

FILES = {"absa_reviews": "absa_reviews_train", "cfpb": "cfpb_complaints"}  # an item's `dataset` -> its file


def _pool(items: list[dict]) -> tuple[list[str], bool]:
    """Texts of up to 3,000 items of the same set that are not among `items`, and whether the set had such a pool."""
    name = str(items[0].get("dataset", ""))
    path = DATASETS / f"{FILES.get(name, name)}.jsonl"
    if not path.exists():
        return [str(it["text"]) for it in items], False
    scored = {str(it["id"]) for it in items}
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    texts = [str(r["text"]) for r in rows if str(r["id"]) not in scored]
    return [texts[i] for i in np.random.default_rng(1).permutation(len(texts))[:3000]], True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n",
        default="0,refit,300,1500",
        help="clauses read by the teacher per corpus, comma-separated; 0: the shipped heads; refit: the heads fitted "
        "again as the adapted ones are, on the project texts alone (the control)",
    )
    parser.add_argument("--rep", type=int, default=10, help="times each adaptation clause is repeated in the fit")
    parser.add_argument("--limit", type=int, default=500, help="items per labelled set, as make bench")
    parser.add_argument("--teacher-examples", action="store_true", help="examples read by the tuned encoder")
    args = parser.parse_args()
    if not DATASETS.is_dir():
        print(f"skipped: {DATASETS} is absent")
        return
    if args.teacher_examples:
        _teacher_examples(args.limit)
        return
    from miner.embed.registry import get_bundle
    from miner.embed.static import static_vectors
    from miner.eval import run as evaluation
    from miner.segment import get_segmenter
    from miner.train.distill import fit_head
    from miner.train.models import fast
    from miner.train.sources import default_projection_texts, student_texts

    teacher = get_bundle("default")
    student = fast(None).mapping
    model, table = student.model, student.table
    texts = student_texts(default_projection_texts(), model.tokens)
    started = time.perf_counter()
    base_x = static_vectors(model, table, texts)
    base_t = teacher.mapping.embed(texts)
    base_c = teacher.complaint.apply(base_t)  # type: ignore[union-attr]
    print(f"teacher read {len(texts)} project texts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    rules = get_segmenter("rules")
    shipped = evaluation.Evaluator.predict
    results = {}
    for n in [-1 if x == "refit" else int(x) for x in args.n.split(",")]:

        def predict(self, items, n=n, **kw):  # noqa: ANN001, ANN003, ANN202 - Evaluator.predict's own
            self._setup()
            mapping, complaint = self.encoders.mapping, self.encoders.complaint
            mapping.model, complaint.model  # noqa: B018 - loads the shipped heads
            pool, own = _pool(items)
            clauses = list(dict.fromkeys(s.text for segs in rules.segment(pool) for s in segs))
            size = 0 if n < 0 else n if own else max(20, len(clauses) // 20)
            pick = [clauses[i] for i in np.random.default_rng(0).permutation(len(clauses))[:size]]
            x = static_vectors(model, table, pick)
            t = teacher.mapping.embed(pick)
            c = teacher.complaint.apply(t)  # type: ignore[union-attr]
            stack = np.vstack([base_x] + [x] * args.rep)
            mapping._head = fit_head(stack, np.vstack([base_t] + [t] * args.rep), epochs=10)
            complaint._head = fit_head(stack, np.vstack([base_c] + [c] * args.rep), epochs=10)
            return shipped(self, items, **kw)

        evaluation.Evaluator.predict = predict if n else shipped  # type: ignore[method-assign]
        results[n] = worker_accuracy("batch+no-redact", args.limit)
        print(json.dumps({"n": "refit" if n < 0 else n, **results[n]}), flush=True)
    evaluation.Evaluator.predict = shipped  # type: ignore[method-assign]


def _teacher_examples(limit: int) -> None:
    """The shipped batch tier with the mapper's examples, descriptions and `none` examples read by the tuned encoder."""
    from miner.embed.registry import get_bundle
    from miner.touchpoints.mapper import ExampleMapper

    teacher = get_bundle("default").mapping
    shipped = ExampleMapper.fit

    def fit(self):  # noqa: ANN001, ANN202 - ExampleMapper.fit's own
        own, self.embed = self.embed, lambda texts: teacher.embed(list(texts))
        try:
            return shipped(self)
        finally:
            self.embed = own

    ExampleMapper.fit = fit  # type: ignore[method-assign]
    print(json.dumps({"examples": "teacher", **worker_accuracy("batch+no-redact", limit)}), flush=True)
    ExampleMapper.fit = shipped  # type: ignore[method-assign]


if __name__ == "__main__":
    main()
