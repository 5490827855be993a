"""Would re-reading the batch tier's least sure items with the default close its accuracy gap (docs/lab/adapt.md,
section 4)? An offline upper bound: both profiles' predictions on `make bench`'s items (500 seeded items per real
set, the whole probe); the k% of items with the smallest batch `lead` take the default's prediction.

Usage: python bench/batch_cascade.py   (skips when ../shared/datasets is absent)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    import numpy as np
    import run as B  # bench/run.py: the bench's items, profiles and accuracy reading

    from miner.eval.run import Evaluator, load_items, sample_items
    from miner.eval.transfer import by_industry, mean_of_domains

    if not B.DATASETS.exists():
        print(f"skipped: {B.DATASETS} is absent")
        return
    preds = {}
    for prof in ("default", "batch+no-redact"):
        p = B._profile(prof)
        ev = Evaluator(embedding_model=p.embedding_model, segmenter=p.segmenter, redact_pii=p.redact)
        sets = {}
        for name in B.REAL:
            items = sample_items(B.DATASETS / f"{name}.jsonl", 500)
            sets[name] = (items, {str(x["id"]): x for x in ev.predict(items, mapper="examples", segment=True)})
        probe = load_items(B.PROBE)
        sets["probe"] = (probe, {str(x["id"]): x for x in ev.predict(probe, mapper="examples", segment=True)})
        preds[prof] = sets
        print(prof, "done", flush=True)
    for k in (0, 10, 20, 30, 40, 50, 100):
        real, probe_score = [], 0.0
        for name in B.REAL + ("probe",):
            items, fast = preds["batch+no-redact"][name]
            _, dflt = preds["default"][name]
            leads = np.array([fast[str(i["id"])]["lead"] for i in items])
            cut = np.percentile(leads, k) if k else -1
            merged = {
                str(i["id"]): (dflt if k and fast[str(i["id"])]["lead"] <= cut else fast)[str(i["id"])] for i in items
            }
            if name == "probe":
                probe_score = mean_of_domains(by_industry(items, merged), "accuracy_at_1")
            else:
                real.append((items, merged))
        print(f"k={k}%: real sets {mean_of_domains(real, 'accuracy_at_1'):.3f}, probe {probe_score:.3f}", flush=True)


if __name__ == "__main__":
    main()
