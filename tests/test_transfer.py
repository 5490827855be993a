"""The leave-one-domain-out evaluation (miner/eval/transfer.py): domains split as declared, a domain's taxonomy and
seeds without the sentences written for it, figures as a mean of domains. No model is loaded here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from miner.complaints.detector import load_seeds
from miner.eval.provenance import load_sentences, sentence_hash, taxonomy_without, written_for
from miner.eval.transfer import (
    DOMAINS,
    Domain,
    accuracy_and_f1,
    domain_items,
    held_out,
    mean_interval,
    mean_of_domains,
)
from miner.touchpoints import load_taxonomy
from miner.touchpoints.taxonomy import Taxonomy
from miner.train.sources import touchpoint_training_set

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, items: list[dict]) -> None:
    path.write_text("".join(json.dumps(it) + "\n" for it in items), encoding="utf-8")


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    reviews = [{"id": i, "text": f"r{i}", "label": "restaurants" if i % 3 else "laptops"} for i in range(30)]
    write(tmp_path / "absa_reviews_train.jsonl", reviews)
    write(tmp_path / "cfpb_complaints.jsonl", [{"id": i, "text": f"c{i}"} for i in range(5)])
    write(tmp_path / "banking77.jsonl", [{"id": i, "text": f"b{i}"} for i in range(50)])
    return tmp_path


def test_a_domain_is_its_label_and_its_files(datasets: Path) -> None:
    restaurants = domain_items(DOMAINS[0], datasets, None)
    laptops = domain_items(DOMAINS[1], datasets, None)
    assert len(restaurants) == 20 and {it["label"] for it in restaurants} == {"restaurants"}
    assert len(laptops) == 10 and {it["label"] for it in laptops} == {"laptops"}
    banking = domain_items(DOMAINS[2], datasets, None)
    assert len(banking) == 55
    assert {it["id"].split(":")[0] for it in banking} == {"cfpb_complaints", "banking77"}  # ids stay apart


def test_a_sample_is_seeded_and_shared_between_files(datasets: Path) -> None:
    banking = domain_items(DOMAINS[2], datasets, 20)
    assert sum(it["id"].startswith("cfpb") for it in banking) == 5  # all of the small file
    assert sum(it["id"].startswith("banking77") for it in banking) == 10  # its half of the limit
    assert banking == domain_items(DOMAINS[2], datasets, 20)
    assert banking != domain_items(DOMAINS[2], datasets, 20, seed=1)


def test_a_domain_absent_from_the_folder_has_no_items(datasets: Path) -> None:
    assert domain_items(Domain("health", ("nhs_fft_phase1",)), datasets, 10) == []


def tiny_taxonomy() -> Taxonomy:
    return Taxonomy.model_validate(
        {
            "touchpoints": [
                {
                    "id": "delivery",
                    "name": "Delivery",
                    "stage": "post-purchase",
                    "description": "late or missing orders",
                    "examples": ["the order came late", "Pizza arrived   cold"],
                    "children": [
                        {
                            "id": "delivery/late",
                            "name": "Late",
                            "description": "late",
                            "examples": ["the laptop took three weeks"],
                        }
                    ],
                },
                {
                    "id": "agents",
                    "name": "Agents",
                    "stage": "post-purchase",
                    "description": "staff",
                    "examples": ["the waiter was rude"],
                },
            ],
            "none_examples": ["meh", "the food was bad"],
        }
    )


def test_a_domain_taxonomy_drops_its_sentences_and_keeps_the_rest() -> None:
    sentences = {
        "taxonomy": {
            "absa": {sentence_hash("pizza arrived cold"), sentence_hash("the waiter was rude")},
            "cfpb": {sentence_hash("the order came late")},
        },
        "seeds": {"absa+tweets": {sentence_hash("not great")}, "dstc11": {sentence_hash("I have a problem")}},
    }
    seeds = (["I have a problem", "not great", "it broke"], ["thanks", "not great"])
    h = held_out(Domain("restaurants", ("x",), sets=("absa",)), tiny_taxonomy(), seeds, sentences)
    assert h.taxonomy.touchpoints[0].examples == ["the order came late"]  # case and spacing aside
    assert h.taxonomy.touchpoints[0].children[0].examples == ["the laptop took three weeks"]
    assert h.taxonomy.touchpoints[1].examples == [] and h.taxonomy.touchpoints[1].description == "staff"
    assert (h.complaints, h.not_complaints) == (["I have a problem", "it broke"], ["thanks"])  # absa+tweets too
    assert (h.dropped_examples, h.dropped_seeds) == (2, 2)
    texts, _ = touchpoint_training_set(h.taxonomy, h.not_complaints)  # what its encoder is trained on
    assert "Pizza arrived   cold" not in texts and "the waiter was rude" not in texts and "not great" not in texts
    untouched = held_out(Domain("health", ("x",), sets=("nhs",)), tiny_taxonomy(), seeds, sentences)
    assert untouched.taxonomy == tiny_taxonomy() and untouched.dropped_seeds == 0


def test_the_mapper_of_a_held_out_taxonomy_never_reads_the_dropped_examples() -> None:
    from miner.embed.fake import HashingEmbedder
    from miner.touchpoints.mapper import get_mapper

    embed = HashingEmbedder().embed
    dropped = {sentence_hash("the order came late")}
    full = get_mapper("examples", tiny_taxonomy(), embed).fit()
    kept = get_mapper("examples", taxonomy_without(tiny_taxonomy(), dropped), embed).fit()
    assert len(kept.examples_) == len(full.examples_) - 1
    own = embed(["the order came late"])
    assert np.isclose((own @ full.examples_.T).max(), 1.0)  # the sentence itself, when it is there
    assert (own @ kept.examples_.T).max() < 0.99


def test_the_recorded_sentences_match_provenance_and_the_taxonomy() -> None:
    """taxonomies/provenance_sentences.json is current: its counts are provenance.yaml's totals, and every hash is
    a sentence the taxonomy or the seeds hold today (bench/provenance_sentences.py regenerates it)."""
    sentences = load_sentences()
    totals = yaml.safe_load((ROOT / "taxonomies" / "provenance.yaml").read_text(encoding="utf-8"))["totals"]
    for name, count in totals["taxonomy_examples"].items():
        assert len(sentences["taxonomy"].get(name, set())) == (0 if name == "original" else count)
    for name, count in totals["complaint_seeds"].items():
        assert len(sentences["seeds"].get(name, set())) == (0 if name == "original" else count)
    taxonomy = load_taxonomy()
    present = {sentence_hash(e) for top in taxonomy.touchpoints for e in top.all_examples()}
    present |= {sentence_hash(e) for e in taxonomy.none_examples}
    assert written_for(sentences["taxonomy"], ["absa", "cfpb"]) <= present
    complaints, other = load_seeds()
    assert written_for(sentences["seeds"], ["absa", "tweets", "dstc11", "none"]) <= {
        sentence_hash(s) for s in complaints + other
    }


def run(hits: list[bool], name: str) -> tuple[list[dict], dict[str, dict]]:
    items = [{"id": f"{name}{i}", "complaint": True, "gold": ["delivery"]} for i in range(len(hits))]
    preds = {
        f"{name}{i}": {"touchpoint": "delivery" if hit else "agents", "complaint": True} for i, hit in enumerate(hits)
    }
    return items, preds


def test_the_headline_is_a_mean_of_domains_not_a_pooled_figure() -> None:
    big, small = run([True] * 90, "a"), run([False] * 10, "b")
    assert mean_of_domains([big, small], "accuracy_at_1") == pytest.approx(0.5)  # pooled would say 0.9
    low, high = mean_interval([big, small], "accuracy_at_1", resamples=200)
    assert low == high == pytest.approx(0.5)
    mixed = run([True, False] * 20, "c")
    low, high = mean_interval([big, mixed], "accuracy_at_1", resamples=200)
    assert low < 0.75 < high and 0.5 <= low and high <= 1.0
    assert np.isclose(mean_of_domains([big], "accuracy_at_1") or 0, 1.0)


def test_the_probe_figure_is_a_mean_of_industries_and_a_set_figure_is_pooled() -> None:
    (a_items, a_preds), (b_items, b_preds) = run([True] * 9, "a"), run([False] * 3, "b")
    for it in a_items:
        it["label"] = "airline/late"
    for it in b_items:
        it["label"] = "telecom/late"
    items, preds = a_items + b_items, a_preds | b_preds
    assert accuracy_and_f1(items, preds, per_industry=True)[0] == pytest.approx(0.5)
    assert accuracy_and_f1(items, preds)[0] == pytest.approx(0.75)


def test_the_table_has_a_row_per_domain_the_mean_and_the_probe() -> None:
    from miner.eval.transfer import DomainResult, transfer_table

    good, bad = run([True] * 9 + [False], "a"), run([False] * 10, "b")
    tweets = [{"id": f"t{i}", "complaint": i % 2 == 0, "gold": None} for i in range(4)]
    said = {f"t{i}": {"touchpoint": "none", "complaint": True} for i in range(4)}
    results = [
        DomainResult("restaurants", *good, good[1], "−3 examples, −0 seeds"),
        DomainResult("health", *bad, good[1], "the default (nothing written for it)"),
        DomainResult("tweets", tweets, said, said, "−2 seeds", touchpoints=False),
    ]
    probe_items = [dict(it, label=f"{'airline' if i < 5 else 'gym'}/x") for i, it in enumerate(good[0])]
    from miner.eval.transfer import CONVERSATIONS, PROBE

    conversations = [dict(it, label="rail/x") for it in bad[0]]
    table = transfer_table(
        results, [(PROBE, (probe_items, good[1], bad[1])), (CONVERSATIONS, (conversations, bad[1], good[1]))]
    )
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert [r.split(" | ")[0] for r in rows] == [
        "| restaurants",
        "| health",
        "| tweets",
        "| **mean of 2 domains**",
        "| probe, mean of 2 industries (corpora/probe/cross_industry.jsonl)",
        "| conversation probe, mean of 1 industries (corpora/probe/conversations.jsonl)",
    ]
    assert "| 0.900 |" in rows[0] and "| 0.000 |" in rows[1]
    assert "**0.450**" in rows[3]  # (0.9 + 0.0) / 2; the tweets have no touchpoint gold
    assert "| 0.900 |" in rows[4]  # airline 1.0 (5 of 5) and gym 0.8 (4 of 5)
    assert "| 0.000 |" in rows[5]  # every conversation missed, and the anchor's columns are the other run's
    assert "0.667" in rows[2]  # complaint F1 of "always yes" on 2 of 4


def test_team_labels_give_a_set_without_gold_its_touchpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tweets = [{"id": i, "text": f"t{i}", "complaint": i % 2 == 0, "gold": None} for i in range(40)]
    write(tmp_path / "complaints_tweets.jsonl", tweets)
    labels = tmp_path / "labels"
    labels.mkdir()
    write(labels / "l.jsonl", [{"set": "complaints_tweets", "id": 4, "gold": ["delivery", "product"]}])
    domain = Domain("tweets", ("complaints_tweets",), touchpoints=False, labels="l.jsonl")
    import miner.eval.teamlabels as teamlabels

    before = domain_items(Domain("tweets", ("complaints_tweets",)), tmp_path, None)
    monkeypatch.setattr(teamlabels, "LABELS", labels)
    items = domain_items(domain, tmp_path, None)
    assert [it["gold"] for it in items if it["gold"]] == [["delivery", "product"]]
    assert [it["id"] for it in items] == [it["id"] for it in before]  # labels change the gold, not the items
    write(labels / "bad.jsonl", [{"set": "complaints_tweets", "id": 4, "gold": []}])
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        teamlabels.team_labels(labels / "bad.jsonl")


def test_the_shipped_tweet_labels_use_canonical_touchpoints_and_keep_the_old_sample() -> None:
    from miner.eval.teamlabels import LABELS, team_labels

    canonical = {t.id for t in load_taxonomy().touchpoints} | {"none"}
    labels = team_labels(LABELS / "complaints_tweets_touchpoints.jsonl")
    assert len(labels) == 530 and all(set(gold) <= canonical for gold in labels.values())
    tweets = next(d for d in DOMAINS if d.labels)
    # drawn under the name the domain had before it had labels, so the labelled items are the sample's complaints
    assert tweets.file_seed("complaints_tweets") == "tweets (complaint F1 only):complaints_tweets"
    assert not tweets.touchpoints  # one reader's labels stay out of the mean of domains


def test_the_evaluations_read_through_the_cache_the_environment_names(tmp_path, monkeypatch) -> None:
    """`make eval` gives each run a cache of its own through TOUCHPOINTS_EVAL_CACHE; without it the shared one sits
    beside the built models (TOUCHPOINTS_CACHE)."""
    from miner.eval.run import Evaluator

    monkeypatch.setenv("TOUCHPOINTS_EVAL_CACHE", str(tmp_path / "run" / "eval.db"))
    assert Evaluator().cache == tmp_path / "run" / "eval.db"
    monkeypatch.delenv("TOUCHPOINTS_EVAL_CACHE")
    monkeypatch.setenv("TOUCHPOINTS_CACHE", str(tmp_path / "models"))
    assert Evaluator().cache == tmp_path / "models" / "eval-embeddings.db"


def test_labelled_conversations_are_read_whole_from_the_raw_export(tmp_path: Path) -> None:
    from miner.eval.teamlabels import labelled_conversations

    raw = tmp_path / "convs.csv"
    raw.write_text(
        "first_tweet_id,first_utterance,context\n"
        '7.0,"<cust__  __company__  my flight is late __cust>","<rep__  __cust__  sorry __rep>"\n'
        '8.0,"<cust__ hi __cust>",""\n'
        '9.0,"<cust__ the app crashed __cust>",""\n',
        encoding="utf-8",
    )
    labels = tmp_path / "l.jsonl"
    rows = [
        {"set": "convs", "id": "9", "half": "open", "complaint": True, "gold": ["mobile_app"]},
        {"set": "convs", "id": "7", "half": "sealed", "complaint": True, "gold": ["delivery", "product"]},
        {"set": "convs", "id": "8", "half": "sealed", "complaint": None, "gold": None},
    ]
    write(labels, rows)
    items = labelled_conversations(raw, labels)
    assert [it["id"] for it in items] == ["convs:9", "convs:7", "convs:8"]  # the labels' order
    assert "sorry __rep>" in items[1]["text"] and items[1]["text"].startswith("<cust__")  # the whole conversation
    assert [it["label"] for it in items] == ["open", "sealed", "sealed"]
    assert items[1]["gold"] == ["delivery", "product"] and items[2]["complaint"] is None
    assert labelled_conversations(tmp_path / "absent.csv", labels) == []
    write(labels, [*rows, {"set": "convs", "id": "10", "complaint": False, "gold": None}])
    with pytest.raises(ValueError, match="not in .*convs.csv"):
        labelled_conversations(raw, labels)
    write(labels, [{"set": "convs", "id": "9", "complaint": True, "gold": []}])
    with pytest.raises(ValueError, match="l.jsonl:1"):
        labelled_conversations(raw, labels)


def test_the_airline_labels_have_two_halves_and_canonical_touchpoints() -> None:
    from miner.eval.teamlabels import LABELS

    canonical = {t.id for t in load_taxonomy().touchpoints} | {"none"}
    rows = [json.loads(line) for line in (LABELS / "twcs_airline_conversations.jsonl").read_text().splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) == 240
    assert [sum(r["half"] == h for r in rows) for h in ("open", "sealed")] == [120, 120]
    assert all(set(r["gold"]) <= canonical for r in rows if r["complaint"])
    assert all(r["gold"] is None for r in rows if not r["complaint"])
    airline = [d for d in DOMAINS if d.raw]
    assert [d.label for d in airline] == ["open", "sealed"] and all(not d.touchpoints for d in airline)
    assert all("twcs" in d.sets for d in airline)  # the examples written after reading airline turns are held out


def test_a_mined_export_is_scored_on_its_labelled_conversations(tmp_path: Path, monkeypatch, db, fake_embedder) -> None:
    import miner.eval.teamlabels as teamlabels
    from miner.pipeline import MineOptions, mine
    from miner.segment import get_segmenter

    raw = tmp_path / "raw" / "twcs_airline_conversations.csv"
    raw.parent.mkdir()
    raw.write_text(
        "first_tweet_id,first_utterance,context\n"
        '7.0,"<cust__  __company__  my flight is five hours late, again __cust>","<rep__  __cust__  sorry __rep>"\n'
        '8.0,"<cust__ the app crashed twice and lost my booking __cust>",""\n'
        '9.0,"<cust__ thank you for the lovely flight __cust>",""\n',
        encoding="utf-8",
    )
    labels = tmp_path / "labels"
    labels.mkdir()
    rows = [
        {"set": "twcs_airline_conversations", "id": "7", "half": "open", "complaint": True, "gold": ["delivery"]},
        {"set": "twcs_airline_conversations", "id": "8", "half": "sealed", "complaint": True, "gold": ["mobile_app"]},
        {"set": "twcs_airline_conversations", "id": "9", "half": "sealed", "complaint": False, "gold": None},
        {"set": "twcs_airline_conversations", "id": "10", "half": "sealed", "complaint": True, "gold": ["product"]},
    ]
    write(labels / "twcs_airline_conversations.jsonl", rows)
    monkeypatch.setattr(teamlabels, "LABELS", labels)
    raw.write_text(raw.read_text() + '10.0,"<cust__ seat broken __cust>",""\n', encoding="utf-8")
    first_three = tmp_path / "three.csv"  # a run of part of the export: conversation 10 is not in it
    first_three.write_text("".join(raw.read_text().splitlines(keepends=True)[:4]), encoding="utf-8")
    _, run_id = mine(db, [first_three], MineOptions(embedder=fake_embedder, segmenter=get_segmenter("rules")))
    scores = teamlabels.stored_scores(db, run_id, tmp_path, least=1)
    assert set(scores) == {"open", "sealed"}
    assert scores["open"].scored == 1 and scores["sealed"].scored == 2  # conversation 10 is not in the run: unmined
    from miner.eval.predict import predictions_of_run

    preds = predictions_of_run(db, run_id)
    assert set(preds) == {"7", "8", "9"}  # the run's source ids are the labels' ids
    expected = float(preds["8"]["touchpoint"] == "mobile_app") / 2  # conversation 10 counts as missed
    assert scores["sealed"].accuracy_at_1 == pytest.approx(expected)
    assert set(teamlabels.stored_scores(db, run_id, tmp_path, least=2)) == {"sealed"}  # the run holds 1 of the open
