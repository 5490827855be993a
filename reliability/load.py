"""Concurrent load on a real server on 127.0.0.1: uploaders that upload and mine in their own workspaces while
many readers fetch /v1/pain-points. Figures: errors, "database is locked", latency percentiles."""

from __future__ import annotations

import asyncio
import csv
import random
import statistics
import time
from pathlib import Path

import httpx

from api.testing import ROOT, serve

CORPUS = ROOT / "corpora" / "food_delivery" / "reviews.csv"
LOCKED = "database is locked"


def _texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [row["review"] for row in csv.DictReader(fh) if row.get("review")]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Tally:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []
        self.locked = 0
        self.runs_complete = 0
        self.runs_failed = 0

    def record(self, kind: str, started: float, resp: httpx.Response | None, error: str | None = None) -> None:
        self.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        code = str(resp.status_code) if resp is not None else "transport"
        self.statuses[f"{kind} {code}"] = self.statuses.get(f"{kind} {code}", 0) + 1
        body = resp.text if resp is not None else (error or "")
        if LOCKED in body:
            self.locked += 1
        if resp is None or resp.status_code >= 400:
            if len(self.errors) < 20:
                self.errors.append(f"{kind} {code}: {body[:200]}")


async def _request(
    client: httpx.AsyncClient, tally: Tally, kind: str, method: str, url: str, **kw
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        resp = await client.request(method, url, **kw)
    except httpx.HTTPError as err:
        tally.record(kind, started, None, f"{type(err).__name__}: {err}")
        return None
    tally.record(kind, started, resp)
    return resp


async def uploader(client: httpx.AsyncClient, key: str, n: int, texts: list[str], stop: float, tally: Tally,
                   ready: list[str]) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(n)
    cycle = 0
    while time.monotonic() < stop:
        cycle += 1
        records = [
            {"id": f"w{n}-c{cycle}-{i}", "rating": rng.randint(1, 5), "date": f"2026-03-{rng.randint(1, 28):02d}",
             "text": f"{t} (order {n}-{cycle}-{i})"} for i, t in enumerate(rng.sample(texts, 15))
        ]  # fmt: skip
        resp = await _request(client, tally, "upload", "POST", "/v1/datasets", headers=headers,
                              json={"name": f"load-{n}-{cycle}", "records": records})  # fmt: skip
        if resp is None or resp.status_code != 201:
            continue
        resp = await _request(client, tally, "start run", "POST", "/v1/runs", headers=headers,
                              json={"dataset_id": resp.json()["id"]})  # fmt: skip
        if resp is None or resp.status_code != 202:
            continue
        run_id = resp.json()["id"]
        while True:
            await asyncio.sleep(0.25)
            resp = await _request(client, tally, "poll run", "GET", f"/v1/runs/{run_id}", headers=headers)
            if resp is None or resp.status_code != 200:
                break
            status = resp.json()["status"]
            if status in ("complete", "failed", "cancelled"):
                tally.runs_complete += status == "complete"
                tally.runs_failed += status != "complete"
                if status == "complete" and key not in ready:
                    ready.append(key)
                break


async def reader(client: httpx.AsyncClient, n: int, stop: float, tally: Tally, ready: list[str]) -> None:
    rng = random.Random(1000 + n)
    queries = ["", "?limit=5", "?touchpoint=website", "?since=2026-03-01&until=2026-03-31", "?kind=review&limit=20"]
    while time.monotonic() < stop:
        key = rng.choice(ready)
        await _request(client, tally, "read", "GET", "/v1/pain-points" + rng.choice(queries),
                       headers={"Authorization": f"Bearer {key}"})  # fmt: skip


async def _drive(url: str, keys: list[str], seeded: str, readers: int, duration_s: float) -> tuple[Tally, float]:
    texts = _texts()
    tally = Tally()
    ready = [seeded]
    limits = httpx.Limits(max_connections=readers + len(keys) + 8, max_keepalive_connections=readers + len(keys))
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        start = time.monotonic()
        stop = start + duration_s
        tasks = [uploader(client, k, i, texts, stop, tally, ready) for i, k in enumerate(keys)]
        tasks += [reader(client, i, stop, tally, ready) for i in range(readers)]
        await asyncio.gather(*tasks)
        return tally, time.monotonic() - start


def _seed(server, key: str, rows: int | None) -> None:
    from api.testing import wait_for_run

    with server.client(key) as client:
        if rows is None:
            with CORPUS.open("rb") as fh:
                ds = client.post("/v1/datasets", files={"file": ("reviews.csv", fh, "text/csv")}).json()
        else:
            records = [{"id": f"s{i}", "rating": 1 + i % 5, "date": f"2026-03-{1 + i % 28:02d}", "text": t}
                       for i, t in enumerate(_texts()[:rows])]  # fmt: skip
            ds = client.post("/v1/datasets", json={"name": "seed", "records": records}).json()
        run = client.post("/v1/runs", json={"dataset_id": ds["id"]}).json()
        final, _ = wait_for_run(client, run["id"])
        if final["status"] != "complete":
            raise RuntimeError(f"seeding the load test failed: {final}")


def load_test(
    workdir: Path, *, uploaders: int = 8, readers: int = 200, duration_s: float = 60, seed_rows: int | None = None
) -> dict:
    """Run the load for `duration_s` against a fresh server whose readers' workspace holds the demo reviews (or
    their first `seed_rows`); returns the figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "load.db"
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}  # the rate limit is tested apart
    with serve(db, env) as server:
        seeded = server.key("readers")
        _seed(server, seeded, seed_rows)
        keys = [server.key(f"load-{i}") for i in range(uploaders)]
        tally, took = asyncio.run(_drive(server.url, keys, seeded, readers, duration_s))
        log = server.log.read_text(errors="replace")
    reads = tally.latencies.get("read", [])
    errors = sum(v for k, v in tally.statuses.items() if not k.split()[-1].startswith("2"))
    return {
        "uploaders": uploaders,
        "readers": readers,
        "duration_s": round(took, 1),
        "requests": sum(tally.statuses.values()),
        "reads": len(reads),
        "reads_per_s": round(len(reads) / took, 1) if took else 0,
        "uploads": sum(v for k, v in tally.statuses.items() if k.startswith("upload")),
        "runs_complete": tally.runs_complete,
        "runs_failed": tally.runs_failed,
        "errors": errors,
        "database_locked": tally.locked + log.count(LOCKED),
        "server_tracebacks": log.count("Traceback"),
        "read_p50_ms": round(percentile(reads, 0.50) * 1000),
        "read_p95_ms": round(percentile(reads, 0.95) * 1000),
        "read_p99_ms": round(percentile(reads, 0.99) * 1000),
        "read_mean_ms": round(statistics.fmean(reads) * 1000) if reads else 0,
        "upload_p95_ms": round(percentile(tally.latencies.get("upload", []), 0.95) * 1000),
        "statuses": dict(sorted(tally.statuses.items())),
        "first_errors": tally.errors[:5],
    }
