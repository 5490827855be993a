"""`make bench`: mine the real airline conversations end to end against the anchor, in one run.

Usage: python bench/run.py [--limit N] [--eval-limit N] [--embedding-model fast|minilm] [--out docs/performance.md]

- ours: `miner.pipeline.mine` (import, PII redaction, segment, embed, detect, map, cluster, store) into a fresh
  SQLite file, with the chosen embedding tier;
- anchor: what a data scientist writes by hand: all-MiniLM-L6-v2 encode of the same customer turns, then a
  default `BERTopic().fit_transform(turns, embeddings)`.

Each side runs in its own subprocess (fresh imports, its own peak RSS), one after the other, in the same
invocation, so the noise of a shared machine hits both. Accuracy@1 comes from miner.eval on the real
labelled sets (first --eval-limit items of each). Skips cleanly when ../shared/datasets is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
CSV = DATASETS / "raw" / "twcs_airline_conversations.csv"
REAL = ("absa_reviews_train", "cfpb_complaints", "nhs_fft_phase1")


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _limited_csv(limit: int | None, workdir: Path) -> Path:
    if not limit:
        return CSV
    import csv

    out = workdir / f"twcs_{limit}.csv"
    with CSV.open(encoding="utf-8", newline="") as src, out.open("w", encoding="utf-8", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        for i, row in enumerate(reader):
            if i > limit:
                break
            writer.writerow(row)
    return out


def worker_ours(csv_path: Path, model: str, segmenter: str, workdir: Path, redact: bool) -> dict:
    from miner.embed import get_embedder
    from miner.pipeline import MineOptions, mine
    from miner.segment import get_segmenter
    from miner.store import open_db

    started = time.perf_counter()
    embedder = get_embedder(model)
    db = open_db(workdir / "ours.db")
    stages: dict[str, float] = {}
    imports, run_id = mine(
        db,
        [csv_path],
        MineOptions(embedder=embedder, segmenter=get_segmenter(segmenter), redact_pii=redact),
        progress=_TimingProgress(stages),
    )
    seconds = time.perf_counter() - started
    run = db["runs"].get(run_id)
    pain = db.execute("SELECT count(*) FROM pain_points WHERE run_id = ?", [run_id]).fetchone()[0]
    return {
        "seconds": seconds,
        "rss_mb": _peak_rss_mb(),
        "load": os.getloadavg()[1],
        "documents": run["documents"],
        "segments": run["segments"],
        "complaints": run["complaints"],
        "pain_points": pain,
        "stages": stages,
    }


def worker_anchor(csv_path: Path) -> dict:
    """MiniLM encode of every customer turn, then a default BERTopic fit (its UMAP + HDBSCAN)."""
    import warnings

    from miner.ingest import read_paths

    started = time.perf_counter()
    turns = [text for _, recs in read_paths([csv_path]) for r in recs for _, text in r.mined_text()]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from miner.embed.sentence_transformers import packaged_model_path

    model = SentenceTransformer(str(packaged_model_path()), device="cpu")
    t0 = time.perf_counter()
    vectors = model.encode(turns, batch_size=64, show_progress_bar=False)
    encode = time.perf_counter() - t0
    from bertopic import BERTopic

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        topics, _ = BERTopic().fit_transform(turns, embeddings=vectors)
    fit = time.perf_counter() - t0
    return {
        "seconds": time.perf_counter() - started,
        "rss_mb": _peak_rss_mb(),
        "load": os.getloadavg()[1],
        "turns": len(turns),
        "topics": len(set(topics)),
        "stages": {"encode": encode, "bertopic_fit": fit},
    }


def worker_accuracy(model: str, segmenter: str, limit: int) -> dict:
    """Pooled accuracy@1 on the real sets: ours (examples mapper, segmented) and the anchor (MiniLM,
    one embedding per touchpoint description, whole text)."""
    from miner.eval.report import _pooled
    from miner.eval.run import Evaluator, load_items

    ours_ev = Evaluator(embedding_model=model, segmenter=segmenter)
    anchor_ev = Evaluator(embedding_model="minilm")
    ours, anchor = {}, {}
    for name in REAL:
        items = load_items(DATASETS / f"{name}.jsonl", limit)
        ours[name] = (items, ours_ev.evaluate(items, mapper="examples", segment=True)[1])
        anchor[name] = (items, anchor_ev.evaluate(items, mapper="centroid", segment=False)[1])
    o, a = _pooled(ours), _pooled(anchor)
    return {"ours": o.accuracy_at_1, "anchor": a.accuracy_at_1, "scored": o.scored}


class _TimingProgress:
    """Records the seconds of each pipeline stage."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    def stage(self, name: str, total: int | None = None):  # noqa: ANN201 - a context manager
        from contextlib import contextmanager

        @contextmanager
        def timed():  # noqa: ANN202
            t0 = time.perf_counter()
            yield lambda n=1: None
            self.into[name] = round(self.into.get(name, 0.0) + time.perf_counter() - t0, 1)

        return timed()

    def note(self, message: str) -> None:
        pass


def _spawn(args: list[str]) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"bench worker {args[:2]} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render(ours: dict, anchor: dict, acc: dict | None, args: argparse.Namespace) -> str:
    scope = f"first {args.limit:,} conversations" if args.limit else "all conversations"
    ratio = anchor["seconds"] / ours["seconds"]
    flags = f"{args.embedding_model} --segmenter {args.segmenter}" + ("" if args.redact else " --no-redact")
    acc_o = f"{acc['ours']:.3f}" if acc else "–"
    acc_a = f"{acc['anchor']:.3f}" if acc else "–"
    lines = [
        f"## End to end: {CSV.name} ({scope}), measured {date.today().isoformat()}",
        "",
        "| | time | accuracy@1 (pooled real sets) | peak RSS |",
        "|---|---|---|---|",
        f"| ours (`--embedding-model {flags}`) | {ours['seconds']:.0f} s | {acc_o} | {ours['rss_mb']:.0f} MB |",
        f"| anchor (MiniLM encode + default BERTopic) | {anchor['seconds']:.0f} s | {acc_a} | "
        f"{anchor['rss_mb']:.0f} MB |",
        f"| **ratio (anchor / ours)** | **{ratio:.1f}×** | | |",
        "",
        f"Machine load (5-minute average) at the end of each side: ours {ours.get('load', float('nan')):.1f}, "
        f"anchor {anchor.get('load', float('nan')):.1f}, on {os.cpu_count()} cores; a load above the core count "
        "means other work shared the machine and the figures are slower than on an idle one.",
        "",
        f"Ours: {ours['documents']:,} conversations, {ours['segments']:,} segments, {ours['complaints']:,} complaints,"
        f" {ours['pain_points']} pain points; stages (s): "
        + ", ".join(f"{k} {v}" for k, v in ours["stages"].items())
        + ".",
        f"Anchor: {anchor['turns']:,} customer turns, {anchor['topics']} topics; stages (s): "
        + ", ".join(f"{k} {v:.1f}" for k, v in anchor["stages"].items())
        + ".",
        f"Accuracy@1: first {args.eval_limit} items of each real set ({', '.join(REAL)}), "
        f"{acc['scored'] if acc else 0} scored complaints; anchor = MiniLM, one vector per touchpoint description, "
        "whole text (as in docs/quality.md).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "ours":
            result = worker_ours(Path(rest[0]), rest[1], rest[2], Path(rest[3]), rest[4] == "redact")
        elif kind == "anchor":
            result = worker_anchor(Path(rest[0]))
        else:
            result = worker_accuracy(rest[0], rest[1], int(rest[2]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N conversations")
    parser.add_argument("--eval-limit", type=int, default=500, help="items per labelled set for accuracy@1")
    parser.add_argument("--embedding-model", default="fast")
    parser.add_argument("--segmenter", default="rules", choices=["rules", "spacy"])
    parser.add_argument(
        "--redact", action="store_true", help="redact PII as `mine` does by default (the anchor does not)"
    )
    parser.add_argument("--no-anchor", action="store_true", help="skip the anchor (development only)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    if not CSV.exists():
        print(f"bench: skipped, {CSV} is absent")
        return
    with tempfile.TemporaryDirectory(prefix="tpm-bench-") as tmp:
        work = Path(tmp)
        csv_path = _limited_csv(args.limit, work)
        print("bench: ours ...", flush=True)
        ours = _spawn(
            [
                "--worker",
                "ours",
                str(csv_path),
                args.embedding_model,
                args.segmenter,
                str(work),
                "redact" if args.redact else "-",
            ]
        )
        print(json.dumps(ours), flush=True)
        anchor = {"seconds": float("nan"), "rss_mb": float("nan"), "turns": 0, "topics": 0, "stages": {}}
        if not args.no_anchor:
            print("bench: anchor ...", flush=True)
            anchor = _spawn(["--worker", "anchor", str(csv_path)])
            print(json.dumps(anchor), flush=True)
        acc = (
            _spawn(["--worker", "accuracy", args.embedding_model, args.segmenter, str(args.eval_limit)])
            if args.eval_limit
            else None
        )
    table = render(ours, anchor, acc, args)
    print(table)
    _write(args.out, table)


def _write(out: Path, table: str, marker: str = "bench") -> None:
    """Replace one generated section of docs/performance.md, keeping the hand-written text around it."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = out.read_text(encoding="utf-8") if out.exists() else f"# Performance\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    out.write_text(f"{head}{start}\n{table}{end}{tail}", encoding="utf-8")
    print(f"bench: wrote {out}")


if __name__ == "__main__":
    main()
