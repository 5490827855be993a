"""`make bench-api`'s `--markets N` (bench/api_load.py, bench/api_markets.py) on a tiny workspace: its items keep a
`Market` column of N values and the rest of the workspace is the one without markets; the first requests per market
run against a real server and their table goes between its markers in the docs. No timing is asserted."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEGMENTS = 2_000


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("api_load", ROOT / "bench" / "api_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _items(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, source, kind, date, text, rating, meta FROM documents ORDER BY id").fetchall()


def test_markets_are_kept_on_the_same_workspace(bench, tmp_path: Path) -> None:
    plain = bench.build(tmp_path, SEGMENTS)
    meta = bench.build(tmp_path, SEGMENTS, markets=3)
    assert list(meta["markets"]) == ["DE", "UK", "FR"] and sum(meta["markets"].values()) == meta["documents"]
    assert {k: v for k, v in meta.items() if k not in ("markets", "build_s")} == {
        k: v for k, v in plain.items() if k not in ("markets", "build_s")
    }
    without, within = _items(bench._paths(tmp_path, SEGMENTS)[1]), _items(bench._paths(tmp_path, SEGMENTS, 3)[1])
    assert [row[:6] for row in within] == [row[:6] for row in without]
    kept = [bench.json.loads(row[6]) for row in within]
    assert {k["Market"] for k in kept} == {"DE", "UK", "FR"}
    assert [k.get("channel") for k in kept] == [bench.json.loads(row[6] or "{}").get("channel") for row in without]
    with pytest.raises(SystemExit, match="1 to 20"):
        bench.build(tmp_path, SEGMENTS, markets=21)


def test_first_requests_per_market_are_written_between_their_markers(bench, tmp_path: Path) -> None:
    from bench.api_markets import first_requests, render_markets

    meta = bench.build(tmp_path, SEGMENTS, markets=3)
    res = first_requests(bench._paths(tmp_path, SEGMENTS, 3)[0], bench.WORKSPACE, meta, repeat=1)
    doc = tmp_path / "performance.md"
    doc.write_text(
        f"# Performance\n\n## Per market\n\nBefore.\n\n{bench.MARKETS_START}\nold\n{bench.MARKETS_END}\n\nAfter.\n"
    )
    bench.write_docs(doc, render_markets(meta, res), (bench.MARKETS_START, bench.MARKETS_END))
    text = doc.read_text()
    assert "Before.\n\n" in text and text.endswith(f"{bench.MARKETS_END}\n\nAfter.\n") and "\nold\n" not in text
    for market in ("DE (the first of the column)", "UK", "FR"):
        assert f"\n| {market} | " in text
    assert "`GET /v1/breakdown?by=Market` alone (a fresh server) |" in text
    assert "`GET /v1/breakdown?by=channel&where=Market=DE` after the markets |" in text
    assert "`GET /v1/breakdown?by=channel&where=Market=UK` the next market |" in text
