"""The complaint encoder's second pass, read by every clause (`full`) or only where it may change a decision
(`cascade`, `exact`; miner/complaints/cascade.py), side by side on the first N real airline conversations.

Usage: python bench/cascade.py [--n 1000] [--passes full,cascade] [--out FILE]

Each pass runs `mine` with the default settings (redaction on) into a fresh database, in its own process after
the others (so the models' load is counted alike): its CPU seconds (the process and the second process it waits
for, so a machine shared with others inflates little), the clauses the complaint encoder read, the corpus's
threshold, and how many clauses' complaint decisions differ from the first pass's. The conversations are read
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


def one(csv_path: Path, second_pass: str, db_path: Path) -> dict:
    """Mine `csv_path` into `db_path` with the detector's `second_pass`; what it cost and read."""
    from miner.complaints import cascade
    from miner.pipeline import MineOptions, build_pipeline
    from miner.store import open_db

    scorers: list[cascade.ComplaintScorer] = []
    scores = cascade.ComplaintScorer.scores

    def recorded(self: cascade.ComplaintScorer, *args: object, **kwargs: object) -> object:
        if self not in scorers:
            scorers.append(self)
        return scores(self, *args, **kwargs)  # type: ignore[arg-type]

    cascade.ComplaintScorer.scores = recorded  # type: ignore[assignment, method-assign]
    started = time.perf_counter()
    options = MineOptions()
    pipeline = build_pipeline(open_db(db_path), options).fit()
    pipeline.detector_.second_pass = second_pass
    _, run_id = pipeline.mine([csv_path], columns=options.columns, on_error=options.on_error)
    run = pipeline.db["runs"].get(run_id)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pass": second_pass,
        "wall": time.perf_counter() - started,
        "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
        "segments": run["segments"],
        "complaints": run["complaints"],
        "second_reads": scorers[0].second_reads if scorers else None,
        "threshold": scorers[0].threshold if scorers else None,
        "load": os.getloadavg()[1],
    }


def flags(db_path: Path) -> dict[int, int]:
    with sqlite3.connect(db_path) as db:
        return dict(db.execute("SELECT segment_id, complaint FROM segment_results"))


def main() -> None:
    from run import _limited_csv  # bench/run.py: the first N conversations, as `make bench` reads them

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--passes", default="full,cascade")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--one", nargs=3, metavar=("CSV", "PASS", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(Path(args.one[0]), args.one[1], Path(args.one[2]))))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = _limited_csv(args.n, Path(tmp))
        for second_pass in args.passes.split(","):
            db_path = Path(tmp) / f"{second_pass}.db"
            cmd = [sys.executable, __file__, "--one", str(csv_path), second_pass, str(db_path)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            first = flags(Path(tmp) / f"{results[0]['pass']}.db") if results else None
            mine = flags(db_path)
            result["changed"] = sum(mine[k] != v for k, v in first.items()) if first else 0
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
