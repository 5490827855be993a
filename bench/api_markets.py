"""`make bench-api BENCH_API_ARGS="--markets 5"`: the first request per market on the bench's workspace with a
`Market` column (bench/api_load.py builds it), against a real server.

A market's first request builds its tables (read or cut from the run's own); later ones answer from memory, so each
figure is the first request of a fresh server. A round is two servers, each first asked the unfiltered
`GET /v1/pain-points` and `GET /v1/trends` (the run's own index and respondents, as a run made by the server's own
job has them built): the first then asks each market's pain points and trends, market after market in the order of
their shares, then `GET /v1/breakdown?by=Market`, and `by=channel` (the chat transcripts' kept column) with a
`where=` on the largest market, then on the next; the second asks `GET /v1/breakdown?by=Market` alone.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

RUN_INDEX, RUN_TRENDS = "`GET /v1/pain-points` (the run's own index)", "`GET /v1/trends` (the run's respondents)"
AFTER, ALONE = "`GET /v1/breakdown?by=Market` after the markets", "`GET /v1/breakdown?by=Market` alone (a fresh server)"


def _timed(client, path: str) -> tuple[float, dict]:
    started = time.perf_counter()
    resp = client.get(path)
    took = time.perf_counter() - started
    if resp.status_code != 200:
        raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:500]}")
    return took, resp.json()


def _round(main: Path, workspace: str, markets: list[str]) -> tuple[dict[str, float], dict]:
    """One round (two fresh servers): seconds per request (the markets' by `pain-points X` and `trends X`, the
    others by their line of the table), and the breakdown by=Market's answer."""
    from api.testing import serve

    env = {"TOUCHPOINTS_RATE_LIMIT": "0", "TOUCHPOINTS_EMBEDDING_MODEL": "fake"}
    took: dict[str, float] = {}
    with serve(main, env) as server, server.client(server.key(workspace), timeout=300) as client:
        took[RUN_INDEX], _ = _timed(client, "/v1/pain-points")
        took[RUN_TRENDS], _ = _timed(client, "/v1/trends")
        for market in markets:
            took[f"pain-points {market}"], _ = _timed(client, f"/v1/pain-points?where=Market={market}")
            took[f"trends {market}"], _ = _timed(client, f"/v1/trends?where=Market={market}")
        took[AFTER], answer = _timed(client, "/v1/breakdown?by=Market")
        for market, when in zip(markets, ["after the markets", "the next market"], strict=False):
            where_by = f"/v1/breakdown?by=channel&where=Market={market}"
            took[f"`GET {where_by}` {when}"], _ = _timed(client, where_by)
    with serve(main, env) as server, server.client(server.key(workspace), timeout=300) as client:
        _timed(client, "/v1/pain-points")
        _timed(client, "/v1/trends")
        took[ALONE], _ = _timed(client, "/v1/breakdown?by=Market")
    return took, answer


def first_requests(main: Path, workspace: str, meta: dict, repeat: int = 2) -> dict:
    """`repeat` rounds on the server database `main` (its `workspace` the bench's, `meta` its build's): each
    request's seconds per round, and the 1-minute load before each round. Checks that the breakdown gives each
    market its items."""
    markets = list(meta["markets"])
    rounds, loads = [], []
    for _ in range(repeat):
        loads.append(os.getloadavg()[0])
        took, answer = _round(main, workspace, markets)
        items = {row["value"]: row["items"] for row in answer["rows"]}
        if items != meta["markets"]:
            raise RuntimeError(f"by=Market gave {items}, the workspace holds {meta['markets']}")
        rounds.append(took)
        print({k: round(v, 3) for k, v in took.items()}, flush=True)
    return {"rounds": rounds, "loads": loads}


def _span(values: list[float]) -> str:
    """Seconds as the docs give them: one figure, or the range over the rounds; under 1 s in ms."""
    low, high = min(values), max(values)
    if high < 1:
        low_ms, high_ms = round(low * 1000), round(high * 1000)
        return f"{low_ms} ms" if low_ms == high_ms else f"{low_ms}-{high_ms} ms"
    return f"{low:.2f} s" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}-{high:.2f} s"


def render_markets(meta: dict, res: dict) -> str:
    """The generated part of docs/performance.md's per-market section."""
    from miner.wording import counted

    rounds = res["rounds"]
    spans = {key: _span([r[key] for r in rounds]) for key in rounds[0]}
    documents = meta["documents"]
    shares = ", ".join(f"{m} {n / documents:.0%}" for m, n in meta["markets"].items())
    loads = ", ".join(f"{x:.1f}" for x in res["loads"])
    lines = [
        f'Measured {date.today().isoformat()} by `make bench-api BENCH_API_ARGS="--markets {len(meta["markets"])}"` '
        f"(`bench/api_load.py`, `bench/api_markets.py`) on this {os.cpu_count()}-core machine: "
        f"{counted(len(rounds), 'round')} (1-minute load before each: {loads}), each request the first of its kind "
        "in a fresh server (`touchpoints serve`) after the unfiltered `GET /v1/pain-points` and `GET /v1/trends` "
        "built the run's own index and respondents; ranges over the rounds.",
        "",
        f"Database: the bench's workspace of {meta['segments']:,} segments ({documents:,} items) whose items keep a "
        f"`Market` column ({shares}).",
        "",
        "| market, in this order | first `GET /v1/pain-points?where=Market=X` | first `GET /v1/trends?where=Market=X` "
        "|",
        "|---|---|---|",
    ]
    for n, market in enumerate(meta["markets"]):
        which = " (the first of the column)" if n == 0 else ""
        lines.append(f"| {market}{which} | {spans[f'pain-points {market}']} | {spans[f'trends {market}']} |")
    lines += ["", "| first request | time |", "|---|---|"]
    lines += [f"| {key} | {span} |" for key, span in spans.items() if key.startswith("`")]
    return "\n".join(lines) + "\n"
