"""Lab: where the memory bench's peak RSS goes, stage by stage (docs/lab/memory.md).

Usage: python bench/memory_lab.py [--segments N] [--calibration fixed|mixture] [--folds K] [--feed PATH]
       [--embedding-model fast|compact|...]

Mines the memory bench's feed (bench/scale.py `build_feed`) in this process with the fast tier (`--embedding-model`:
another encoder) and prints, per pipeline stage, the RSS when it starts and ends and the highest RSS seen while it
ran (sampled every 0.1 s), then the run's counts and where its highest sampled RSS was. `--calibration fixed` keeps
the complaint threshold at 0.5; `--folds 0` fits one corpus head.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


class StageMemory:
    """A Progress that records, per stage, RSS at start and end, the highest RSS sampled in between, and seconds."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self._high = 0.0
        self._stop = False
        self.last = "start"  # the stage running, or the last one that ended
        self.peak = ("start", 0.0)
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop:
            now = rss_mb()
            self._high = max(self._high, now)
            if now > self.peak[1]:  # the highest RSS of the run, and when (also between stages)
                self.peak = (self.last, now)
            time.sleep(0.1)

    @contextmanager
    def stage(self, name: str, total: int | None = None):  # noqa: ANN201 - a context manager
        start, t0 = rss_mb(), time.perf_counter()
        self._high, self.last = start, name[:30]
        try:
            yield lambda n=1: None
        finally:
            end = rss_mb()
            row = {"stage": name[:30], "start": start, "high": max(self._high, end), "end": end}
            row["seconds"] = time.perf_counter() - t0
            self.rows.append(row)
            self.last = f"after {name[:30]}"
            print(json.dumps(row), file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=200_000)
    parser.add_argument("--calibration", default=None)
    parser.add_argument("--folds", type=int, default=None)
    parser.add_argument("--feed", type=Path, default=None)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--embedding-model", default="fast")
    args = parser.parse_args()
    from scale import _options, build_feed

    import miner.pipeline.classify as classify
    import miner.touchpoints.corpus as corpus

    if args.calibration:
        classify.CALIBRATION = args.calibration  # type: ignore[misc]
    if args.folds is not None:
        defaults = corpus.CorpusHead.__init__.__kwdefaults__
        defaults["folds"] = args.folds
    from miner.pipeline import mine
    from miner.store import open_db

    args.work.mkdir(parents=True, exist_ok=True)
    feed = args.feed or args.work / "feed.csv"
    if not feed.exists():
        build_feed(args.segments, feed)
    db_path = args.work / "memory.db"
    db_path.unlink(missing_ok=True)
    db = open_db(db_path)
    progress = StageMemory()
    t0 = time.perf_counter()
    options = _options(args.embedding_model, "rules")
    print(json.dumps({"stage": "loaded", "rss": rss_mb()}), file=sys.stderr, flush=True)
    _, run_id = mine(db, [feed], options, progress=progress)  # type: ignore[arg-type]
    run = db["runs"].get(run_id)
    out = {
        "seconds": time.perf_counter() - t0,
        "segments": run["segments"],
        "complaints": run["complaints"],
        "peak_mb": rss_mb("VmHWM"),
        "stages": progress.rows,
        "peak_sampled": progress.peak,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
