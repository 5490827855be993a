"""A real server for tests: `touchpoints serve` in a subprocess on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    db: Path
    log: Path
    pid: int = 0  # the server process (its /proc entry gives its memory)

    def key(self, workspace: str) -> str:
        from api.db import open_control
        from api.keys import create_key

        control = open_control(self.db)
        try:
            return create_key(control, workspace)
        finally:
            control.close()

    def client(self, key: str | None = None, timeout: float = 60) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)


@contextmanager
def serve(db: Path, env: dict[str, str] | None = None, startup_s: float = 60) -> Iterator[Server]:
    """Start the server, wait for /healthz, yield it, stop it (and show its log if it would not start)."""
    port = free_port()
    log = db.with_suffix(".log")
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    cmd = [sys.executable, "-m", "miner", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}):\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {startup_s} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server(url, db, log, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_run(client: httpx.Client, run_id: str, timeout_s: float = 300) -> tuple[dict, list[dict]]:
    """Poll a run until it finishes; returns its last state and every state seen."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        resp = client.get(f"/v1/runs/{run_id}")
        resp.raise_for_status()
        seen.append(resp.json())
        if seen[-1]["status"] in ("complete", "failed", "cancelled"):
            return seen[-1], seen
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} still {seen[-1]['status'] if seen else 'unknown'} after {timeout_s} s")
