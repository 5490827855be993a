"""`make bench-scale`: the nightly incremental batch and peak memory at a million segments.

Usage: python bench/scale.py nightly [--base N] [--batch N] [--embedding-model fast] [--segmenter rules] [--no-redact]
       python bench/scale.py memory [--segments N] [--embedding-model fast] [--segmenter rules]

- nightly: mines the first --base airline conversations (a full run), then the next --batch conversations
  with `--incremental` (no refit) and times that second run once the models are loaded (the embedder and the
  segmenter are warmed up first, as in a long-lived batch worker). It checks that no pain point id changed.
  Both runs redact PII (the issue 21 target is with redaction on) unless --no-redact.
- memory: builds a feedback file of about --segments segments by joining customer turns of different airline
  conversations at random (fixed seed), mines it end to end in a fresh process and reports the peak RSS.

Both read ../shared/datasets/raw/twcs_airline_conversations.csv and skip cleanly when it is absent; both write
their table into docs/performance.md between their own markers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import CSV, ROOT, _peak_rss_mb, _TimingProgress, _write  # noqa: E402


def _options(model: str, segmenter: str, *, redact: bool = False):  # noqa: ANN202 - lazily imported type
    from miner.embed import get_embedder
    from miner.pipeline import MineOptions
    from miner.segment import get_segmenter
    from miner.segment.pii import default_redactor

    embedder, seg = get_embedder(model), get_segmenter(segmenter)
    embedder.embed(["warm up the embedding model"])
    list(seg.segment(["Warm up the segmenter, and load its pipeline."]))
    if redact:
        default_redactor().spans(["Warm up the name finder, Sarah."])
    return MineOptions(embedder=embedder, segmenter=seg, redact_pii=redact)


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the import's second process)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _slice(rows: list[list[str]], header: list[str], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def nightly(args: argparse.Namespace, work: Path) -> dict:
    from miner.pipeline import mine
    from miner.store import open_db

    with CSV.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for _, row in zip(range(args.base + args.batch), reader, strict=False)]
    day1 = _slice(rows[: args.base], header, work / "day1.csv")
    day2 = _slice(rows[args.base :], header, work / "day2.csv")
    db = open_db(work / "nightly.db")
    t0 = time.perf_counter()
    options = _options(args.embedding_model, args.segmenter, redact=args.redact)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, base = mine(db, [day1], options)
    base_seconds = time.perf_counter() - t0
    before = {r["id"] for r in db.query("SELECT id FROM pain_points WHERE run_id = ?", [base])}
    options.incremental = True
    stages: dict[str, float] = {}
    cpu0, t0 = _cpu(), time.perf_counter()
    _, run_id = mine(db, [day2], options, progress=_TimingProgress(stages))
    seconds = time.perf_counter() - t0
    cpu = [after - before for before, after in zip(cpu0, _cpu(), strict=True)]
    run = db["runs"].get(run_id)
    after = {r["id"] for r in db.query("SELECT id FROM pain_points WHERE run_id = ?", [run_id])}
    added = db.execute(
        "SELECT count(DISTINCT a.segment_id) FROM assignments a WHERE a.run_id = ? "
        "AND a.pain_point_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM segment_results r "
        "WHERE r.run_id = ? AND r.segment_id = a.segment_id)",
        [run_id, base],
    ).fetchone()[0]
    return {
        "load": load,
        "base_seconds": base_seconds,
        "base_segments": db["runs"].get(base)["segments"],
        "seconds": seconds,
        "cpu_main": cpu[0],
        "cpu_second": cpu[1],
        "load_average": os.getloadavg()[0],
        "mode": run["mode"],
        "batch": args.batch,
        "new_segments": run["segments"] - db["runs"].get(base)["segments"],
        "assigned": added,
        "new_complaints": run["complaints"] - db["runs"].get(base)["complaints"],
        "ids_kept": before == after,
        "pain_points": len(after),
        "stages": stages,
        "rss_mb": _peak_rss_mb(),
    }


def build_feed(segments: int, path: Path) -> int:
    """Documents of 1–4 customer turns from different conversations, joined at random (fixed seed)."""
    from miner.ingest import read_paths

    turns = [text for _, recs in read_paths([CSV]) for r in recs for _, text in r.mined_text()]
    rng = random.Random(7)
    docs = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        made = 0
        while made < segments:
            picked = rng.sample(turns, rng.randint(1, 4))
            writer.writerow([f"D{docs}", " ".join(picked)])
            docs += 1
            made += int(len(picked) * 2.2)  # about 2.2 clause segments per turn on this set
    return docs


def memory(args: argparse.Namespace, work: Path) -> dict:
    from miner.pipeline import mine
    from miner.store import open_db

    feed = work / "feed.csv"
    docs = build_feed(args.segments, feed)
    db = open_db(work / "memory.db")
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    options = _options(args.embedding_model, args.segmenter)
    _, run_id = mine(db, [feed], options, progress=_TimingProgress(stages))
    run = db["runs"].get(run_id)
    return {
        "seconds": time.perf_counter() - t0,
        "documents": docs,
        "segments": run["segments"],
        "complaints": run["complaints"],
        "stages": stages,
        "rss_mb": _peak_rss_mb(),
        "db_mb": (work / "memory.db").stat().st_size / 2**20,
    }


def render(kind: str, r: dict, args: argparse.Namespace) -> str:
    stages = ", ".join(f"{k} {v}" for k, v in r["stages"].items())
    redact = "" if kind == "nightly" and args.redact else " --no-redact"
    flags = f"`--embedding-model {args.embedding_model} --segmenter {args.segmenter}{redact}`"
    if kind == "nightly":
        flags += f"{', PII redacted' if args.redact else ''}; `--base {args.base}`"
    if kind == "nightly":
        return "\n".join(
            [
                f"## Nightly incremental batch, measured {date.today().isoformat()} ({flags})",
                "",
                "| | figure |",
                "|---|---|",
                f"| base run (full) | {args.base:,} conversations, {r['base_segments']:,} segments, "
                f"{r['base_seconds']:.0f} s |",
                f"| **nightly batch, `--incremental`** | **{r['batch']:,} conversations, {r['new_segments']:,} new "
                f"segments: {r['seconds']:.1f} s** after the models loaded ({r['load']:.1f} s) |",
                f"| CPU of the nightly batch | {r['cpu_main']:.1f} s this process + {r['cpu_second']:.1f} s the "
                f"second (1-minute load average {r['load_average']:.1f}) |",
                f"| run mode, pain point ids | {r['mode']}; {r['pain_points']} pain points, ids "
                f"{'unchanged' if r['ids_kept'] else 'CHANGED'}; {r['new_complaints']:,} new complaints, "
                f"{r['assigned']:,} of them joined an existing pain point |",
                f"| peak RSS | {r['rss_mb']:.0f} MB |",
                "",
                f"Stages of the nightly run (s): {stages}.",
                "",
            ]
        )
    return "\n".join(
        [
            f"## Memory at scale, measured {date.today().isoformat()} ({flags})",
            "",
            "| documents | segments | complaints | time | peak RSS | database |",
            "|---|---|---|---|---|---|",
            f"| {r['documents']:,} | {r['segments']:,} | {r['complaints']:,} | {r['seconds']:.0f} s | "
            f"**{r['rss_mb']:.0f} MB** | {r['db_mb']:.0f} MB |",
            "",
            f"Stages (s): {stages}. The documents join 1–4 customer turns of different airline conversations at "
            "random (fixed seed), so every document is new to the store.",
            "",
        ]
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        args = json.loads(sys.argv[3])
        ns = argparse.Namespace(**args)
        result = (nightly if sys.argv[2] == "nightly" else memory)(ns, Path(args["work"]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["nightly", "memory"])
    parser.add_argument("--base", type=int, default=30_000, help="conversations in the first, full run")
    parser.add_argument("--batch", type=int, default=10_000, help="conversations in the nightly batch")
    parser.add_argument("--segments", type=int, default=1_000_000, help="segments to mine for the memory figure")
    parser.add_argument("--embedding-model", default="fast")
    parser.add_argument("--segmenter", default="rules", choices=["rules", "spacy"])
    parser.add_argument(
        "--redact", action=argparse.BooleanOptionalAction, default=True, help="nightly: redact PII (the default)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    if not CSV.exists():
        print(f"bench: skipped, {CSV} is absent")
        return
    with tempfile.TemporaryDirectory(prefix=f"tpm-{args.kind}-") as tmp:
        params = {k: v for k, v in vars(args).items() if k != "out"} | {"work": tmp}
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", args.kind, json.dumps(params)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
    if proc.returncode != 0:
        raise SystemExit(f"bench {args.kind} failed:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(result))
    table = render(args.kind, result, args)
    print(table)
    _write(args.out, table, marker=args.kind)


if __name__ == "__main__":
    main()
