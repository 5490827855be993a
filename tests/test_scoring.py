import random

import numpy as np

from miner.eval.scoring import bootstrap, counts, f1, figures, score


def test_accuracy_and_macro_f1_by_hand():
    gold = [
        {"id": 1, "complaint": True, "gold": ["billing", "checkout_payment"]},
        {"id": 2, "complaint": True, "gold": ["packaging"]},
        {"id": 3, "complaint": True, "gold": ["packaging"]},
        {"id": 4, "complaint": True, "gold": ["none"]},
        {"id": 5, "complaint": False, "gold": None},
        {"id": 6, "complaint": None, "gold": None},
    ]
    preds = {
        "1": {"touchpoint": "checkout_payment", "complaint": True},
        "2": {"touchpoint": "packaging", "complaint": True},
        "3": {"touchpoint": "billing", "complaint": True},
        "4": {"touchpoint": "none", "complaint": False},
        "5": {"touchpoint": "none", "complaint": True},
        "6": {"touchpoint": "none", "complaint": True},
    }
    s = score(gold, preds)
    assert s.scored == 4
    assert s.accuracy_at_1 == 0.75  # items 1, 2 and 4
    # billing: predicted once (item 3, wrong), gold once (item 1) -> P 0, R 0 -> F1 0
    # checkout_payment: P 1/1, R 1/1 -> 1; packaging: P 1/1, R 1/2 -> 2/3
    assert s.per_touchpoint["checkout_payment"]["f1"] == 1.0
    assert s.per_touchpoint["billing"]["f1"] == 0.0
    assert abs(s.per_touchpoint["packaging"]["f1"] - 2 / 3) < 1e-3
    assert abs(s.macro_f1 - (0 + 1 + 2 / 3) / 3) < 1e-3  # 'none' stays out of the mean
    # complaint F1 over items 1-5 (6 is null): TP 3, FP 1, FN 1
    assert s.complaint_items == 5
    assert abs(s.complaint_f1 - f1(3, 1, 1)) < 1e-3


def _random_set(n: int, seed: int) -> tuple[list[dict], dict[str, dict]]:
    rng = random.Random(seed)
    touchpoints = ["billing", "delivery", "packaging", "website", "none"]
    gold, preds = [], {}
    for i in range(n):
        complaint = rng.choice([True, True, False, None])
        labels = rng.sample(touchpoints, rng.choice([1, 1, 2])) if complaint and rng.random() < 0.9 else None
        gold.append({"id": i, "complaint": complaint, "gold": labels})
        right = labels and rng.random() < 0.6
        preds[str(i)] = {"touchpoint": labels[0] if right else rng.choice(touchpoints), "complaint": rng.random() < 0.7}
    return gold, preds


def test_resampled_figures_with_every_item_drawn_once_equal_score():
    for seed in range(5):
        gold, preds = _random_set(300, seed)
        s = score(gold, preds)
        f = figures(counts(gold, preds), np.ones((1, len(gold))))
        assert abs(f["accuracy_at_1"][0] - s.accuracy_at_1) < 1e-4
        assert abs(f["macro_f1"][0] - s.macro_f1) < 1e-4
        assert abs(f["complaint_f1"][0] - s.complaint_f1) < 1e-4


def test_bootstrap_interval_holds_the_figure_and_narrows_with_more_items():
    small_gold, small_preds = _random_set(200, 7)
    big_gold, big_preds = _random_set(5000, 7)
    small = bootstrap(small_gold, small_preds, resamples=300)
    assert small == bootstrap(small_gold, small_preds, resamples=300)  # a fixed seed: the same interval
    big = bootstrap(big_gold, big_preds, resamples=300)
    for name in ("accuracy_at_1", "macro_f1", "complaint_f1"):
        point = getattr(score(small_gold, small_preds), name)
        low, high = small[name]
        assert low <= point <= high
        assert big[name][1] - big[name][0] < (high - low) / 2  # 25x the items: about a fifth of the width


def test_bootstrap_has_no_interval_for_a_figure_with_nothing_to_score():
    gold = [{"id": 1, "complaint": None, "gold": None}, {"id": 2, "complaint": None, "gold": None}]
    out = bootstrap(gold, {}, resamples=50)
    assert out == {"accuracy_at_1": None, "macro_f1": None, "complaint_f1": None}


def test_eval_report_gives_an_interval_per_set_and_for_the_pooled_real_sets():
    from miner.eval.report import intervals_table

    absa, tweets = _random_set(400, 1), _random_set(300, 2)
    tweets = ([dict(it, gold=None) for it in tweets[0]], tweets[1])  # detection only, as complaints_tweets

    def as_list(preds: dict[str, dict]) -> list[dict]:
        return [dict(p, id=i) for i, p in preds.items()]

    table = intervals_table(
        {"absa_reviews_train": (absa[0], as_list(absa[1])), "complaints_tweets": (tweets[0], as_list(tweets[1]))}
    )
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert set(rows) == {"set", "absa_reviews_train", "complaints_tweets", "**pooled real sets**"}
    low, high = (float(x) for x in rows["absa_reviews_train"].split(" | ")[1].split("–"))
    assert low <= score(*absa).accuracy_at_1 <= high
    assert rows["complaints_tweets"].split(" | ")[1] == "–"  # no gold touchpoints: no accuracy to bound


def test_the_eval_loop_labels_the_least_sure_mapped_complaints_one_touchpoint_at_a_time():
    from miner.eval.report import least_sure_items

    items = [{"id": i, "complaint": i != 5, "gold": None if i == 6 else ["billing"]} for i in range(9)]
    preds = [
        {"id": i, "touchpoint": tp, "complaint": i != 4, "lead": lead, "nearest": nearest}
        for i, (tp, lead, nearest) in enumerate(
            [("billing", 0.30, 0), ("billing", 0.01, 0), ("delivery", 0.20, 0), ("delivery", 0.02, 0),
             ("billing", 0.0, 0), ("billing", 0.0, 0), ("delivery", 0.0, 0), ("none", 0.0, 0.2), ("none", 0.0, 0.3)]
        )
    ]  # fmt: skip
    # 4 not detected, 5 no complaint, 6 no gold: none can be labelled; the abstained 7 and 8 take the last turn of
    # each round, nearest a touchpoint first, as `taxonomy review` lists them
    assert [it["id"] for it in least_sure_items(items, preds, budget=6)] == [1, 3, 8, 0, 2, 7]
    picked = [it["id"] for it in least_sure_items(items, preds, budget=3, with_none=False)]
    assert picked == [1, 3, 0]


def test_with_intervals_names_the_figures_resting_on_fewer_than_30_items():
    from miner.eval.scoring import rests_on, with_intervals

    gold, preds = _random_set(400, 3)
    big = with_intervals(score(gold, preds), gold, preds, resamples=200)
    assert big.few_items == [] and all(big.intervals[k] is not None for k in rests_on(big))
    small = with_intervals(score(gold[:12], preds), gold[:12], preds, resamples=200)
    assert small.few_items == ["accuracy_at_1", "macro_f1", "complaint_f1"]
    assert small.intervals["accuracy_at_1"][1] - small.intervals["accuracy_at_1"][0] > (
        big.intervals["accuracy_at_1"][1] - big.intervals["accuracy_at_1"][0]
    )
