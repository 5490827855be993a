"""Memory under large uploads: the server's peak RSS while 4 clients each upload a 40 MB CSV at once, against its
idle RSS. An upload streams to disk and is read back in chunks, so the peak should stay near idle whatever the
size. The server runs on 127.0.0.1 with the fake embedder; the CSVs are generated here, not taken from a dataset."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from api.testing import serve

WORDS = ("the courier was late again and the food arrived cold; nobody answered the phone when I called "
         "about the refund, the app crashed at checkout twice and the delivery fee was hidden until the end "
         "of the order which is not what the website promised").split()  # fmt: skip


def write_csv(path: Path, size: int, seed: int = 0) -> int:
    """A feedback CSV of about `size` bytes (id, date, rating, text); returns its row count."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,date,rating,text\n")
        while out.tell() < size:
            text = " ".join(rng.choices(WORDS, k=rng.randint(8, 30)))
            out.write(f"r{rows},2026-03-{1 + rows % 28:02d},{1 + rows % 5},{text}\n")
            rows += 1
    return rows


def rss(pid: int, field: str = "VmRSS") -> int:
    """Bytes of `field` (VmRSS, VmHWM) of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Sampler:
    """Samples a process's RSS every `every_s` seconds in a thread; `peak` is the largest seen."""

    def __init__(self, pid: int, every_s: float = 0.02) -> None:
        self.pid, self.every_s, self.peak = pid, every_s, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(self.every_s)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _upload(url: str, key: str, path: Path) -> tuple[int, str]:
    with path.open("rb") as fh, httpx.Client(base_url=url, timeout=900) as client:
        resp = client.post("/v1/datasets", files={"file": (path.name, fh, "text/csv")},
                           headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    return resp.status_code, resp.text[:200]


def upload_memory(workdir: Path, *, size_mb: float = 40, parallel: int = 4) -> dict:
    """Idle and peak RSS of the server around `parallel` simultaneous uploads of a `size_mb` MB CSV each."""
    workdir.mkdir(parents=True, exist_ok=True)
    files = [workdir / f"upload{i}.csv" for i in range(parallel)]
    rows = [write_csv(f, int(size_mb * 1_000_000), seed=i) for i, f in enumerate(files)]
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0",
           "TOUCHPOINTS_MAX_UPLOAD_BYTES": str(int(size_mb * 1_000_000) + 1_000_000)}  # fmt: skip
    with serve(workdir / "uploads.db", env) as server:
        keys = [server.key(f"upload-{i}") for i in range(parallel)]
        with server.client(keys[0]) as client:  # one small request first, so idle means warmed up
            client.get("/v1/datasets").raise_for_status()
        time.sleep(1)
        idle = rss(server.pid)
        start = time.monotonic()
        with Sampler(server.pid) as sampler, ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(_upload, [server.url] * parallel, keys, files))
        took = time.monotonic() - start
        peak = sampler.peak
    return {
        "uploads": parallel,
        "mb_each": size_mb,
        "rows_each": rows[0],
        "statuses": [status for status, _ in results],
        "first_error": next((text for status, text in results if status != 201), None),
        "idle_rss_mb": round(idle / 2**20),
        "peak_rss_mb": round(peak / 2**20),
        "peak_over_idle_mb": round((peak - idle) / 2**20),
        "seconds": round(took, 1),
    }
