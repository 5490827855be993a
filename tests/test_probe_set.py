"""The cross-industry probe sets (corpora/probe/: short items, and whole support conversations) stay valid, balanced
and apart from everything the mapper learns from.

The probes measure transfer, so no probe sentence, nor any 6-word run of one, may reach the taxonomy's examples or the
complaint seeds (corpora/probe/README.md)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "corpora" / "probe" / "cross_industry.jsonl"
CONVERSATIONS = ROOT / "corpora" / "probe" / "conversations.jsonl"
TRAINING_TEXT = [*sorted((ROOT / "taxonomies").glob("*.yaml")), ROOT / "miner" / "complaints" / "seeds.yaml"]
CANONICAL = (
    "advertising social_media reputation website mobile_app account pricing checkout_payment product packaging "
    "in_store delivery billing returns_refunds agents contact_center documentation subscription follow_up"
).split()
MODALITIES = {
    "review",
    "survey_comment",
    "social_post",
    "support_query",
    "support_written_complaint",
    "support_transcript_turn",
    "support_transcript",
}
FIELDS = ["id", "dataset", "source", "modality", "lang", "real_text", "text", "complaint", "gold", "mentioned", "label"]
SHINGLE = 6


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return read(PROBE)


@pytest.fixture(scope="module", params=[PROBE, CONVERSATIONS], ids=lambda p: p.name)
def either(request) -> list[dict]:
    """Each probe file's items, for what both must keep."""
    return read(request.param)


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def strings(node: object) -> list[str]:
    """Every string anywhere in a parsed YAML document: examples, seeds, descriptions alike."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def test_fields_and_values(either):
    ids = [it["id"] for it in either]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for it in either:
        where = f"{it['dataset']} id {it['id']}"
        assert list(it) == FIELDS, where
        assert it["modality"] in MODALITIES, where
        assert it["lang"] == "en" and it["real_text"] is False, where
        assert it["text"].strip() == it["text"] and it["text"], where
        assert "/" in it["label"], f"{where}: label is industry/kind"
        if it["complaint"]:
            assert it["gold"] and set(it["gold"]) <= {*CANONICAL, "none"}, where
            assert it["gold"] == ["none"] or "none" not in it["gold"], where
        else:
            assert it["complaint"] is False and it["gold"] is None, where
        assert set(it["mentioned"]) <= set(CANONICAL), where


def test_texts_are_unique(either):
    repeated = [t for t, n in Counter(it["text"].lower() for it in either).items() if n > 1]
    assert not repeated


def test_balance(items):
    assert 400 <= len(items) <= 600
    complaints = [it for it in items if it["complaint"]]
    per_touchpoint = Counter(t for it in complaints for t in it["gold"])
    thin = {t: per_touchpoint[t] for t in CANONICAL if per_touchpoint[t] < 12}
    assert not thin, f"touchpoints with under 12 complaints: {thin}"
    per_industry = Counter(it["label"].split("/")[0] for it in items)
    assert len(per_industry) >= 9 and min(per_industry.values()) >= 30, per_industry
    share = 1 - len(complaints) / len(items)
    assert 0.15 <= share <= 0.3, f"non-complaints are {share:.0%} of the set"
    assert per_touchpoint["none"] >= 10
    assert sum(len(it["gold"]) > 1 for it in complaints) >= 10


def leaks(items: list[dict], taught: list[str]) -> list[str]:
    """Probe items whose whole text, or any 6-word run of it, is in the taught strings (case, punctuation aside)."""
    taught_shingles = set().union(*(shingles(s) for s in taught))
    taught_whole = {" ".join(re.findall(r"[a-z0-9]+", s.lower())) for s in taught}
    found = []
    for it in items:
        whole = " ".join(re.findall(r"[a-z0-9]+", it["text"].lower()))
        shared = shingles(it["text"]) & taught_shingles
        if whole in taught_whole or shared:
            found.append(f"{it['id']}: {' '.join(min(shared)) if shared else whole}")
    return found


def test_leak_check_catches_a_reworded_copy(items):
    planted = items[0]["text"].upper().replace(" ", "  ") + " and more words after it"
    assert leaks(items[:1], ["an unrelated example", planted]) == [
        f"{items[0]['id']}: " + " ".join(min(shingles(items[0]["text"])))
    ]
    assert leaks([{"id": "x", "text": "short"}], ["Short!"]) == ["x: short"]
    assert leaks(items[:1], ["five words are not enough"]) == []


@pytest.mark.parametrize("path", TRAINING_TEXT, ids=lambda p: p.name)
def test_no_probe_text_in_training_text(either, path):
    found = leaks(either, strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert not found, f"probe text found in {path.relative_to(ROOT)}; reword the example or seed: {found[:10]}"


def test_the_conversations_are_transcripts_of_twelve_industries_with_every_touchpoint():
    """Each a conversation the importer reads as one (customer and agent turns), 12 per industry, every canonical
    touchpoint among the complaints, some about two and some about none, and a few that are no complaint at all."""
    from miner.ingest.transcripts import parse_transcript

    conversations = read(CONVERSATIONS)
    for it in conversations:
        turns = parse_transcript(it["text"])
        assert turns is not None, it["id"]
        assert {"customer", "agent"} <= {t.speaker for t in turns}, it["id"]
        assert it["modality"] == "support_transcript" and it["dataset"] == "probe_conversations", it["id"]
    per_industry = Counter(it["label"].split("/")[0] for it in conversations)
    assert len(per_industry) == 12 and set(per_industry.values()) == {12}, per_industry
    complaints = [it for it in conversations if it["complaint"]]
    gold = Counter(t for it in complaints for t in it["gold"])
    assert set(CANONICAL) <= set(gold), set(CANONICAL) - set(gold)
    assert gold["none"] >= 3 and sum(len(it["gold"]) > 1 for it in complaints) >= 10
    assert 0.1 <= 1 - len(complaints) / len(conversations) <= 0.25


def test_the_conversations_share_no_sentence_with_the_short_probe(items):
    """Written apart: no 6-word run of a short probe item appears in a conversation."""
    assert not leaks(read(CONVERSATIONS), [it["text"] for it in items])
