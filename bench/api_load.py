"""`make bench-api`: `GET /v1/pain-points` under load on a 1M-segment workspace, against a real server.

Usage: python bench/api_load.py [--segments 1000000] [--requests 4000] [--concurrency 8,16] [--clients httpx,raw]
                                [--markets N [--repeat 2]]
                                [--rebuild] [--workdir .cache/api-bench] [--out docs/performance.md | --no-docs]

1. Builds (or reuses, keyed by size and generator version) a synthetic workspace database: ~1/3 as many
   documents as segments over 6 sources (reviews, surveys, chat transcripts) and 2 years of dates, 35% of
   segments complaints mapped over the taxonomy's touchpoints and sub-touchpoints (some on 2-3 touchpoints),
   a few hundred pain points, one complete run. The schema is the pipeline's own (miner + API migrations,
   through `api.db.open_workspace`); the rows go in with bulk `executemany`, not through the ML pipeline;
   what a finished run stores beyond them (`miner.store.runs.finish_run`'s summaries) is written by the
   same code the pipeline calls.
2. Starts `touchpoints serve` on 127.0.0.1 in a subprocess (`api.testing.serve`, rate limit off).
3. Sends a fixed number of requests from `--concurrency` concurrent keep-alive clients (httpx's AsyncClient,
   and a minimal HTTP/1.1 client on asyncio streams that costs a tenth of its CPU), each a random variant: no
   filter, a period (7 to 365 days, or open-ended), a source, a kind, a touchpoint, a stage, and
   combinations, so responses can't all come from one cached answer.
4. Prints p50/p95/p99, throughput, errors and the server's peak RSS (VmHWM), per variant too, and writes
   them between `<!-- api-bench:start -->` and `<!-- api-bench:end -->` in docs/performance.md.

With `--markets N` the workspace's items also keep a `Market` column of N values (DE 35%, UK 25%, FR 20%, ES 12%,
IT 8%, then smaller ones; a database of its own, the rest of its data the same), and instead of the load it times
the first request per market on fresh servers (`first_requests`): `GET /v1/pain-points?where=Market=X` and
`GET /v1/trends?where=Market=X` market after market, `GET /v1/breakdown?by=Market` after them and alone, and
`where=` on two markets with a `by=` on another column, written between `<!-- api-bench-markets:start -->` and
`<!-- api-bench-markets:end -->`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATOR = 2  # bump when the synthetic data changes: databases built by another version are rebuilt
WORKSPACE = "bench"
FIRST_DAY, DAYS = date(2024, 11, 1), 730
SOURCES = [  # (file name, kind, share of documents, mean segments per document)
    ("app_store_reviews.csv", "review", 0.28, 2.4),
    ("google_reviews.csv", "review", 0.20, 2.6),
    ("trustpilot.json", "review", 0.14, 3.2),
    ("nps_survey.csv", "survey", 0.16, 1.8),
    ("csat_survey.xlsx", "survey", 0.08, 1.6),
    ("support_chats.jsonl", "transcript", 0.14, 6.5),
]
COMPLAINT_SHARE = 0.35
START, END = "<!-- api-bench:start -->", "<!-- api-bench:end -->"
MARKETS_START, MARKETS_END = "<!-- api-bench-markets:start -->", "<!-- api-bench-markets:end -->"
# A `Market` column's values and their shares of the items (`--markets N` takes the first N, shares rescaled)
MARKETS = [("DE", 35), ("UK", 25), ("FR", 20), ("ES", 12), ("IT", 8), ("NL", 6), ("PL", 5), ("SE", 4), ("BE", 3),
           ("AT", 3), ("PT", 2), ("IE", 2), ("DK", 2), ("FI", 1), ("CZ", 1), ("GR", 1), ("HU", 1), ("RO", 1),
           ("NO", 1), ("CH", 1)]  # fmt: skip
OPENERS = ["Honestly", "Again", "Third time now", "As usual", "Frankly", "Today", "Last week", "Once more", ""]
GOOD = ["the food arrived hot and on time", "the courier was friendly", "great selection and fair prices",
        "the app is easy to use", "support sorted it out quickly", "lovely packaging", "I order every week",
        "the refund came through the next day", "checkout was quick", "really tasty, will order again"]  # fmt: skip
WORDS = ["late", "cold", "missing", "charged", "crash", "rude", "slow", "wrong", "refund", "login", "broken",
         "hidden fee", "no reply", "cancelled", "leaking", "expired"]  # fmt: skip
BAD = ["it took {n} days and nobody told me why", "I was charged {n} times", "after {n} attempts it still failed",
       "I waited {n} minutes for nothing", "they promised a call back {n} times", "it happened on {n} orders",
       "this is the {n}th time", "I had to explain it {n} times"]  # fmt: skip


# --- the synthetic workspace ------------------------------------------------------------------------------


def _paths(workdir: Path, segments: int, markets: int = 0) -> tuple[Path, Path, Path]:
    main = workdir / (f"main-{segments}-markets{markets}.db" if markets else f"main-{segments}.db")
    workspace = main.with_name(main.name.removesuffix(".db") + ".workspaces") / f"{WORKSPACE}.db"
    return main, workspace, main.with_suffix(".json")


def _weights(n: int, rng: random.Random, skew: float = 1.1) -> list[float]:
    w = [1 / (i + 1) ** skew for i in range(n)]
    rng.shuffle(w)
    return w


def _market_shares(markets: int) -> list[tuple[str, float]]:
    """The first `markets` of MARKETS, their shares summing to 1."""
    if not 0 < markets <= len(MARKETS):
        raise SystemExit(f"--markets takes 1 to {len(MARKETS)} markets, not {markets}")
    total = sum(w for _, w in MARKETS[:markets])
    return [(name, w / total) for name, w in MARKETS[:markets]]


def build(workdir: Path, segments: int, rebuild: bool = False, seed: int = 7, markets: int = 0) -> dict:
    """The synthetic workspace of `segments` segments, its items keeping a `Market` column of `markets` values when
    given (drawn apart: the rest is the same); reused when already built by this generator version."""
    import numpy as np

    from api.db import open_workspace
    from miner.store.runs import finish_run
    from miner.touchpoints import load_taxonomy

    main, path, meta_path = _paths(workdir, segments, markets)
    if not rebuild and meta_path.exists() and path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("generator") == GENERATOR and meta.get("segments") == segments:
            return meta | {"reused": True}
    started = time.perf_counter()
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), meta_path):
        p.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    open_workspace(path.parent, WORKSPACE).close()  # the pipeline's schema: miner + API migrations
    taxonomy = load_taxonomy(ROOT / "taxonomies" / "default.yaml")
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    shares = _market_shares(markets) if markets else []

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("BEGIN")

    # Imports and documents: sources by share, dates over 2 years growing over time, 1-N segments each.
    n_docs = int(segments / sum(s[2] * s[3] for s in SOURCES))
    src_of_doc = nrng.choice(len(SOURCES), size=n_docs, p=[s[2] for s in SOURCES])
    day_of_doc = np.minimum((np.sqrt(nrng.random(n_docs)) * 0.6 + nrng.random(n_docs) * 0.4) * DAYS, DAYS - 1)
    order = np.argsort(day_of_doc, kind="stable")
    src_of_doc, day_of_doc = src_of_doc[order], day_of_doc[order].astype(int)
    if shares:  # its own generator: the other draws stay those of the workspace without markets
        market_of_doc = np.random.default_rng([seed, markets]).choice(len(shares), n_docs, p=[w for _, w in shares])
    secs = nrng.integers(6 * 3600, 23 * 3600, size=n_docs)
    per_doc = np.maximum(1, nrng.poisson([SOURCES[s][3] - 0.6 for s in src_of_doc]) + 1)
    scale = segments / per_doc.sum()
    per_doc = np.maximum(1, np.round(per_doc * scale)).astype(int)
    drift = segments - int(per_doc.sum())  # make the total exact
    idx = nrng.choice(n_docs, size=abs(drift), replace=drift > 0 or abs(drift) > n_docs)
    np.add.at(per_doc, idx, 1 if drift > 0 else -1)
    per_doc = np.maximum(per_doc, 1)
    while (extra := int(per_doc.sum()) - segments) > 0:  # the clamp at 1 may leave a few too many
        big = np.where(per_doc > 1)[0][:extra]
        per_doc[big] -= 1
    for i, (name, _kind, _, _) in enumerate(SOURCES):
        conn.execute(
            "INSERT INTO imports (id, path, source, sha256, rows, added, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [i + 1, f"/data/{name}", name, hashlib.sha256(name.encode()).hexdigest(), int((src_of_doc == i).sum()),
             int((src_of_doc == i).sum()), "2026-11-01T02:00:00+00:00"],
        )  # fmt: skip

    # Touchpoints, sub-touchpoints and pain points (8-24 per touchpoint, skewed sizes).
    tops = [t for t in taxonomy.touchpoints]
    tp_w = _weights(len(tops), rng, 0.9)
    points: list[dict] = []
    for top in tops:
        subs = [c.id for c in top.walk() if c.id != top.id] or [top.id]
        for k in range(rng.randint(8, 24)):
            sub = rng.choice(subs)
            word = rng.choice(WORDS)
            points.append({"id": f"{top.id}-{k + 1:02d}", "touchpoint": top.id, "sub": sub, "word": word,
                           "label": f"{sub.split('/')[-1].replace('_', ' ').capitalize()}: {word}"})  # fmt: skip
    points.append({"id": "none-01", "touchpoint": "none", "sub": None, "word": "other", "label": "Other: other"})
    by_tp: dict[str, list[int]] = {}
    for i, p in enumerate(points):
        by_tp.setdefault(p["touchpoint"], []).append(i)
    pp_cum = {tp: list(accumulate(_weights(len(ix), rng, 1.0))) for tp, ix in by_tp.items()}
    tp_ids = [t.id for t in tops] + ["none"]
    tp_p = np.array(tp_w + [sum(tp_w) * 0.01])
    tp_p /= tp_p.sum()

    # Segments, complaints and their assignments, document by document.
    seg_id = 0
    docs, segs, results, assigns = [], [], [], []
    complaint_of_pp: dict[int, list[tuple[float, int]]] = {}
    pp_count = np.zeros(len(points), dtype=int)
    rank_extra = nrng.random(segments)
    is_complaint = nrng.random(segments) < COMPLAINT_SHARE
    first_tp = nrng.choice(len(tp_ids), size=segments, p=tp_p)
    scores = np.round(0.35 + nrng.random(segments) * 0.5, 4)

    def flush() -> None:
        conn.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", docs)
        conn.executemany("INSERT INTO segments VALUES (?,?,?,?,?,?,?,?)", segs)
        conn.executemany("INSERT INTO segment_results VALUES (1,?,?,?,?,?)", results)
        docs.clear(), segs.clear(), results.clear()

    run = {"id": 1, "status": "running", "started_at": "2026-11-01T02:00:00+00:00", "embedding_model": "minilm",
           "segmenter": "en_core_web_sm", "mapper": "examples", "taxonomy_name": taxonomy.name,
           "taxonomy_version": taxonomy.version, "taxonomy_fingerprint": taxonomy.fingerprint(),
           "taxonomy": taxonomy.model_dump_json(), "mode": "full",
           "params": json.dumps({"complaint_threshold": 0.5, "mapper": "examples"})}  # fmt: skip
    conn.execute(f"INSERT INTO runs ({', '.join(run)}) VALUES ({', '.join('?' * len(run))})", list(run.values()))
    for d in range(n_docs):
        s = int(src_of_doc[d])
        name, kind = SOURCES[s][0], SOURCES[s][1]
        day = FIRST_DAY + timedelta(days=int(day_of_doc[d]))
        when = f"{day.isoformat()}T00:00:00" if kind == "review" else (
            f"{day.isoformat()}T{secs[d] // 3600:02d}:{secs[d] % 3600 // 60:02d}:{secs[d] % 60:02d}")  # fmt: skip
        pos, parts = 0, []
        for k in range(int(per_doc[d])):
            i = seg_id
            seg_id += 1
            if is_complaint[i]:
                tp = tp_ids[int(first_tp[i])]
                cands = by_tp[tp]
                pi = rng.choices(cands, cum_weights=pp_cum[tp])[0]
                p = points[pi]
                text = f"{rng.choice(OPENERS)} {p['word']}: " + rng.choice(BAD).format(n=rng.randint(2, 9))
                rows = [(tp, p["sub"], float(scores[i]), 0, pi)]
                if rank_extra[i] < 0.30 and tp != "none":  # a second (and third) touchpoint for some complaints
                    for rank in (1, 2) if rank_extra[i] < 0.06 else (1,):
                        tp2 = tp_ids[rng.randrange(len(tops))]
                        if tp2 in {r[0] for r in rows}:
                            continue
                        pj = rng.choice(by_tp[tp2])
                        rows.append((tp2, points[pj]["sub"], round(float(scores[i]) - 0.05 * rank, 4), rank, pj))
                for tp_, sub_, sc, rank, pj in rows:
                    # 1% of complaints wait for a pain point (an incremental run's touchpoint without centroids)
                    pid = None if (i * 7919 + rank) % 100 == 0 else points[pj]["id"]
                    assigns.append((i + 1, tp_, sub_, sc, rank, pid))
                    if pid is not None:
                        pp_count[pj] += 1
                        complaint_of_pp.setdefault(pj, []).append((sc, i + 1))
                results.append((i + 1, 1, float(scores[i]) + 0.1, tp, float(scores[i])))
            else:
                text = f"{rng.choice(OPENERS)} {rng.choice(GOOD)}".strip()
                results.append((i + 1, 0, round(float(scores[i]) * 0.5, 4), "none", 0.0))
            text = text.strip() + "."
            speaker = ("customer" if k % 2 == 0 else "agent") if kind == "transcript" else None
            segs.append((i + 1, f"d{d:07d}", k, speaker, text, hashlib.sha1(text.encode()).hexdigest(), pos,
                         pos + len(text)))  # fmt: skip
            parts.append(text)
            pos += len(text) + 1
        rating = None if kind == "transcript" else float(rng.randint(1, 5))
        kept = {"channel": "chat"} if kind == "transcript" else {}
        if shares:
            kept["Market"] = shares[int(market_of_doc[d])][0]
        meta = json.dumps(kept) if kept else None
        docs.append((f"d{d:07d}", s + 1, name, f"{name[:3]}-{d}", kind, None, " ".join(parts),
                     None if rating is None else (rating - 1) / 4, rating, None if rating is None else "stars5",
                     when, meta))  # fmt: skip
        if len(segs) >= 50_000:
            flush()
    flush()

    # The run's results through the pipeline's own store code (finish_run), then committed at once.
    pain_rows = []
    for pi, p in enumerate(points):
        if not pp_count[pi]:
            continue
        top = sorted(complaint_of_pp[pi], key=lambda t: (-t[0], t[1]))[:5]
        centroid = nrng.standard_normal(384).astype(np.float16).tobytes()
        pain_rows.append({"id": p["id"], "touchpoint": p["touchpoint"], "label": p["label"],
                          "keywords": json.dumps([p["word"], "again", "never", p["word"] + " order"]),
                          "complaints": int(pp_count[pi]), "representatives": json.dumps([t[1] for t in top]),
                          "centroid": centroid})  # fmt: skip
    assignment_rows = ({"segment_id": a[0], "touchpoint": a[1], "subtouchpoint": a[2], "score": a[3], "rank": a[4],
                        "pain_point_id": a[5]} for a in assigns)  # fmt: skip
    conn.execute("COMMIT")
    conn.close()
    from miner.store.db import connect

    db = connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -400000")
    finish_run(db, 1, segment_rows=[], assignment_rows=assignment_rows, pain_point_rows=pain_rows,
               counts={"documents": n_docs, "segments": segments, "complaints": int(is_complaint.sum())})  # fmt: skip
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no ANALYZE: the pipeline's databases have no statistics
    db.close()
    meta = {
        "generator": GENERATOR,
        "segments": segments,
        "documents": n_docs,
        "complaints": int(is_complaint.sum()),
        "assignments": len(assigns),
        "pain_points": len(pain_rows),
        "sources": [s[0] for s in SOURCES],
        "first_day": FIRST_DAY.isoformat(),
        "days": DAYS,
        "markets": {name: int((market_of_doc == i).sum()) for i, (name, _) in enumerate(shares)},
        "build_s": round(time.perf_counter() - started, 1),
        "db_mb": round(path.stat().st_size / 1e6),
    }
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta | {"reused": False}


# --- the load ---------------------------------------------------------------------------------------------


def variants(meta: dict, n: int, seed: int = 11) -> list[tuple[str, str]]:
    """`n` (variant, query string) pairs: every filter the endpoint takes, alone and combined, random values."""
    from miner.touchpoints import load_taxonomy

    rng = random.Random(seed)
    tops = [t.id for t in load_taxonomy(ROOT / "taxonomies" / "default.yaml").touchpoints]
    first = date.fromisoformat(meta["first_day"])

    def period() -> dict:
        length = rng.choice([7, 30, 30, 90, 90, 365])
        start = first + timedelta(days=rng.randrange(0, meta["days"] - length))
        if rng.random() < 0.25:  # "since" alone: up to the latest document
            return {"since": start.isoformat()}
        return {"since": start.isoformat(), "until": (start + timedelta(days=length - 1)).isoformat()}

    makers = [
        ("no filter", 20, lambda: {"limit": rng.choice([10, 10, 20, 50])}),
        ("period", 20, period),
        ("source", 8, lambda: {"source": rng.choice(meta["sources"])}),
        ("kind", 5, lambda: {"kind": rng.choice(["review", "survey", "transcript"])}),
        ("touchpoint", 12, lambda: {"touchpoint": rng.choice(tops)}),
        ("stage", 8, lambda: {"stage": rng.choice(["pre-purchase", "purchase", "post-purchase"])}),
        ("period+source", 12, lambda: period() | {"source": rng.choice(meta["sources"])}),
        ("period+touchpoint", 10, lambda: period() | {"touchpoint": rng.choice(tops)}),
        ("period+stage+kind", 5, lambda: period() | {"stage": rng.choice(["purchase", "post-purchase"]),
                                                    "kind": rng.choice(["review", "survey", "transcript"])}),
    ]  # fmt: skip
    names, weights = [m[0] for m in makers], [m[1] for m in makers]
    out = []
    for _ in range(n):
        name = rng.choices(names, weights)[0]
        params = dict(next(m for m in makers if m[0] == name)[2]())
        out.append((name, "&".join(f"{k}={v}" for k, v in params.items())))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


async def drive(url: str, key: str, plan: list[tuple[str, str]], concurrency: int) -> dict:
    import httpx

    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    statuses: dict[int, int] = {}
    queue = list(reversed(plan))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {key}"}

    async def client_loop(client: httpx.AsyncClient) -> None:
        while queue:
            name, query = queue.pop()
            started = time.perf_counter()
            try:
                resp = await client.get("/v1/pain-points" + (f"?{query}" if query else ""), headers=headers)
                code = resp.status_code
                if code != 200 and len(errors) < 10:
                    errors.append(f"{name} {query}: {code} {resp.text[:200]}")
            except httpx.HTTPError as err:
                code = 0
                if len(errors) < 10:
                    errors.append(f"{name} {query}: {type(err).__name__}: {err}")
            latencies.setdefault(name, []).append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        took = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "statuses": statuses, "took": took}


async def drive_raw(url: str, key: str, plan: list[tuple[str, str]], concurrency: int) -> dict:
    """The same load from a minimal HTTP/1.1 keep-alive client on asyncio streams (about a tenth of httpx's CPU
    per request), to tell the server's latency from the load generator's share of a small machine's cores."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    latencies: dict[str, list[float]] = {}
    errors: list[str] = []
    statuses: dict[int, int] = {}
    queue = list(reversed(plan))

    async def client_loop() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        while queue:
            name, query = queue.pop()
            path = "/v1/pain-points" + (f"?{query}" if query else "")
            started = time.perf_counter()
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                code = int(head.split(b" ", 2)[1])
                length = next(
                    int(h.split(b":", 1)[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                if code != 200 and len(errors) < 10:
                    errors.append(f"{name} {query}: {code} {body[:200]!r}")
            except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError) as err:
                code = 0
                if len(errors) < 10:
                    errors.append(f"{name} {query}: {type(err).__name__}: {err}")
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
            latencies.setdefault(name, []).append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return {"latencies": latencies, "errors": errors, "statuses": statuses, "took": time.perf_counter() - started}


DRIVERS = {"httpx": drive, "raw": drive_raw}


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(main: Path, meta: dict, requests: int, levels: list[int], warmup: int, clients: list[str]) -> dict:
    """One server; the first request (timed apart: it builds the run's index), a warm-up, then `requests`
    requests at each concurrency level in turn, from each client."""
    import resource

    from api.testing import serve

    env = {"TOUCHPOINTS_RATE_LIMIT": "0", "TOUCHPOINTS_EMBEDDING_MODEL": "fake"}
    with serve(main, env) as server:
        key = server.key(WORKSPACE)
        with server.client(key, timeout=300) as client:
            started = time.perf_counter()
            first = client.get("/v1/pain-points")
            first_s = time.perf_counter() - started
            if first.status_code != 200:
                raise RuntimeError(f"the first request failed: {first.status_code} {first.text[:500]}")
            for _, query in variants(meta, warmup, seed=5):  # warm-up: connections, imports, page cache
                client.get("/v1/pain-points" + (f"?{query}" if query else ""))
        runs = []
        for client_name, level in [(c, lv) for c in clients for lv in levels]:
            load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
            server_cpu, client_cpu = _cpu_s(server.pid), resource.getrusage(resource.RUSAGE_SELF)
            plan = variants(meta, requests, seed=11 + level)
            res = asyncio.run(DRIVERS[client_name](server.url, key, plan, level))
            res["client"] = client_name
            after = resource.getrusage(resource.RUSAGE_SELF)
            res["server_cpu_ms"] = round((_cpu_s(server.pid) - server_cpu) * 1000 / requests, 2)
            used = after.ru_utime + after.ru_stime - client_cpu.ru_utime - client_cpu.ru_stime
            res["client_cpu_ms"] = round(used * 1000 / requests, 2)
            res["load_before"] = load_avg
            runs.append(summarise_level(res, requests, level))
            print(json.dumps({k: v for k, v in runs[-1].items() if k != "variants"}), flush=True)
        return {
            "first_request_ms": round(first_s * 1000),
            "server_peak_rss_mb": _vm_hwm_mb(server.pid),
            "server_tracebacks": server.log.read_text(errors="replace").count("Traceback"),
            "levels": runs,
        }


def summarise_level(res: dict, requests: int, concurrency: int) -> dict:
    everything = [x for v in res["latencies"].values() for x in v]
    ms = lambda xs, q: round(percentile(xs, q) * 1000, 1)  # noqa: E731
    return {
        "client": res["client"],
        "concurrency": concurrency,
        "requests": requests,
        "errors": sum(v for k, v in res["statuses"].items() if k != 200),
        "took_s": round(res["took"], 2),
        "req_per_s": round(requests / res["took"], 1),
        "p50_ms": ms(everything, 0.5),
        "p95_ms": ms(everything, 0.95),
        "p99_ms": ms(everything, 0.99),
        "mean_ms": round(statistics.fmean(everything) * 1000, 1) if everything else 0,
        "max_ms": round(max(everything) * 1000, 1) if everything else 0,
        "server_cpu_ms_per_request": res["server_cpu_ms"],
        "client_cpu_ms_per_request": res["client_cpu_ms"],
        "load_before": res["load_before"],
        "first_errors": res["errors"][:5],
        "variants": {
            name: {"n": len(xs), "p50_ms": ms(xs, 0.5), "p95_ms": ms(xs, 0.95), "p99_ms": ms(xs, 0.99)}
            for name, xs in sorted(res["latencies"].items(), key=lambda kv: -len(kv[1]))
        },
    }


def render(meta: dict, res: dict) -> str:
    levels = res["levels"]
    loads = [f"{lv['load_before']:.1f}" for lv in levels if lv["load_before"] is not None]
    lines = [
        f"Measured {date.today().isoformat()} by `make bench-api` (`bench/api_load.py`) on this "
        f"{os.cpu_count()}-core machine (1-minute load average before each level, the previous level's own load "
        f"included: {', '.join(loads) or '?'}); the server (`touchpoints serve`, one process) and the load "
        "generator share the cores.",
        "",
        f"Database: a synthetic workspace of **{meta['segments']:,} segments**: {meta['documents']:,} documents "
        f"(6 sources, 3 kinds, 2 years), {meta['complaints']:,} complaints, {meta['assignments']:,} assignments "
        f"over the 19 touchpoints, {meta['pain_points']} pain points, one complete run; {meta['db_mb']:,} MB, "
        f"built in {meta['build_s']} s (bulk inserts into the migrated schema; `finish_run` writes the run).",
        "",
        f"Each level sends {levels[0]['requests']:,} `GET /v1/pain-points` from that many concurrent keep-alive "
        "clients, each request a random variant: no filter, a period (7–365 days, or `since` alone), a source, a "
        "kind, a touchpoint, a stage, and combinations. Load generators: **httpx** (`AsyncClient`, asyncio) and "
        "**raw** (a minimal HTTP/1.1 client on asyncio streams, a tenth of httpx's CPU per request: on two shared "
        "cores the load generator's own CPU shows up in the latency).",
        "",
        "| load generator | concurrency | p50 ms | **p95 ms** | p99 ms | max ms | requests/s | errors | "
        "server CPU / request | load generator CPU / request |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for lv in levels:
        lines.append(
            f"| {lv['client']} | {lv['concurrency']} | {lv['p50_ms']} | **{lv['p95_ms']}** | {lv['p99_ms']} | "
            f"{lv['max_ms']} | "
            f"{lv['req_per_s']} | {lv['errors']} | {lv['server_cpu_ms_per_request']} ms | "
            f"{lv['client_cpu_ms_per_request']} ms |"
        )
    lines += [
        "",
        f"Server peak RSS {res['server_peak_rss_mb']} MB; first request after start {res['first_request_ms']} ms "
        f"(it builds the run's index; a run made by the server's own job is indexed by the job); "
        f"{res['server_tracebacks']} tracebacks in the server log.",
        "",
        "Where the time goes: counts, trends and quote candidates come from the run's in-memory index "
        "(`miner/store/index.py`, about 70 bytes per assignment, built once per run in one pass over the join; "
        "tests/test_api_perf_contract.py holds it equal to the SQL), so a request is mostly FastAPI's own work "
        "(three worker-thread hops, validation, JSON) plus a few primary-key reads on pooled connections. With the "
        "machine's cores busy the latency is queueing: requests/s × latency ≈ concurrency.",
        "",
        f"By variant ({levels[0]['client']}, concurrency {levels[0]['concurrency']}):",
        "",
        "| variant | requests | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {k} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['p99_ms']} |" for k, v in levels[0]["variants"].items()
    ]
    return "\n".join(lines) + "\n"


def write_docs(out: Path, section: str, markers: tuple[str, str] = (START, END),
               heading: str = "API load: `GET /v1/pain-points` on 1M segments") -> None:  # fmt: skip
    """Replace a generated section of docs/performance.md (between `markers`), keeping the hand-written text around
    it; a new one goes at the end under `heading`."""
    start, end = markers
    text = out.read_text(encoding="utf-8") if out.exists() else "# Performance\n"
    if start not in text:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    out.write_text(f"{head}{start}\n{section}{end}{tail}", encoding="utf-8")
    print(f"bench-api: wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--segments", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", default="1,4,8,16", help="concurrent clients; several levels: 1,4,8,16")
    parser.add_argument("--clients", default="httpx,raw", help="load generators, among: httpx, raw")
    parser.add_argument("--warmup", type=int, default=50, help="requests before the measured ones")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "api-bench")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database even if one of this size exists")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--markets", type=int, default=0,
                        help=f"items keep a Market column of N values (1-{len(MARKETS)}); time the first request per "
                             "market instead of the load")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=2, help="rounds of first requests per market (--markets)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--no-docs", action="store_true", help="print the figures only")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    meta = build(args.workdir, args.segments, args.rebuild, markets=args.markets)
    print(("reused " if meta["reused"] else "built ") + json.dumps({k: v for k, v in meta.items() if k != "reused"}),
          flush=True)  # fmt: skip
    if args.build_only:
        return
    main_db, _, _ = _paths(args.workdir, args.segments, args.markets)
    if args.markets:
        from bench.api_markets import first_requests, render_markets

        res = first_requests(main_db, WORKSPACE, meta, args.repeat)
        if not args.no_docs:
            heading = "API: the first request per market (`where=Market=X`, `by=Market`) on 1M segments"
            write_docs(args.out, render_markets(meta, res), (MARKETS_START, MARKETS_END), heading)
        return
    levels = [int(c) for c in str(args.concurrency).split(",")]
    res = run_load(main_db, meta, args.requests, levels, args.warmup, args.clients.split(","))
    print(json.dumps({k: v for k, v in res.items() if k != "levels"}))
    if not args.no_docs:
        write_docs(args.out, render(meta, res))


if __name__ == "__main__":
    main()
