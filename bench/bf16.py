"""The default encoder in float32 and in bfloat16 (docs/lab/bf16.md): CPU seconds on one thread and how far the
vectors move, on a sample of a feedback file's customer turns and their sentences.

Usage: python bench/bf16.py FILE [N]   (a file `touchpoints mine` reads; N turns drawn with seed 0, default 1,500)
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch

    from miner.embed import get_embedder
    from miner.embed.bert import load_bert, native_bf16
    from miner.ingest import read_paths

    torch.set_num_threads(1)  # as each process of a default `mine` runs it
    folder = Path(get_embedder("default").model_path())
    encoders = {p: load_bert(folder, p) for p in ("fp32", "bf16")}
    turns = [text for _, recs in read_paths([Path(sys.argv[1])]) for r in recs for _, text in r.mined_text()]
    n = min(int(sys.argv[2]) if len(sys.argv) > 2 else 1500, len(turns))
    turns = [turns[i] for i in np.random.default_rng(0).choice(len(turns), n, replace=False)]
    sentences = [s for t in turns for s in re.split(r"(?<=[.!?])\s+", t) if s.strip()]
    print(f"{folder.name}; this CPU has bfloat16 natively: {native_bf16()}")
    for name, texts in (("turns", turns), ("sentences", sentences)):
        vectors, seconds = {}, {}
        for precision in ("fp32", "bf16", "fp32", "bf16"):  # alternated, the second of each timed
            started = time.process_time()
            vectors[precision] = encoders[precision].encode(texts)  # type: ignore[union-attr]
            seconds[precision] = time.process_time() - started
        cos = np.sum(vectors["fp32"] * vectors["bf16"], axis=1)
        print(
            f"{len(texts)} {name}: fp32 {seconds['fp32']:.1f} CPU s, bf16 {seconds['bf16']:.1f} CPU s "
            f"({seconds['fp32'] / seconds['bf16']:.2f}x); cosine fp32-bf16 min {cos.min():.5f}, "
            f"1st percentile {np.percentile(cos, 1):.5f}, mean {cos.mean():.6f}"
        )


if __name__ == "__main__":
    main()
