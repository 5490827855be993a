"""`python -m reliability` (`make reliability`): every measurement at full size, figures to docs/reliability.md.

Options scale it down (`--fuzz 500 --kills 3 --load-seconds 10`) for a quick look; `--only fuzz,crash` runs some."""

from __future__ import annotations

import argparse
import json
import platform
import re
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "fuzz", "crash", "load", "isolation", "exports_pii", "limits", "uploads", "fairness", "erasure", "pii", "generated"
)  # fmt: skip


def _fuzz_part(args: tuple[int, str]) -> dict:
    from reliability.fuzz import fuzz_readers

    examples, workdir = args
    return fuzz_readers(examples, Path(workdir))


def run_fuzz(total: int, workdir: Path, procs: int) -> dict:
    parts = [(total // procs + (i < total % procs), str(workdir / f"p{i}")) for i in range(procs)]
    with ProcessPoolExecutor(procs) as pool:
        results = list(pool.map(_fuzz_part, parts))
    merged: dict = {"inputs": 0, "imported": 0, "refused": 0, "unhandled": 0, "by_format": {}, "failures": []}
    for r in results:
        for key in ("inputs", "imported", "refused", "unhandled"):
            merged[key] += r[key]
        for fmt, n in r["by_format"].items():
            merged["by_format"][fmt] = merged["by_format"].get(fmt, 0) + n
        merged["failures"] += r["failures"]
    merged["slowest_s"] = max(r["slowest_s"] for r in results)
    merged["seconds"] = max(r["seconds"] for r in results)
    return merged


def measure(args: argparse.Namespace, workdir: Path) -> dict:
    from reliability import checks, crash, erasure, fairness, generated, isolation, load, pii, uploads

    wanted = set(args.only.split(",")) if args.only else set(SECTIONS)
    figures: dict = {}
    timings: dict = {}

    def step(name: str, fn) -> None:  # noqa: ANN001
        if name not in wanted:
            return
        print(f"reliability: {name} ...", flush=True)
        start = time.monotonic()
        figures[name] = fn()
        timings[name] = round(time.monotonic() - start, 1)
        print(f"reliability: {name} done in {timings[name]} s: {json.dumps(figures[name])[:400]}", flush=True)

    step("fuzz", lambda: run_fuzz(args.fuzz, workdir / "fuzz", args.procs))
    corpus = ROOT / "corpora" / "food_delivery"
    step("crash", lambda: crash.crash_test(corpus, workdir / "crash", args.kills, embedding_model=args.embedding_model))
    step("load", lambda: load.load_test(workdir / "load", uploaders=args.uploaders, readers=args.readers,
                                        duration_s=args.load_seconds))  # fmt: skip
    step("isolation", lambda: isolation.isolation_test(workdir / "isolation"))

    def exports_pii() -> dict:
        mined = checks.mine_sample(workdir / "sample", embedding_model=args.embedding_model)
        return {"exports": checks.export_figures(mined), "pii": checks.pii_figures(mined)}

    step("exports_pii", exports_pii)
    step("limits", lambda: checks.limits_figures(workdir / "limits"))
    step("uploads", lambda: uploads.upload_memory(workdir / "uploads", size_mb=args.upload_mb))
    step("fairness", lambda: fairness.fairness(workdir / "fairness", examples=args.remap_examples))
    step("erasure", lambda: erasure.erasure_test(workdir / "erasure", embedding_model=args.embedding_model))
    step("pii", lambda: pii.pii_leaks(workdir / "pii", embedding_model=args.embedding_model))
    step("generated", lambda: generated.run_generated(args.generated, workdir / "generated", args.procs))
    return {"figures": figures, "timings": timings}


def _row(name: str, value: object, target: str = "") -> str:
    return f"| {name} | {value} | {target} |"


def render(result: dict, args: argparse.Namespace) -> str:
    f, t = result["figures"], result["timings"]
    lines = [
        "# Reliability figures",
        "",
        f"Written by `make reliability` (`python -m reliability`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {__import__('os').cpu_count()} cores shared with other work; the embedder of the "
        f"mining runs is `{args.embedding_model}`. A bounded subset of each measurement runs in `make test` "
        "(tests/test_fuzz_readers.py, test_crash_safety.py, test_load.py, test_isolation.py, "
        "test_reliability_checks.py)."
        + (
            f" Only {', '.join(s for s in SECTIONS if s in args.only.split(','))} ran at that time (`--only`); the "
            "other figures are kept from the run before it (this file's history says when)."
            if args.only
            else ""
        ),
        "",
        "| figure | value | must be |",
        "|---|---|---|",
    ]
    if "fuzz" in f:
        z = f["fuzz"]
        lines += [
            _row("fuzzed reader inputs (hypothesis)", f"{z['inputs']:,}", "≥ 10,000"),
            _row("... imported / refused with the clear error", f"{z['imported']:,} / {z['refused']:,}"),
            _row("**unhandled exceptions in the readers**", f"**{z['unhandled']}**", "0"),
        ]
    if "crash" in f:
        c = f["crash"]
        lines += [
            _row("SIGKILLs of `touchpoints mine`, then resumed", c["kills"], "20"),
            _row("`PRAGMA integrity_check` ok", f"{c['integrity_ok']} of {c['integrity_checks']}", "all"),
            _row(
                "**lost / duplicated documents**", f"**{c['lost_documents']} / {c['duplicated_documents']}**", "0 / 0"
            ),
            _row("lost / duplicated segments", f"{c['lost_segments']} / {c['duplicated_segments']}", "0 / 0"),
            _row(
                "final database equals an uninterrupted run",
                "yes" if c["equal"] else f"no: {', '.join(c['mismatched_tables'])}",
                "yes",
            ),  # fmt: skip
        ]
    if "load" in f:
        lo = f["load"]
        lines += [
            _row(
                "load: uploaders+runs / readers / seconds", f"{lo['uploaders']} / {lo['readers']} / {lo['duration_s']}"
            ),
            _row("**errors (non-2xx or transport)**", f"**{lo['errors']}**", "0"),
            _row('**"database is locked"**', f"**{lo['database_locked']}**", "0"),
            _row(
                "**p95 latency of /v1/pain-points**",
                f"**{lo['read_p95_ms']} ms** (p50 {lo['read_p50_ms']}, p99 {lo['read_p99_ms']})",
                "reported",
            ),  # fmt: skip
            _row(
                "reads / uploads / runs completed",
                f"{lo['reads']:,} ({lo['reads_per_s']}/s) / {lo['uploads']} / {lo['runs_complete']}",
            ),  # fmt: skip
        ]
    if "isolation" in f:
        i = f["isolation"]
        lines += [
            _row(
                "routes tried with another workspace's ids",
                f"{i['routes']} routes, {i['requests_with_other_ids']} requests",
            ),  # fmt: skip
            _row(
                "**cross-workspace reads / writes**",
                f"**{i['cross_workspace_reads']} / {i['cross_workspace_writes']}**",
                "0 / 0",
            ),  # fmt: skip
            _row("routes answering without a key (not 401)", i["unauthenticated_not_401"], "0"),
            _row(
                "API keys found in clear in the databases / log",
                f"{i['keys_in_clear_at_rest']} / {i['keys_in_log']}",
                "0 / 0",
            ),  # fmt: skip
            _row(
                "path-traversal upload names / files written outside the upload folder",
                f"{i['traversal_uploads']} / {i['files_written_outside_upload_folder']}",
                "— / 0",
            ),
            _row(
                "SQL f-strings / interpolating an unreviewed value",
                f"{i['sql_fstrings']} / {i['sql_fstrings_unreviewed']}",
                "— / 0",
            ),  # fmt: skip
            _row("server errors (5xx) on hostile ids and SQL-injection strings", i["server_errors"], "0"),
        ]
    if "exports_pii" in f:
        e, p = f["exports_pii"]["exports"], f["exports_pii"]["pii"]
        lines += [
            _row(
                "CSV/XLSX export cells a spreadsheet would run as a formula",
                f"**{e['formula_cells']}** of {e['export_cells']:,} ({e['neutralised_cells']} neutralised: a `'` "
                "in CSV, Excel's quote prefix in XLSX)",
                "0",
            ),  # fmt: skip
            _row(
                "PII redaction recall on tests/data/pii_labelled.txt",
                f"{p['pii_recall']} ({p['pii_spans']} spans)",
                "≥ 0.95",
            ),  # fmt: skip
            _row(
                "**redacted values found in the database / logs / report / exports**",
                "**"
                + " / ".join(str(p["redacted_values_found"][k]) for k in ("database", "logs", "report", "exports"))
                + f"** (of {p['redacted_values']} values)",
                "0 / 0 / 0 / 0",
            ),  # fmt: skip
        ]
    if "limits" in f:
        lines.append(_row("limits below: a server set to 3,000,000 bytes, 50 rows, 20 requests/min",
                          "defaults in docs/guide/api.md \"Limits\": "
                          + ("all documented" if all(f["limits"]["documented"].values())
                                                               else "MISSING"), "documented"))  # fmt: skip
        for name, v in f["limits"].items():
            if name != "documented":
                lines.append(_row(f"limit: {name.replace('_', ' ')}", f"{v['status']} `{v.get('code')}`: "
                                  f"{v['message'][:140]}", "documented, clear error"))  # fmt: skip
    if "uploads" in f:
        u = f["uploads"]
        lines.append(_row(f"**server RSS: peak in {u['uploads']} parallel {u['mb_each']} MB CSV uploads, over idle**",
                          f"**+{u['peak_over_idle_mb']} MB** ({u['peak_rss_mb']} MB, idle {u['idle_rss_mb']} MB)",
                          "≤ +300 MB"))  # fmt: skip
    if "fairness" in f:
        for v in f["fairness"].values():
            lines.append(_row(f"start delay of a 2nd workspace's run during a {v['examples']:,}-example re-map, "
                              f"{v['workers']} worker(s)", f"{v['other_start_delay_s']} s (re-map took "
                              f"{v['remap_run_s_after_other_posted']} s more)", "reported"))  # fmt: skip
    if "erasure" in f:
        from reliability.erasure import rows as erasure_rows

        lines += erasure_rows(f["erasure"], _row)
    if "pii" in f:
        q = f["pii"]
        kinds = ", ".join(f"{k} {v['recall']} ({v['spans']})" for k, v in q["by_kind"].items())
        lines += [
            _row("**PII leaks: planted values found in the CLI's database, output, report, exports and the API's "
                 "responses, databases, log**", f"**{q['leaks']}** of {q['planted_values']} values", "0"),
            _row("PII recall by kind on tests/data/pii_labelled.txt (spans)", f"{q['recall']}: {kinds}", "≥ 0.95"),
            _row("spans redacted where the sample marks none", q["false_positives"], "reported"),
        ]  # fmt: skip
    if "generated" in f:
        g = f["generated"]
        lines += [
            _row(
                "generated corpora + taxonomies mined, top, report, export (hypothesis)", f"{g['inputs']:,}", "≥ 2,000"
            ),  # fmt: skip
            _row("... mined / refused with the clear error", f"{g['mined']:,} / {g['refused']:,}"),
            _row("**exceptions / output not inert**", f"**{g['exceptions']} / {g['not_inert']}**", "0 / 0"),
        ]
    lines += ["", "## Timings", "", "| measurement | seconds |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in t.items()]
    lines += ["", "## What the measurements found, and the fixes", "", FINDINGS]
    lines += ["", "## How each is measured", "", HOW, "", "## Raw figures", "", "```json",
              json.dumps(f, indent=1, default=str)[:60_000], "```", ""]  # fmt: skip
    return "\n".join(lines)


FINDINGS = """- **JSON nested deeper than the parser's recursion limit** raised RecursionError (.json and .jsonl): now
  "the JSON is nested too deeply to read" naming the line; objects nested past 64 levels are kept as JSON text
  instead of flattened (miner/ingest/readers.py).
- **Damaged Parquet**: a bad page raised OSError/ArrowInvalid while streaming, and invalid UTF-8 in a string
  column UnicodeDecodeError: now an InputError naming the row (miner/ingest/tabular.py).
- **Damaged XLSX sheet XML** raised ParseError while streaming rows: now an InputError naming the row.
- **CSV**: a tiny file of non-UTF-8 bytes raised UnicodeDecodeError (encoding detection took an invalid start
  byte near the end for a character cut by the sample; now only "unexpected end of data" counts as cut,
  miner/ingest/encoding.py); a header over the field limit raised csv.Error. Both are InputErrors now.
- **"database is locked" at once** on an upload while a run was writing its progress: sqlite-utils' atomic()
  opens a deferred transaction, and in WAL mode a transaction that reads, then writes after another connection
  committed fails with SQLITE_BUSY without waiting for the busy timeout. The API's connections now begin write
  transactions IMMEDIATE (api/db.py), so writers queue instead.
- **Connection resets under load** (2 in about 2,100 reads): uvicorn closed keep-alive connections after 5 s
  while the client was reusing them; `touchpoints serve` keeps them 75 s.
- **No rows-per-import limit** in the API: `TOUCHPOINTS_MAX_ROWS` (1,000,000 per dataset), 413 `too_many_rows`.
- **Uploads read whole into memory** before the row limit was checked (4 parallel 40 MB CSVs: +942 MB RSS):
  now read back in chunks of 5,000 rows, 413 at the first chunk over the limit, +38 MB; JSON, parsed whole,
  has its own 10 MiB limit (api/datasets.py, api/uploads.py).
- **Unbounded taxonomies**: PUT /v1/taxonomy took 127 MB and kept every version, and a 1 KB YAML alias bomb kept
  `taxonomy check` busy past 60 s at 2 GB: now 5 MiB bodies, 2,000 examples per touchpoint, the newest 20
  versions, and an alias budget in the YAML loader (miner/touchpoints/safe_yaml.py).
- **One workspace's long run held the only worker** (a second workspace waited 38 s behind a 100,000-example
  re-map): now 2 workers serve the workspaces' queues in turn, one workspace holds at most workers - 1, and a
  run fails past TOUCHPOINTS_RUN_BUDGET_S (api/queue.py, api/job_progress.py).
- **Wrong API keys were never limited** and the databases were created world-readable: now 10 wrong keys a
  minute per address, then 429 with Retry-After; database files 0600 in a 0700 folder.
- **p95 of /v1/pain-points under 200 concurrent readers** is bound by throughput (about 35 reads/s on 2 shared
  cores while 8 workspaces upload and mine), so most of the latency is queueing; no errors or lock waits.
- **Generated corpora** found: five "Never again." reviews (no vocabulary) and text whose only term survives
  BERTopic's cleaning (`&lt` → "lt") crashed c-TF-IDF; a one-touchpoint taxonomy crashed the corpus head; a control
  character crashed the XLSX export; `[/dim]` crashed the terminal table. All fixed (miner/topics/clusterer.py,
  miner/touchpoints/corpus.py, miner/report/exports.py, miner/report/render.py)."""


HOW = """- **Fuzzing** (reliability/fuzz.py): hypothesis builds CSV/TSV (any delimiter, unbalanced quotes, ragged rows),
  JSON and JSONL (random values, nesting up to 100,000 levels), TXT, XLSX (openpyxl sheets, garbage zips, a 20 MiB
  part at >1000:1, a 600 MiB bomb, billion-laughs and external-entity XML) and Parquet (typed, nested, binary
  columns), with formula-starting cells, control characters, bidi marks, fields over the 1,000,000-character
  limit, nine encodings, then truncates, bit-flips, inserts bytes or empties each file. Each input is read with
  `--on-error fail` and `skip`; an exception other than InputError/MinerError is unhandled.
- **Crash safety** (reliability/crash.py): `touchpoints mine corpora/food_delivery --embedding-model fake` is
  SIGKILLed at random points (half at a uniform time in the run's window, half once the analysis has started)
  and restarted each time; `PRAGMA integrity_check` after every kill; then one resume runs to the end and the
  database is compared with an uninterrupted run's: documents, segments, imports, the latest run's segment
  results, assignments, pain points and counts, and no run left `running`.
- **Load** (reliability/load.py): `touchpoints serve` on 127.0.0.1 (fake embedder, rate limit off, 1 worker);
  each uploader owns a workspace and loops: upload 15 JSON records, start a run, poll it to the end; readers loop
  on `/v1/pain-points` with varied filters over the workspaces that have a run (one httpx.AsyncClient).
  "database is locked" is counted in responses and in the server's log.
- **Isolation** (reliability/isolation.py): two workspaces with marked texts; every route of the OpenAPI schema is
  called with no key and with workspace B's key carrying A's dataset, run, pain point and taxonomy version ids
  in the path, the query and the body, plus SQL-injection strings; a read leaks if A's text (or A's id in a
  success) is in the response, a write if A's own view changed. Keys are searched for in every database file and
  the log; 11 hostile upload names must not create files outside `beta.uploads/`; every f-string that builds
  SQL in miner/ and api/ may interpolate only reviewed fragments (placeholders and WHERE clauses of `?`).
- **Exports and PII** (reliability/checks.py): the labelled PII sample plus texts starting with `=`, `+`, `-`,
  `@`, tab are mined with the CLI, reported (`touchpoints report`) and exported (CSV, XLSX); every value the
  redactor removes is searched for as a whole word in the database files, the CLI's output, the report
  (without the inline plotly.js library) and the exports; a value of one or two characters (a signature's "KW")
  in the database's text (its SQL dump) instead of its bytes, where stored vectors hold such pairs by chance.
- **Uploads** (reliability/uploads.py): 4 clients upload a generated 40 MB CSV each at once to `touchpoints
  serve` on 127.0.0.1; the server's RSS is sampled every 20 ms from /proc against its idle RSS.
- **Fairness** (reliability/fairness.py): workspace A PUTs a generated taxonomy of 100,000 examples (a re-map
  run); once it runs, workspace B starts a run; the delay is the time until B's run leaves `queued`, with 1 and
  with 2 workers (fake embedder).
- **PII leaks** (reliability/pii.py): the labelled sample, texts and `meta:` lines, is planted in a CSV, a JSON
  and an XLSX file (text, title, meta numbers, lists, nested objects and URLs, emails and phone numbers as row ids,
  phone numbers in date cells, an email in every file name), mined with `--on-error skip`, reported and exported
  by the CLI, and uploaded, mined and read back through the API; every planted value is searched for as a whole
  word in all of it (XLSX unzipped). Uploaded files themselves are the dataset as sent and are not searched.
- **Limits**: a server with small limits answers an oversized upload, too many rows, an over-long text and a
  burst of requests; docs/guide/api.md's "Limits" section documents each default.
- **Generated inputs** (reliability/generated.py): hypothesis builds corpora of 1-20 items (stop words only,
  duplicates, emoji, Rich markup, HTML and script tags, control characters and ANSI escapes, ten scripts, nearly
  empty) and valid taxonomies (one touchpoint, no examples, children three deep, hostile names); each is mined
  (fake encoder, rules segmenter), read with `top`, reported and exported (CSV, XLSX, Parquet). An exception other
  than MinerError counts, and so does a terminal table with a control character or a report with a `<script>`
  or raw `<` that a name or text put there."""


def _previous(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    except (IndexError, ValueError):
        return {}
    timings = dict(re.findall(r"^\| (\w+) \| ([\d.]+) \|$", text.split("## Timings", 1)[-1], re.M))
    return {"figures": raw, "timings": {k: float(v) for k, v in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--fuzz", type=int, default=10_000, help="generated reader inputs")
    parser.add_argument("--procs", type=int, default=2, help="processes for the fuzzing")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of the mining process")
    parser.add_argument("--generated", type=int, default=2_000, help="generated corpora run through the pipeline")
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--upload-mb", type=float, default=40, help="size of each of the 4 parallel uploads")
    parser.add_argument("--remap-examples", type=int, default=100_000, help="examples in the fairness re-map")
    parser.add_argument("--embedding-model", default="fake", help="embedder of the crash and PII runs")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "reliability")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    args = parser.parse_args()
    result = measure(args, args.workdir)
    if args.only and args.out.exists():  # keep the figures of the sections not run this time
        previous = _previous(args.out)
        result = {key: {**previous.get(key, {}), **result[key]} for key in ("figures", "timings")}
    args.out.write_text(render(result, args), encoding="utf-8")
    print(f"reliability: figures written to {args.out}")


if __name__ == "__main__":
    main()
