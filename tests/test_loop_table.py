"""The corrections curve's bookkeeping (miner/eval/loop.py): nested draws that leave half of each touchpoint to
score, the team-labelled tweets read as a domain, and a mean of domains that leaves them out. No model is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from miner.eval import loop
from miner.eval.scoring import Scores


def _scores(acc: float) -> Scores:
    return Scores(accuracy_at_1=acc, macro_f1=acc, complaint_f1=None, scored=10)


def test_draws_are_nested_and_never_take_more_than_half_of_a_touchpoint() -> None:
    items = [{"id": i, "gold": ["delivery" if i < 8 else "billing"]} for i in range(12)] + [
        {"id": 99, "gold": ["none"]}
    ]
    queues = loop.draws(items, seed=0)
    assert set(queues) == {"delivery", "billing"}  # `none` is never filed
    five, ten = loop.filed(queues, 5), loop.filed(queues, 10)
    assert [it["id"] for it in five] == [it["id"] for it in ten]  # 4 of 8 and 2 of 4 either way
    assert sum(it["gold"] == ["delivery"] for it in ten) == 4 and sum(it["gold"] == ["billing"] for it in ten) == 2
    assert [it["id"] for it in loop.filed(queues, 1)] == [queues["delivery"][0]["id"], queues["billing"][0]["id"]]


def test_the_team_labelled_tweets_are_a_domain_but_not_in_the_mean(tmp_path: Path, monkeypatch) -> None:
    tweets = [{"id": i, "text": f"t{i}", "complaint": i < 3, "gold": None} for i in range(5)]
    (tmp_path / "complaints_tweets.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tweets))
    labels = tmp_path / "labels"
    labels.mkdir()
    rows = [{"set": "complaints_tweets", "id": i, "gold": ["product"]} for i in (0, 1, 4)]
    (labels / "complaints_tweets_touchpoints.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(loop, "LABELS", labels)
    found = loop.domains(tmp_path, tmp_path / "no-probe.jsonl")
    assert list(found) == [loop.TEAM_LABELLED]
    assert [it["id"] for it in found[loop.TEAM_LABELLED]] == [0, 1]  # labelled complaints only

    keys = ["0/new", *[f"{k}/{h}" for k in loop.COUNTS[1:] for h in ("old", "new")], "review/new"]
    results = {
        "banking77": [dict.fromkeys(keys, _scores(0.8))],
        "probe": [dict.fromkeys(keys, _scores(0.6))],
        loop.TEAM_LABELLED: [dict.fromkeys(keys, _scores(0.1))],
    }
    text = loop.table(results, {"banking77": 300, "probe": 300, loop.TEAM_LABELLED: 300}, seeds=1)
    mean = next(line for line in text.splitlines() if line.startswith("| **mean"))
    assert "**0.700**" in mean and "**0.500**" not in mean  # (0.8 + 0.6) / 2, the tweets' 0.1 left out
    assert f"| {loop.TEAM_LABELLED} | 300 | 0.100 / 0.100 |" in text


@pytest.mark.parametrize("k", loop.COUNTS)
def test_corrections_are_the_complaints_first_words(k: int) -> None:
    from miner.touchpoints import load_taxonomy

    items = [{"id": i, "text": "word " * 80, "gold": ["delivery"]} for i in range(k)]
    taxonomy = loop.with_corrections(load_taxonomy(), items)
    assert len(taxonomy.corrections) == k
    assert all(len(c.text.split()) == loop.WORDS and c.touchpoint == "delivery" for c in taxonomy.corrections)


def test_a_transcript_is_corrected_with_the_customers_words() -> None:
    conversation = "<cust__ __company__ my flight is two hours late __cust> <rep__ __cust__ sorry to hear that __rep>"
    assert loop.quote(conversation) == "my flight is two hours late"
    assert loop.quote("Agent: hello, how can I help?\nCustomer: the app crashed again") == "the app crashed again"
    assert loop.quote("plain feedback " * 40).split() == ("plain feedback " * 30).split()  # WORDS words


def test_the_airline_conversations_stay_out_of_the_mean() -> None:
    keys = ["0/new", *[f"{k}/{h}" for k in loop.COUNTS[1:] for h in ("old", "new")], "review/new"]
    results = {"probe": [dict.fromkeys(keys, _scores(0.8))], loop.AIRLINE: [dict.fromkeys(keys, _scores(0.2))]}
    text = loop.table(results, {"probe": 300, loop.AIRLINE: 141}, seeds=1)
    assert f"| {loop.AIRLINE} | 141 | 0.200 / 0.200 |" in text
    assert text.splitlines()[-1].count("**0.800**") == len(keys)
