"""bench/probe.py's anchor, tables and report plumbing on the fake embedder (the real run is `make eval-probe`)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOUCHPOINTS_MD = ROOT.parent / "shared" / "TOUCHPOINTS.md"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("probe", ROOT / "bench" / "probe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ITEMS = [
    {"id": "a1", "label": "airline/late", "complaint": True, "gold": ["product"], "text": "flight late"},
    {"id": "a2", "label": "airline/rude", "complaint": True, "gold": ["agents"], "text": "rude crew"},
    {"id": "a3", "label": "airline/praise", "complaint": False, "gold": None, "text": "lovely crew"},
    {"id": "g1", "label": "gym/cancel", "complaint": True, "gold": ["subscription"], "text": "can't cancel"},
    {"id": "g2", "label": "gym/other", "complaint": True, "gold": ["none"], "text": "so tired"},
]


def test_anchor_picks_the_nearest_description_and_never_abstains(bench, fake_embedder):
    items = [{"id": t, "text": d} for t, d in bench.DESCRIPTIONS.items()] + [{"id": "x", "text": "zzz qqq"}]
    preds = bench.run_anchor(items, fake_embedder)
    assert all(preds[t]["touchpoint"] == t for t in bench.DESCRIPTIONS)
    assert preds["x"]["touchpoint"] in bench.DESCRIPTIONS and all(p["complaint"] for p in preds.values())


def test_table_scores_each_industry_then_their_mean_and_the_pool(bench):
    ours = {
        "a1": {"touchpoint": "product", "complaint": True},
        "a2": {"touchpoint": "product", "complaint": True},
        "a3": {"touchpoint": "none", "complaint": False},
        "g1": {"touchpoint": "subscription", "complaint": True},
        "g2": {"touchpoint": "none", "complaint": True},
    }
    rows = bench.table(ITEMS, {"ours": ours})
    by = {r["industry"]: r for r in rows}
    assert [r["industry"] for r in rows] == ["airline", "gym", "mean of industries", "all items"]
    assert by["airline"]["ours"]["accuracy_at_1"] == 0.5 and by["gym"]["ours"]["accuracy_at_1"] == 1.0
    assert by["mean of industries"]["ours"]["accuracy_at_1"] == 0.75
    assert by["all items"]["ours"]["accuracy_at_1"] == 0.75 and by["all items"]["scored"] == 4
    text = bench.markdown(rows, ["ours"])
    assert "| **mean of industries** | 5 |  | 0.750 |" in text and "95% bootstrap" in text


def test_splice_replaces_only_the_marked_block(bench, tmp_path):
    page = tmp_path / "transfer.md"
    page.write_text("# Transfer\n\nProse before.\n\n<!-- probe:start -->\nold\n<!-- probe:end -->\n\nProse after.\n")
    bench.splice(page, "| new table |\n", "make eval-probe")
    text = page.read_text()
    assert "old" not in text and "| new table |" in text
    assert text.startswith("# Transfer\n\nProse before.") and text.endswith("Prose after.\n")


def test_descriptions_are_the_canonical_one_liners(bench):
    if not TOUCHPOINTS_MD.exists():
        pytest.skip("../shared/TOUCHPOINTS.md is not on this machine")
    rows = re.findall(r"^\| (\w+) \| [\w-]+ \| (.+) \|$", TOUCHPOINTS_MD.read_text(encoding="utf-8"), re.M)
    assert dict(rows[1:]) == bench.DESCRIPTIONS
