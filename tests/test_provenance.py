"""taxonomies/provenance.yaml accounts for every taxonomy example and complaint seed: a block added without saying
which set's errors were read while writing it fails here (issue 18: dev figures measure fit, not transfer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import miner.complaints
from miner.touchpoints.taxonomy import DEFAULT_TAXONOMY

ROOT = Path(__file__).resolve().parents[1]
PROVENANCE = ROOT / "taxonomies" / "provenance.yaml"
SEEDS = Path(miner.complaints.__file__).parent / "seeds.yaml"
SETS = {"absa", "cfpb", "banking77", "nhs", "tweets", "bitext", "dstc11", "none", "original", "twcs"}


@pytest.fixture(scope="module")
def provenance() -> dict:
    return yaml.safe_load(PROVENANCE.read_text(encoding="utf-8"))


def example_counts(taxonomy: dict) -> dict[str, int]:
    counts: dict[str, int] = {}

    def walk(nodes: list[dict]) -> None:
        for node in nodes or []:
            if node.get("examples"):
                counts[node["id"]] = len(node["examples"])
            walk(node.get("children", []))

    walk(taxonomy["touchpoints"])
    if taxonomy.get("none_examples"):
        counts["none_examples"] = len(taxonomy["none_examples"])
    return counts


def recorded(entries: dict[str, list[dict]]) -> dict[str, int]:
    return {key: sum(e["count"] for e in blocks) for key, blocks in entries.items()}


def test_every_taxonomy_example_is_attributed(provenance):
    have = example_counts(yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8")))
    said = recorded(provenance["taxonomy"])
    wrong = {k: (said.get(k, 0), have.get(k, 0)) for k in have.keys() | said.keys() if said.get(k) != have.get(k)}
    assert not wrong, f"{PROVENANCE.name}: recorded vs actual example counts differ, add a block per key: {wrong}"


def test_every_seed_is_attributed(provenance):
    seeds = yaml.safe_load(SEEDS.read_text(encoding="utf-8"))
    assert recorded(provenance["complaint_seeds"]) == {k: len(v) for k, v in seeds.items()}


def test_blocks_name_known_sets_and_described_commits(provenance):
    blocks = [b for part in ("taxonomy", "complaint_seeds") for bs in provenance[part].values() for b in bs]
    for block in blocks:
        assert set(block["set"].split("+")) <= SETS, block
        assert block["count"] > 0 and block["commits"], block
        for commit in block["commits"]:
            assert commit in provenance["commits"], f"{commit} has no 'why' under commits:"
    totals = provenance["totals"]
    assert sum(totals["taxonomy_examples"].values()) == sum(recorded(provenance["taxonomy"]).values())
