"""The scoring rules of the shared evaluation sets (see docs/quality.md).

macro-F1 averages the canonical touchpoints present in gold; `none` is reported per touchpoint but,
not being a touchpoint, stays out of the mean. An item with two gold touchpoints counts toward the recall of
each: accuracy@1 scores a hit on either, macro-F1 a miss for the one not predicted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

NONE = "none"


@dataclass
class Scores:
    items: int = 0
    scored: int = 0  # complaints with non-null gold
    accuracy_at_1: float | None = None
    accuracy_detected: float | None = None  # end to end: a complaint the detector missed counts as `none`
    macro_f1: float | None = None
    complaint_f1: float | None = None
    complaint_items: int = 0  # items with a complaint label (true or false): what complaint F1 is computed on
    complaints: int = 0  # of them, labelled true
    per_touchpoint: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    # 95% bootstrap intervals of accuracy_at_1, macro_f1 and complaint_f1 (None: nothing to score), and the figures
    # that rest on fewer than FEW_ITEMS items; filled by `with_intervals`, for `touchpoints eval`
    intervals: dict[str, list[float] | None] = field(default_factory=dict)
    few_items: list[str] = field(default_factory=list)


def f1(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(gold_items: list[dict], predictions: dict[str, dict]) -> Scores:
    """Score predictions ({id: {"touchpoint", "complaint"}, and "detected_touchpoint" where it differs}) against
    gold items."""
    s = Scores(items=len(gold_items))
    hits = detected_hits = 0
    predicted_as: Counter[str] = Counter()
    correct_as: Counter[str] = Counter()
    gold_has: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    ctp = cfp = cfn = 0
    for item in gold_items:
        pred = predictions.get(str(item["id"]), {"touchpoint": NONE, "complaint": False})
        if item.get("complaint") is not None:
            s.complaint_items += 1
            s.complaints += bool(item["complaint"])
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
        detected_hits += pred.get("detected_touchpoint", top) in gold
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
        s.accuracy_detected = round(detected_hits / s.scored, 4)
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


@dataclass
class Counts:
    """Per-item indicators from which `score`'s figures are sums, so resampled figures are matrix products."""

    complaint: np.ndarray  # (items, 4): labelled, and the detector's true positive, false positive, false negative
    hit: np.ndarray  # (items,): a scored complaint whose top touchpoint is in gold
    scored: np.ndarray  # (items,): a complaint with gold touchpoints
    predicted: np.ndarray  # (items, touchpoints): scored and predicted as the touchpoint
    correct: np.ndarray  # (items, touchpoints): scored, predicted as the touchpoint and right
    gold: np.ndarray  # (items, touchpoints): scored with the touchpoint in gold
    canonical: np.ndarray  # (touchpoints,): not `none`, so in the macro mean


def counts(gold_items: list[dict], predictions: dict[str, dict]) -> Counts:
    touchpoints = sorted({t for it in gold_items if it.get("complaint") and it.get("gold") for t in it["gold"]})
    column = {t: j for j, t in enumerate(touchpoints)}
    n, k = len(gold_items), len(touchpoints)
    c = Counts(
        complaint=np.zeros((n, 4)),
        hit=np.zeros(n),
        scored=np.zeros(n),
        predicted=np.zeros((n, k)),
        correct=np.zeros((n, k)),
        gold=np.zeros((n, k)),
        canonical=np.array([t != NONE for t in touchpoints], dtype=bool),
    )
    for i, item in enumerate(gold_items):
        pred = predictions.get(str(item["id"]), {"touchpoint": NONE, "complaint": False})
        if item.get("complaint") is not None:
            said, truth = bool(pred["complaint"]), bool(item["complaint"])
            c.complaint[i] = (1, said and truth, said and not truth, truth and not said)
        gold = item.get("gold")
        if not item.get("complaint") or not gold:
            continue
        hit = pred["touchpoint"] in gold
        c.scored[i], c.hit[i] = 1, hit
        if pred["touchpoint"] in column:
            c.predicted[i, column[pred["touchpoint"]]] = 1
            c.correct[i, column[pred["touchpoint"]]] = hit
        for t in gold:
            c.gold[i, column[t]] = 1
    return c


def figures(c: Counts, weights: np.ndarray) -> dict[str, np.ndarray]:
    """accuracy@1, macro-F1 and complaint F1 for each row of `weights` (how often each item is drawn); NaN where a
    figure has nothing to score."""
    with np.errstate(invalid="ignore", divide="ignore"):
        labelled, tp, fp, fn = (weights @ c.complaint).T
        complaint = np.where(tp > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        complaint[labelled == 0] = np.nan
        scored = weights @ c.scored
        accuracy = (weights @ c.hit) / scored
        predicted, correct, gold = weights @ c.predicted, weights @ c.correct, weights @ c.gold
        precision = np.where(predicted > 0, correct / predicted, 0.0)
        recall = np.where(gold > 0, correct / gold, 0.0)
        f1s = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        present = (gold > 0) & c.canonical
        macro = np.where(present.any(axis=1), (f1s * present).sum(axis=1) / present.sum(axis=1), 0.0)
        macro[scored == 0] = np.nan
    return {"accuracy_at_1": accuracy, "macro_f1": macro, "complaint_f1": complaint}


def bootstrap(
    gold_items: list[dict], predictions: dict[str, dict], *, resamples: int = 1000, level: float = 0.95, seed: int = 0
) -> dict[str, tuple[float, float] | None]:
    """Percentile intervals of each figure over `resamples` draws of the items with replacement (fixed seed)."""
    c = counts(gold_items, predictions)
    rng = np.random.default_rng(seed)
    n = len(gold_items)
    draws: dict[str, list[np.ndarray]] = {}
    for start in range(0, resamples, 100):
        rows = min(100, resamples - start)
        weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(rows)]).astype(float)
        for name, values in figures(c, weights).items():
            draws.setdefault(name, []).append(values)
    tail = (1 - level) / 2 * 100
    out: dict[str, tuple[float, float] | None] = {}
    for name, chunks in draws.items():
        values = np.concatenate(chunks)
        values = values[~np.isnan(values)]
        out[name] = (
            (float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))) if len(values) else None
        )
    return out


RESAMPLES = 1000  # as `make eval` (miner/eval/report.py)
FEW_ITEMS = 30  # a figure on fewer items moves by tenths on another sample of the same kind: said as a warning


def rests_on(s: Scores) -> dict[str, int]:
    """How many items each figure is computed from: accuracy@1 and macro-F1 the complaints with gold touchpoints,
    complaint F1 the items with a complaint label."""
    return {"accuracy_at_1": s.scored, "macro_f1": s.scored, "complaint_f1": s.complaint_items}


def with_intervals(
    s: Scores, gold_items: list[dict], predictions: dict[str, dict], resamples: int = RESAMPLES
) -> Scores:
    """`s` with the 95% bootstrap intervals `make eval` gives (seed 0) and the figures resting on few items: a user's
    12-item set printed complaint F1 1.000 with nothing to say how little that is."""
    ranges = bootstrap(gold_items, predictions, resamples=resamples)
    s.intervals = {name: None if r is None else [round(r[0], 4), round(r[1], 4)] for name, r in ranges.items()}
    s.few_items = [name for name, n in rests_on(s).items() if n < FEW_ITEMS]
    return s
