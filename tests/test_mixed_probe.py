"""The mixed-clause probe (corpora/probe/mixed_clauses.jsonl) stays valid, balanced and apart from what the mapper
learns from, and its clause scoring (miner/eval/clauses.py) counts a complaint filed under its neighbour's
touchpoint as bleed."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from miner.eval.clauses import MISSED, alone, clause_predictions, score_clauses
from tests.test_probe_set import CANONICAL, FIELDS, MODALITIES, ROOT, TRAINING_TEXT, leaks, read, strings

MIXED = ROOT / "corpora" / "probe" / "mixed_clauses.jsonl"


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return read(MIXED)


def test_fields_and_clauses(items):
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids))
    assert not [t for t, n in Counter(it["text"].lower() for it in items).items() if n > 1]
    for it in items:
        assert list(it) == [*FIELDS, "clauses"], it["id"]
        assert it["dataset"] == "probe_mixed_clauses" and it["modality"] in MODALITIES, it["id"]
        assert it["lang"] == "en" and it["real_text"] is False and it["complaint"] is True, it["id"]
        assert it["text"] == " ".join(c["text"] for c in it["clauses"]), it["id"]
        golds = [c["gold"] for c in it["clauses"]]
        assert all(g is None or (g and set(g) <= set(CANONICAL)) for g in golds), it["id"]
        assert it["gold"] == it["mentioned"] == list(dict.fromkeys(t for g in golds if g for t in g)), it["id"]


def test_balance(items):
    """About 150 items complaining of two or three touchpoints in as many clauses, about 30 of one complaint beside
    praise or narrative, ten industries, every canonical touchpoint the gold of some clause."""
    kinds = Counter(len({tuple(c["gold"]) for c in it["clauses"] if c["gold"]}) for it in items)
    assert kinds[2] + kinds[3] >= 140 and kinds[1] >= 25 and not kinds[0], kinds
    assert all(2 <= len(it["clauses"]) <= 3 for it in items)
    per_industry = Counter(it["label"].split("/")[0] for it in items)
    assert len(per_industry) >= 8 and min(per_industry.values()) >= 15, per_industry
    per_touchpoint = Counter(t for it in items for c in it["clauses"] if c["gold"] for t in c["gold"])
    assert set(CANONICAL) <= set(per_touchpoint), set(CANONICAL) - set(per_touchpoint)


@pytest.mark.parametrize("path", TRAINING_TEXT, ids=lambda p: p.name)
def test_no_probe_text_in_training_text(items, path):
    found = leaks(items, strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert not found, f"probe text found in {path.relative_to(ROOT)}; reword the example or seed: {found[:10]}"


def test_the_probes_share_no_sentence(items):
    """Written apart from the short and conversation probes: no 6-word run in common."""
    others = read(ROOT / "corpora" / "probe" / "cross_industry.jsonl")
    others += read(ROOT / "corpora" / "probe" / "conversations.jsonl")
    assert not leaks(items, [it["text"] for it in others])


ITEM = {
    "id": "x",
    "label": "telecom/2-touchpoints",
    "clauses": [
        {"text": "The app crashes every time I open it.", "gold": ["mobile_app"]},
        {"text": "The agent was rude when I asked for a manager.", "gold": ["agents"]},
        {"text": "I have been a customer for years.", "gold": None},
    ],
}


def stored(text: str, *assignments: tuple[str, float]) -> dict:
    return {"text": text, "complaint": bool(assignments), "assignments": [list(a) for a in assignments]}


def test_a_complaint_filed_under_its_neighbours_touchpoint_is_bleed():
    prediction = {"clauses": [
        stored("The app crashes every time I open it.", ("mobile_app", 0.6)),
        stored("The agent was rude", ("mobile_app", 0.5), ("agents", 0.48)),  # a clause split in two: its best part
        stored("when I asked for a manager.", ("agents", 0.3)),
        stored("I have been a customer for years."),
    ]}  # fmt: skip
    assert clause_predictions(ITEM, prediction) == ["mobile_app", "mobile_app", MISSED]
    s = score_clauses([ITEM], {"x": prediction})
    assert (s.clauses, s.accuracy_at_1, s.bleed, s.mixed_clauses, s.unsplit) == (2, 0.5, 0.5, 2, 0)


def test_an_abstention_a_miss_and_an_unsplit_clause_are_wrong_and_no_bleed():
    joined = "The app crashes every time I open it. The agent was rude when I asked for a manager."
    prediction = {"clauses": [stored(joined, ("none", 0.2)), stored("I have been a customer for years.")]}
    assert clause_predictions(ITEM, prediction) == [None, "none", MISSED]  # the joined clause: most words in the 2nd
    s = score_clauses([ITEM], {"x": prediction})
    assert (s.accuracy_at_1, s.bleed, s.detected, s.unsplit) == (0.0, 0.0, 0.5, 1)


def test_alone_makes_an_item_of_each_complaint_clause():
    assert [(it["id"], it["text"], it["gold"]) for it in alone([ITEM])] == [
        ("x#0", "The app crashes every time I open it.", ["mobile_app"]),
        ("x#1", "The agent was rude when I asked for a manager.", ["agents"]),
    ]
