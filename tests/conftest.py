"""Shared fixtures: a fake embedder and a small taxonomy for fast unit tests (no model quality claimed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
# Six complaints over four touchpoints, for small mined files (incremental and erasure tests).
COMPLAINTS = [
    "I was charged twice for my order",
    "the refund never arrived on my card",
    "the box arrived crushed and wet",
    "the packaging was torn open",
    "the website does not show the delivery charge",
    "the site crashed at checkout",
]
SHARED = ROOT.parent / "shared"


def write_reviews(path: Path, start: int, n: int) -> None:
    """A review export of `n` one-star complaints (ids R<start>...), each one of COMPLAINTS with its own order
    number, dated the same day: a night's file for the incremental and pruning tests."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "date", "rating", "review"])
        for i in range(start, start + n):
            w.writerow([f"R{i}", "2026-01-03", 1, f"{COMPLAINTS[i % len(COMPLAINTS)]}, order {i} was awful."])


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def fake_embedder():
    from miner.embed.fake import HashingEmbedder

    return HashingEmbedder(dim=128)


@pytest.fixture
def mini_taxonomy():
    from miner.touchpoints import load_taxonomy

    return load_taxonomy(DATA / "mini_taxonomy.yaml")


@pytest.fixture(scope="session")
def segmenter():
    from miner.segment import Segmenter

    return Segmenter()


@pytest.fixture(scope="session")
def demo_mined(tmp_path_factory) -> tuple[Path, dict]:
    """The demo corpus mined once through the CLI on the real models, and its --json-out summary: the end-to-end
    and browser tests mined it each on their own. Each copies the database (`copy_db`) before it changes anything."""
    import json
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("demo-mined")
    db, summary = out / "demo.db", out / "summary.json"
    args = ["mine", str(ROOT / "corpora" / "food_delivery"), "--db", str(db), "--json-out", str(summary)]
    proc = subprocess.run([sys.executable, "-m", "miner", *args], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, f"touchpoints mine failed:\n{proc.stdout}\n{proc.stderr}"
    return db, json.loads(summary.read_text())


def copy_db(db: Path, folder: Path) -> Path:
    """A copy of SQLite file `db` (and its -wal, if any) in `folder`."""
    import shutil

    for suffix in ("", "-wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", folder / f"{db.name}{suffix}")
    return folder / db.name


@pytest.fixture
def db(tmp_path):
    from miner.store import open_db

    return open_db(tmp_path / "t.db")
