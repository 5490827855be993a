from miner.eval.scoring import f1, score


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
    # billing: predicted once (item 3, wrong), gold twice -> P 0, R 0 -> F1 0
    # checkout_payment: P 1/1, R 1/1 -> 1; packaging: P 1/1, R 1/2 -> 2/3
    assert s.per_touchpoint["checkout_payment"]["f1"] == 1.0
    assert s.per_touchpoint["billing"]["f1"] == 0.0
    assert abs(s.per_touchpoint["packaging"]["f1"] - 2 / 3) < 1e-3
    assert abs(s.macro_f1 - (0 + 1 + 2 / 3) / 3) < 1e-3  # 'none' stays out of the mean
    # complaint F1 over items 1-5 (6 is null): TP 3, FP 1, FN 1
    assert s.complaint_items == 5
    assert abs(s.complaint_f1 - f1(3, 1, 1)) < 1e-3
