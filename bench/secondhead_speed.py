"""What the complaint detector's second reading costs (issue 21): `mine` with the default settings (redaction on) on
the first N real airline conversations, once per encoder bundle, each in its own process after the others; then the
encoders alone on the clauses the first run stored.

Usage: python bench/secondhead_speed.py [--n 1000] [--models tuned,twopass] [--out FILE]
       python bench/secondhead_speed.py --alone 1000 [--shared 3]

Per bundle: CPU seconds of the process and the second process it waits for, wall seconds, segments, complaints,
the lowest complaint score, and how many clauses' decisions differ from the first bundle's. `--alone`: CPU seconds
per 1,000 customer turns of the encoders alone: the tuned encoder, the complaint encoder, the complaint head on the
tuned vectors, and `encode_shared` (both encoders, the first `--shared` layers once). The conversations are read
from ../shared/datasets/raw/ and never copied; only counts are printed.
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
# bench/run.py reads ../shared beside the checkout; a worktree's is two levels up
CSV = next(
    p / "datasets" / "raw" / "twcs_airline_conversations.csv"
    for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
    if (p / "datasets").is_dir() or p == ROOT.parent.parent / "shared"
)


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


def turns(n: int) -> list[str]:
    """The first `n` customer turns of the real airline conversations (their first utterance, then their context)."""
    import csv
    import re

    out: list[str] = []
    with CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = f"{row['first_utterance']} {row['context']}"
            out += [t.replace("__company__", "").strip() for t in re.findall(r"<cust__(.*?)__cust>", text, re.S)]
            if len(out) >= n:
                return out[:n]
    return out


def encoders_alone(n: int, shared: int) -> dict:
    """CPU seconds per 1,000 customer turns for each way of reading them (batches of 64, longest first, as the
    embedder sends them). `encode_shared` is timed with a copy of the tuned encoder as its top: its cost does not
    depend on the top layers' weights."""
    import pickle

    from miner.embed import get_bundle
    from miner.train.models import two_pass

    texts = turns(n)
    head = get_bundle("tuned").complaint
    mapping, teacher = head.source, two_pass(None).complaint
    out: dict[str, float | int] = {"turns": len(texts)}
    mapping.embed(texts[:64]), teacher.embed(texts[:64]), head.dim  # models loaded before the clock

    def timed(name: str, fn) -> object:  # noqa: ANN001
        started = cpu()
        result = fn()
        out[name] = round((cpu() - started) * 1000 / len(texts), 2)
        return result

    vectors = timed("tuned encoder", lambda: mapping.embed(texts))
    timed("complaint encoder", lambda: teacher.embed(texts))
    timed("complaint head on the tuned vectors", lambda: head.apply(vectors))
    bottom = mapping.bert()
    if shared and bottom is not None:
        top = pickle.loads(pickle.dumps(bottom))
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [[texts[i] for i in order[s : s + 64]] for s in range(0, len(order), 64)]
        timed(
            f"encode_shared({shared}), both encoders", lambda: [bottom.encode_shared(b, top, shared) for b in batches]
        )
    out["load"] = os.getloadavg()[1]
    return out


def main() -> None:
    import run  # bench/run.py: the first N conversations, as `make bench` reads them

    run.CSV = CSV

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--models", default="tuned,twopass")
    parser.add_argument("--shared", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--one", nargs=3, metavar=("CSV", "MODEL", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--alone", type=int, metavar="TURNS", help="only the encoders alone, on this many turns")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(Path(args.one[0]), args.one[1], Path(args.one[2]))))
        return
    if args.alone:
        print(json.dumps(encoders_alone(args.alone, args.shared)))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = run._limited_csv(args.n, Path(tmp))
        for model in args.models.split(","):
            db_path = Path(tmp) / f"{model}.db"
            cmd = [sys.executable, __file__, "--one", str(csv_path), model, str(db_path)]
            result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
            first = flags(Path(tmp) / f"{results[0]['model']}.db") if results else None
            mine = flags(db_path)
            result["changed"] = sum(mine[k] != v for k, v in first.items()) if first else 0
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
