"""What the complaint detector's second reading costs (issue 21): `mine` with the default settings (redaction on) on
the first N real airline conversations, once per encoder bundle, each in its own process after the others; then the
encoders alone on the clauses the first run stored.

Usage: python bench/secondhead_speed.py [--n 1000] [--models tuned,twopass] [--shared 3] [--out FILE]

Per bundle: CPU seconds of the process and the second process it waits for, wall seconds, segments, complaints,
the corpus's complaint threshold, and how many clauses' decisions differ from the first bundle's. Encoders alone
(one process, clauses in batches of 64 as the embedder sends them, longest first): the tuned encoder, the complaint
encoder, the complaint head on the tuned vectors, and `encode_shared` with a complaint encoder whose first
`--shared` layers are the tuned encoder's (built by bench/secondhead.py's `sharedK` candidate for the default
encoders, if it is in the cache). The conversations are read from ../shared/datasets/raw/ and never copied; only
counts are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def one(csv_path: Path, model: str, db_path: Path) -> dict:
    """Mine `csv_path` into `db_path` with the bundle `model`: what it cost and found."""
    from miner.pipeline import MineOptions, build_pipeline
    from miner.store import open_db

    started = time.perf_counter()
    options = MineOptions(embedding_model=model)
    pipeline = build_pipeline(open_db(db_path), options).fit()
    _, run_id = pipeline.mine([csv_path], columns=options.columns, on_error=options.on_error)
    run = pipeline.db["runs"].get(run_id)
    threshold = pipeline.db.execute(
        "SELECT MIN(complaint_score) FROM segment_results WHERE run_id = ? AND complaint = 1", [run_id]
    ).fetchone()[0]
    return {
        "model": model,
        "wall": time.perf_counter() - started,
        "cpu": cpu(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "segments": run["segments"],
        "complaints": run["complaints"],
        "lowest_complaint_score": threshold,
        "load": os.getloadavg()[1],
    }


def flags(db_path: Path) -> dict[int, int]:
    with sqlite3.connect(db_path) as db:
        return dict(db.execute("SELECT segment_id, complaint FROM segment_results"))


def encoders_alone(db_path: Path, shared: int) -> dict:
    """CPU seconds per 1,000 stored clauses for each way of reading them."""
    import numpy as np

    from miner.embed import get_bundle
    from miner.embed.built import built_path
    from miner.train.models import two_pass

    with sqlite3.connect(db_path) as db:
        texts = [t for (t,) in db.execute("SELECT text FROM segments ORDER BY id")]
    head = get_bundle("tuned").complaint
    mapping, teacher = head.source, two_pass(None).complaint
    batches = [texts[i : i + 64] for i in range(0, len(texts), 64)]
    out: dict[str, float | int] = {"clauses": len(texts)}

    def timed(name: str, fn) -> object:  # noqa: ANN001
        mapping.embed(texts[:64]), teacher.embed(texts[:64])  # models loaded before the clock
        started = cpu()
        result = fn()
        out[name] = round((cpu() - started) * 1000 / len(texts), 2)
        return result

    vectors = timed("tuned", lambda: mapping.embed(texts))
    timed("complaint encoder", lambda: teacher.embed(texts))
    timed("complaint head", lambda: head.apply(np.asarray(vectors)))
    if shared:  # a shared-layer model is named after the folder of the tuned encoder it was trained from
        from miner.embed.bert import load_bert

        bottom = mapping.bert()
        for folder in sorted(built_path(mapping.built_name).parent.glob(f"{mapping.built_name}-complaints-shared-*")):
            top = load_bert(folder)
            if top is not None and bottom is not None:
                both = f"encode_shared({shared}), both"
                timed(both, lambda: [bottom.encode_shared(b, top, shared) for b in batches])  # noqa: B023
                break
    return out


def main() -> None:
    from run import _limited_csv  # bench/run.py: the first N conversations, as `make bench` reads them

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--models", default="tuned,twopass")
    parser.add_argument("--shared", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--one", nargs=3, metavar=("CSV", "MODEL", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--alone", nargs=2, metavar=("DB", "SHARED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(Path(args.one[0]), args.one[1], Path(args.one[2]))))
        return
    if args.alone:
        print(json.dumps(encoders_alone(Path(args.alone[0]), int(args.alone[1]))))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = _limited_csv(args.n, Path(tmp))
        for model in args.models.split(","):
            db_path = Path(tmp) / f"{model}.db"
            cmd = [sys.executable, __file__, "--one", str(csv_path), model, str(db_path)]
            result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
            first = flags(Path(tmp) / f"{results[0]['model']}.db") if results else None
            mine = flags(db_path)
            result["changed"] = sum(mine[k] != v for k, v in first.items()) if first else 0
            results.append(result)
            print(json.dumps(result), flush=True)
        db_path = Path(tmp) / f"{results[0]['model']}.db"
        cmd = [sys.executable, __file__, "--alone", str(db_path), str(args.shared)]
        alone = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        print(json.dumps({"encoders alone, CPU s per 1,000 clauses": alone, "load": os.getloadavg()[1]}), flush=True)
    if args.out:
        args.out.write_text(json.dumps({"runs": results, "alone": alone}, indent=1))


if __name__ == "__main__":
    main()
