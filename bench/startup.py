"""Start-up: how long `touchpoints mine` takes to give its first result on a 10-row file, in a fresh process.

    python bench/startup.py                          # 5 runs of this checkout, default profile, a new database each
    python bench/startup.py --runs 3 --rows 10 --profile batch
    python bench/startup.py --tree ../other-checkout  # also another checkout, alternating with this one, side by side

Each run is `python -m miner mine FILE --db NEW.db` in a new process (imports, model loads, a fresh database, the
run, the printed table), on the first `--rows` reviews of the demo corpus. One unmeasured run first fills the
shared fit vectors (~/.cache/touchpoint-miner/fit-embeddings.db), as `touchpoints setup-models` does. Prints wall
and CPU seconds (user + system, from the kernel's accounting of the child) and peak RSS per run and their medians,
with the load average, since wall time on a shared machine says as much about the neighbours as about the code."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "food_delivery" / "reviews.csv"
TARGET_S = 10.0  # issue 21: the first result of a 10-row mine in under 10 s after setup


def sample(rows: int, out: Path) -> Path:
    lines = DEMO.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return out


def run_once(tree: Path, data: Path, db: Path, profile: str) -> dict:
    """One `touchpoints mine` in a fresh process: wall, CPU (user + system) and peak RSS of the child."""
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "miner", "mine", str(data), "--db", str(db), "--profile", profile]
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own CPU and peak RSS
        wall = time.perf_counter() - start
        if (code := os.waitstatus_to_exitcode(status)) != 0:
            err.seek(0)
            raise SystemExit(f"{tree}: touchpoints mine failed ({code}):\n{err.read()[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "rss_mb": round(usage.ru_maxrss / 1024), "load": round(os.getloadavg()[0], 1)}  # fmt: skip


def measure(trees: list[Path], runs: int, rows: int, profile: str) -> dict[str, list[dict]]:
    """`runs` measured runs of each tree, alternating between trees so that they share the machine's load."""
    results: dict[str, list[dict]] = {str(t): [] for t in trees}
    with tempfile.TemporaryDirectory(prefix="touchpoints-startup-") as tmp:
        data = sample(rows, Path(tmp) / f"first{rows}.csv")
        for tree in trees:
            run_once(tree, data, Path(tmp) / f"warm-{len(results[str(tree)])}-{trees.index(tree)}.db", profile)
        for i in range(runs):
            for k, tree in enumerate(trees):
                results[str(tree)].append(run_once(tree, data, Path(tmp) / f"run{i}-{k}.db", profile))
    return results


def summary(results: dict[str, list[dict]], rows: int, profile: str) -> str:
    lines = [f"touchpoints mine on {rows} rows ({profile} profile), a fresh process and database per run; "
             f"target: under {TARGET_S:.0f} s wall on an idle machine"]  # fmt: skip
    for tree, runs in results.items():
        wall = statistics.median(r["wall_s"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        each = ", ".join(f"{r['wall_s']:.1f}/{r['cpu_s']:.1f}" for r in runs)
        loads = ", ".join(f"{r['load']:.1f}" for r in runs)
        lines.append(f"{tree}: median wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {rss} MB "
                     f"(wall/CPU per run: {each}; load average after each: {loads})")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per checkout (default 5)")
    parser.add_argument("--rows", type=int, default=10, help="rows of the demo reviews to mine (default 10)")
    parser.add_argument("--profile", default="default", help="mine's --profile (default: default)")
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="another checkout to measure side by side (repeatable)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    trees = [ROOT, *(t.resolve() for t in args.tree)]
    results = measure(trees, args.runs, args.rows, args.profile)
    print(summary(results, args.rows, args.profile))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
