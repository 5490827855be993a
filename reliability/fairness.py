"""Fair run queue: how long a second workspace's run waits to start while another workspace re-maps a taxonomy
of 100,000 examples, with one worker (every run in one line, as before) and with the default two. The server runs
on 127.0.0.1 with the fake embedder; the taxonomy and records are generated here."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from api.testing import serve, wait_for_run
from reliability.uploads import WORDS

STAGES = ("pre-purchase", "purchase", "post-purchase")


def big_taxonomy(examples: int, touchpoints: int = 20) -> dict:
    per = examples // touchpoints
    return {
        "version": f"big-{examples}",
        "touchpoints": [
            {"id": f"tp{t}", "name": f"Touchpoint {t}", "stage": STAGES[t % 3], "description": f"Generated {t}.",
             "examples": [f"{WORDS[(t + i) % len(WORDS)]} {WORDS[(t * 7 + i) % len(WORDS)]} issue {t}-{i}"
                          for i in range(per)]}
            for t in range(touchpoints)
        ],
    }  # fmt: skip


def _records(n: int, tag: str) -> list[dict]:
    return [{"id": f"{tag}{i}", "rating": 1 + i % 5, "date": f"2026-03-{1 + i % 28:02d}",
             "text": " ".join(WORDS[(i * 3 + k) % len(WORDS)] for k in range(12)) + f" ({tag} {i})"}
            for i in range(n)]  # fmt: skip


def _wait_started(client: httpx.Client, run_id: str, timeout_s: float = 900) -> float:
    """Seconds until the run leaves 'queued' (polled every 20 ms)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if client.get(f"/v1/runs/{run_id}").json()["status"] != "queued":
            return time.monotonic() - start
        time.sleep(0.02)
    raise TimeoutError(f"run {run_id} still queued after {timeout_s} s")


def start_delay(workdir: Path, *, workers: int, examples: int = 100_000, records: int = 200) -> dict:
    """Workspace A re-maps with a taxonomy of `examples` examples; B starts a run once A's is running."""
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob(f"fair{workers}.*"):  # a database kept from an earlier run holds the taxonomy already:
        shutil.rmtree(old) if old.is_dir() else old.unlink()  # its PUT then re-maps nothing (200, no run)
    taxonomy = big_taxonomy(examples)
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0", "TOUCHPOINTS_WORKERS": str(workers),
           "TOUCHPOINTS_MAX_EXAMPLES": str(examples), "TOUCHPOINTS_MAX_TAXONOMY_BYTES": str(100 * 2**20)}  # fmt: skip
    with serve(workdir / f"fair{workers}.db", env) as server:
        a, b = server.client(server.key("remapper"), timeout=600), server.client(server.key("other"), timeout=600)
        with a, b:
            for client, tag in ((a, "a"), (b, "b")):
                client.post("/v1/datasets", json={"name": tag, "records": _records(records, tag)}).raise_for_status()
            wait_for_run(a, a.post("/v1/runs", json={}).json()["id"], 900)
            put = a.put("/v1/taxonomy", json=taxonomy)
            put.raise_for_status()
            remap = put.json()["run"]["id"]
            _wait_started(a, remap)
            posted = time.monotonic()
            other = b.post("/v1/runs", json={}).json()["id"]
            delay = _wait_started(b, other)
            b_final, _ = wait_for_run(b, other, 900)
            b_done = time.monotonic() - posted
            a_final, _ = wait_for_run(a, remap, 1800)
            a_done = time.monotonic() - posted
    return {"workers": workers, "examples": examples, "records_each": records,
            "other_start_delay_s": round(delay, 2), "other_run_s": round(b_done, 1),
            "remap_run_s_after_other_posted": round(a_done, 1),
            "statuses": [a_final["status"], b_final["status"]]}  # fmt: skip


def fairness(workdir: Path, examples: int = 100_000) -> dict:
    return {f"workers_{w}": start_delay(workdir, workers=w, examples=examples) for w in (1, 2)}
