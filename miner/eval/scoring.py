"""The scoring rules of the shared evaluation sets (see docs/quality.md).

macro-F1 averages the canonical touchpoints present in gold; `none` is reported per touchpoint but,
not being a touchpoint, stays out of the mean.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

NONE = "none"


@dataclass
class Scores:
    items: int = 0
    scored: int = 0  # complaints with non-null gold
    accuracy_at_1: float | None = None
    macro_f1: float | None = None
    complaint_f1: float | None = None
    complaint_items: int = 0
    per_touchpoint: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)


def f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(gold_items: list[dict], predictions: dict[str, dict]) -> Scores:
    """Score predictions ({id: {"touchpoint", "complaint"}}) against gold items."""
    s = Scores(items=len(gold_items))
    hits = 0
    predicted_as: Counter[str] = Counter()
    correct_as: Counter[str] = Counter()
    gold_has: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    ctp = cfp = cfn = 0
    for item in gold_items:
        pred = predictions.get(str(item["id"]), {"touchpoint": NONE, "complaint": False})
        if item.get("complaint") is not None:
            s.complaint_items += 1
            ctp += bool(pred["complaint"]) and item["complaint"]
            cfp += bool(pred["complaint"]) and not item["complaint"]
            cfn += (not pred["complaint"]) and item["complaint"]
        gold = item.get("gold")
        if not item.get("complaint") or not gold:
            continue
        s.scored += 1
        top = pred["touchpoint"]
        hit = top in gold
        hits += hit
        if not hit:
            confusion[(gold[0], top)] += 1
        predicted_as[top] += 1
        correct_as[top] += hit
        for t in gold:
            gold_has[t] += 1
    if s.complaint_items:
        s.complaint_f1 = round(f1(ctp, cfp, cfn), 4)
    if s.scored:
        s.accuracy_at_1 = round(hits / s.scored, 4)
        for t in sorted(gold_has):
            precision = correct_as[t] / predicted_as[t] if predicted_as[t] else 0.0
            recall = correct_as[t] / gold_has[t]
            f = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            s.per_touchpoint[t] = {
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(f, 4),
                "support": gold_has[t],
            }
        canonical = [v["f1"] for t, v in s.per_touchpoint.items() if t != NONE] or [0.0]
        s.macro_f1 = round(sum(canonical) / len(canonical), 4)
        s.confusions = [(g, p, n) for (g, p), n in confusion.most_common(8)]
    return s
