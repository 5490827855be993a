"""`make bench`: both profiles of `touchpoints mine` against the anchor, on the real airline conversations, in one run.

Usage: python bench/run.py [--limits 5000,all] [--profiles default,batch] [--eval-limit N] [--out docs/performance.md]

- ours: `miner.pipeline.mine` (import, PII redaction, segment, embed, detect, map, cluster, store) into a fresh
  SQLite file, once per profile (`--profile default` and `--profile batch`, each with its own encoder, segmenter
  and redaction, exactly as `touchpoints mine --profile NAME` runs them, a second process included);
- anchor: what a data scientist writes by hand: all-MiniLM-L6-v2 encode of the same customer turns, then a
  default `BERTopic().fit_transform(turns, embeddings)`; it redacts nothing.

Each side runs in its own subprocess (fresh imports, its own peak RSS and CPU time), one after the other in the
same invocation, so the noise of a shared machine hits all of them. Accuracy@1 per profile comes from miner.eval
on the real labelled sets (the first --eval-limit items of each, the mean of sets) and on the team-written probe
(corpora/probe/, the mean of industries). Skips cleanly when ../shared/datasets is absent.
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
REAL = ("absa_reviews_train", "cfpb_complaints", "banking77", "nhs_fft_phase1")
PROBE = ROOT / "corpora" / "probe" / "cross_industry.jsonl"


def _usage() -> dict:
    """Peak RSS (MB) and CPU seconds of this process and of the children it waited for (the second process)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "rss_mb": own.ru_maxrss / 1024,  # kB on Linux
        "child_rss_mb": kids.ru_maxrss / 1024,
        "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
        "load": os.getloadavg()[1],
    }


def _peak_rss_mb() -> float:
    return float(_usage()["rss_mb"])


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


NO_REDACT = "+no-redact"  # a profile name with this suffix: that profile with `--no-redact`
MODEL = "+model="  # `batch+model=compact`: that profile with `--embedding-model compact`


def _profile(name: str):  # noqa: ANN202 - miner.pipeline.profiles.Profile, imported lazily
    """The profile `name` names; `batch+no-redact` is `--profile batch --no-redact`, issue 21's batch settings
    (`--embedding-model fast --segmenter rules --no-redact`), benched beside the profile, which redacts;
    `batch+model=compact+no-redact` the same with the compact student (docs/lab/compact.md)."""
    from miner.pipeline.profiles import get_profile

    base, model, redact = _parts(name)
    return get_profile(base).with_overrides(embedding_model=model, redact=redact)


def _parts(name: str) -> tuple[str, str | None, bool | None]:
    """A bench profile name's profile, encoder (None: the profile's) and redaction (None: the profile's)."""
    redact = False if name.endswith(NO_REDACT) else None
    base, _, model = name.removesuffix(NO_REDACT).partition(MODEL)
    return base, model or None, redact


def _flags(name: str) -> str:
    base, model, redact = _parts(name)
    return (
        f"--profile {base}"
        + (f" --embedding-model {model}" if model else "")
        + (" --no-redact" if redact is False else "")
    )


def worker_ours(csv_path: Path, profile_name: str, workdir: Path) -> dict:
    from miner.embed import get_embedder
    from miner.eval.teamlabels import stored_scores
    from miner.pipeline import MineOptions, mine
    from miner.segment import get_segmenter
    from miner.store import open_db

    profile = _profile(profile_name)
    started = time.perf_counter()
    stages: dict[str, float] = {}
    with _timed(stages, "Loading models"):
        options = MineOptions(
            embedder=get_embedder(profile.embedding_model),
            segmenter=get_segmenter(profile.segmenter),
            redact_pii=profile.redact,
        )
    db = open_db(workdir / f"ours-{profile_name}.db")
    _, run_id = mine(db, [csv_path], options, progress=_TimingProgress(stages))
    seconds = time.perf_counter() - started
    run = db["runs"].get(run_id)
    pain = db.execute("SELECT count(*) FROM pain_points WHERE run_id = ?", [run_id]).fetchone()[0]
    labelled = stored_scores(db, run_id, DATASETS)  # the team-labelled conversations, on the whole file
    return {
        "labelled": {half: s.accuracy_at_1 for half, s in labelled.items()},
        "seconds": seconds,
        **_usage(),
        "documents": run["documents"],
        "segments": run["segments"],
        "complaints": run["complaints"],
        "pain_points": pain,
        "stages": stages,
    }


def worker_anchor(csv_path: Path, limit: int | None = None) -> dict:
    """MiniLM encode of every customer turn (the first `limit`), then a default BERTopic fit (its UMAP + HDBSCAN)."""
    import warnings

    from miner.ingest import read_paths

    started = time.perf_counter()
    turns = [text for _, recs in read_paths([csv_path]) for r in recs for _, text in r.mined_text()][:limit]
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
        **_usage(),
        "turns": len(turns),
        "topics": len(set(topics)),
        "stages": {"encode": round(encode, 1), "bertopic_fit": round(fit, 1)},
    }


def worker_accuracy(profile_name: str, limit: int) -> dict:
    """Accuracy@1 of a profile (or `anchor`: MiniLM, one vector per touchpoint description, whole text): the mean
    over the real sets (a seeded sample of `limit` items of each, each mined as its own corpus) and the mean over the
    probe's industries. Not the first items: banking77's first 300 are two intents, ABSA's hold 75 complaints
    (docs/lab/student.md, 2026-12-04)."""
    from miner.eval.run import Evaluator, load_items, sample_items
    from miner.eval.scoring import score
    from miner.eval.transfer import by_industry, mean_of_domains

    if profile_name == "anchor":
        evaluator, mapper, segment = Evaluator(embedding_model="minilm"), "centroid", False
    else:
        profile = _profile(profile_name)
        evaluator = Evaluator(
            embedding_model=profile.embedding_model, segmenter=profile.segmenter, redact_pii=profile.redact
        )
        mapper, segment = "examples", True
    sets = {}
    for name in REAL:
        if (DATASETS / f"{name}.jsonl").exists():
            items = sample_items(DATASETS / f"{name}.jsonl", limit)
            sets[name] = (items, {str(p["id"]): p for p in evaluator.predict(items, mapper=mapper, segment=segment)})
    probe = load_items(PROBE)
    probe_preds = {str(p["id"]): p for p in evaluator.predict(probe, mapper=mapper, segment=segment)}
    return {
        "sets": {name: score(items, preds).accuracy_at_1 for name, (items, preds) in sets.items()},
        "dev": mean_of_domains(list(sets.values()), "accuracy_at_1"),
        "probe": mean_of_domains(by_industry(probe, probe_preds), "accuracy_at_1"),
        # end to end: a complaint the detector missed counts as none (miner/eval/predict.py)
        "dev_detected": mean_of_domains(list(sets.values()), "accuracy_detected"),
        "probe_detected": mean_of_domains(by_industry(probe, probe_preds), "accuracy_detected"),
    }


class _timed:
    """Adds the seconds of a `with` block to `into[name]`."""

    def __init__(self, into: dict[str, float], name: str) -> None:
        self.into, self.name = into, name

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.into[self.name] = round(self.into.get(self.name, 0.0) + time.perf_counter() - self.t0, 1)


class _TimingProgress:
    """Records the seconds of each pipeline stage."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    def stage(self, name: str, total: int | None = None):  # noqa: ANN201 - a context manager
        from contextlib import contextmanager

        if name.startswith("Importing "):  # the progress bar's label, cut to its width, names the file
            name = "Importing (read, redact, segment, store)"

        @contextmanager
        def timed():  # noqa: ANN202
            with _timed(self.into, name):
                yield lambda n=1: None

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


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or x != x else f"{x:.{digits}f}"


def render_scale(limit: int | None, ours: dict[str, dict], anchor: dict | None) -> str:
    """One input size: time, CPU, ratio to the anchor, memory and counts per profile, then the stage breakdown."""
    scope = f"first {limit:,} conversations" if limit else "all conversations"
    lines = [
        f"### {CSV.name}, {scope}",
        "",
        "| | wall | CPU (both processes) | anchor / ours | peak RSS (main / second process) | load (5 min) "
        "| conversations | segments | complaints | pain points | labelled conversations: acc@1 open / sealed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in ours.items():
        ratio = f"**{anchor['seconds'] / r['seconds']:.2f}×**" if anchor else "–"
        lines.append(
            f"| ours, `{_flags(name)}` | {r['seconds']:.0f} s | {r['cpu']:.0f} s | {ratio} | "
            f"{r['rss_mb']:.0f} / {r['child_rss_mb']:.0f} MB | {r['load']:.1f} | {r['documents']:,} | "
            f"{r['segments']:,} | {r['complaints']:,} | {r['pain_points']} | {_labelled(r)} |"
        )
    if anchor:
        lines.append(
            f"| anchor (MiniLM encode + default BERTopic) | {anchor['seconds']:.0f} s | {anchor['cpu']:.0f} s | 1.00× "
            f"| {anchor['rss_mb']:.0f} MB | {anchor['load']:.1f} | | {anchor['turns']:,} turns | | "
            f"{anchor['topics']} topics | |"
        )
    stages = list(dict.fromkeys(s for r in ours.values() for s in r["stages"]))
    lines += ["", "Stages (wall seconds):", "", "| stage | " + " | ".join(ours) + " |",
              "|---|" + "---|" * len(ours)]  # fmt: skip
    for stage in stages:
        lines.append(f"| {stage} | " + " | ".join(f"{r['stages'].get(stage, 0):.1f}" for r in ours.values()) + " |")
    if anchor:
        lines += ["", "Anchor stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in anchor["stages"].items()) + "."]
    return "\n".join(lines) + "\n"


def _labelled(r: dict) -> str:
    """Accuracy@1 on the labelled airline conversations the run holds (miner/eval/labels/), per half."""
    got = r.get("labelled") or {}
    return f"{_f(got.get('open'))} / {_f(got.get('sealed'))}" if got else "–"


def render_accuracy(acc: dict[str, dict], limit: int) -> str:
    names = next(iter(acc.values()))["sets"]
    lines = [
        f"### Accuracy@1 (a seeded sample of {limit} items of each real set; the whole probe)",
        "",
        "| | " + " | ".join(names) + " | mean of real sets | probe, mean of industries "
        "| end to end: real sets / probe |",
        "|---|" + "---|" * (len(names) + 3),
    ]
    for who, a in acc.items():
        label = "anchor (MiniLM, descriptions, whole text)" if who == "anchor" else f"`{_flags(who)}`"
        cells = " | ".join(_f(a["sets"].get(n)) for n in names)
        ends = f"{_f(a.get('dev_detected'))} / {_f(a.get('probe_detected'))}"
        lines.append(f"| {label} | {cells} | {_f(a['dev'])} | {_f(a['probe'])} | {ends} |")
    return "\n".join(lines) + "\n"


def render(scales: list[tuple[int | None, dict[str, dict], dict | None]], acc: dict | None, eval_limit: int) -> str:
    lines = [
        f"## End to end, measured {date.today().isoformat()} on {os.cpu_count()} cores",
        "",
        "A load above the core count means other work shared the machine: every side is slower than on an idle one.",
        "",
    ]
    lines += [render_scale(*s) for s in scales]
    if acc:
        lines.append(render_accuracy(acc, eval_limit))
    return "\n".join(lines)


def _limits(text: str) -> list[int | None]:
    return [None if part in ("all", "0") else int(part) for part in text.split(",") if part]


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "ours":
            result = worker_ours(Path(rest[0]), rest[1], Path(rest[2]))
        elif kind == "anchor":
            result = worker_anchor(Path(rest[0]), int(rest[1]) if len(rest) > 1 else None)
        else:
            result = worker_accuracy(rest[0], int(rest[1]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=_limits, default=_limits("5000,all"),
                        help="conversation counts to run, comma-separated; `all` is every conversation")  # fmt: skip
    parser.add_argument("--limit", type=int, help="one count only (same as --limits N)")
    parser.add_argument("--profiles", default="default,batch,batch+no-redact,batch+model=compact+no-redact",
                        help="comma-separated profile names; NAME+no-redact: NAME with --no-redact; "
                             "NAME+model=M: NAME with --embedding-model M")  # fmt: skip
    parser.add_argument("--eval-limit", type=int, default=500, help="items per labelled set for accuracy@1 (0: none)")
    parser.add_argument("--no-anchor", action="store_true", help="skip the anchor (development only)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    if not CSV.exists():
        print(f"bench: skipped, {CSV} is absent")
        return
    limits = [args.limit] if args.limit else args.limits
    profiles = [p for p in args.profiles.split(",") if p]
    scales = []
    warm: dict | None = None
    with tempfile.TemporaryDirectory(prefix="tpm-bench-") as tmp:
        work = Path(tmp)
        for limit in limits:
            csv_path = _limited_csv(limit, work)
            # a fresh database per size: the whole file's run must not start from the first 5,000's documents and
            # cached vectors (until 2026-12-04 it did, in one invocation of both sizes)
            fresh = work / f"db-{limit or 'all'}"
            fresh.mkdir()
            ours = {}
            for name in profiles:
                print(f"bench: {limit or 'all'} conversations, {_flags(name)} ...", flush=True)
                ours[name] = _spawn(["--worker", "ours", str(csv_path), name, str(fresh)])
                print(json.dumps(ours[name]), flush=True)
            anchor = None
            if not args.no_anchor and not warm:
                # UMAP and HDBSCAN compile with numba on first use, 10-25 s here, cached (NUMBA_CACHE_DIR) after: a
                # data scientist pays it once, so the anchor is timed warm, like ours after `make setup`
                print("bench: warming the anchor's numba cache on 1,000 turns ...", flush=True)
                warm = _spawn(["--worker", "anchor", str(csv_path), "1000"])
            if not args.no_anchor:
                print(f"bench: {limit or 'all'} conversations, anchor ...", flush=True)
                anchor = _spawn(["--worker", "anchor", str(csv_path)])
                print(json.dumps(anchor), flush=True)
            scales.append((limit, ours, anchor))
        acc = None
        if args.eval_limit:
            acc = {}
            for who in [*profiles, "anchor"]:
                print(f"bench: accuracy, {who} ...", flush=True)
                acc[who] = _spawn(["--worker", "accuracy", who, str(args.eval_limit)])
    table = render(scales, acc, args.eval_limit)
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
