"""Clause-level scoring of items that complain about several touchpoints at once (corpora/probe/mixed_clauses.jsonl).

Item-level figures count any gold touchpoint of an item as right, so an item whose second complaint was filed under
its first's touchpoint still scores. Here each gold clause of an item (`clauses`: its `text` and `gold`, a list of
ids or null for praise and narrative) is matched to the clauses the run stored (`predict_items(..., clauses=True)`)
by its words, and scored alone:

- a gold clause's prediction is the rank-0 touchpoint of its stored complaint clause with the highest rank-0 score
  (the item rule of miner/eval/predict.py, within the clause); `none` where the mapper abstained on all of them;
  `missed` where none of its stored clauses is a complaint (the detector's miss);
- accuracy@1: the share of complaint clauses whose prediction is one of their gold ids (a miss or `none` is wrong);
- bleed: the share of complaint clauses of items with two or more complained-of touchpoints whose prediction is
  another clause's gold in the same item and not their own: the item's context pulled the clause to its neighbour.

A stored clause belongs to the gold clause that holds most of its words, so a segmenter that splits a gold clause
in two costs nothing, and one that leaves two gold clauses joined gives the second none (`unsplit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from miner.touchpoints.taxonomy import NONE

MISSED = "missed"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def clause_predictions(item: dict, prediction: dict) -> list[str | None]:
    """Per gold clause of `item`, its predicted touchpoint (`none`, `missed`), or None when no stored clause was
    matched to it (an unsplit clause)."""
    gold = [words(c["text"]) for c in item["clauses"]]
    best: list[tuple[float, str] | None] = [None] * len(gold)
    matched = [False] * len(gold)
    for stored in prediction.get("clauses", []):
        own = words(stored["text"])
        overlap = [len(own & g) / max(len(own), 1) for g in gold]
        k = max(range(len(gold)), key=lambda j: overlap[j])
        if overlap[k] == 0:
            continue
        matched[k] = True
        first = stored["assignments"][0] if stored["complaint"] and stored["assignments"] else None
        if first is None:
            continue
        score = float(first[1]) if first[0] != NONE else float("-inf")  # a mapped clause beats an abstention
        if best[k] is None or score > best[k][0]:  # type: ignore[index]
            best[k] = (score, str(first[0]))
    return [b[1] if b is not None else (MISSED if matched[j] else None) for j, b in enumerate(best)]


@dataclass
class ClauseScores:
    clauses: int  # complaint clauses scored
    accuracy_at_1: float | None
    detected: float | None  # share of complaint clauses the detector called complaints
    accuracy_detected: float | None  # accuracy@1 on those
    bleed: float | None  # on the complaint clauses of items about two or more touchpoints
    mixed_clauses: int
    unsplit: int  # complaint clauses no stored clause was matched to


def score_clauses(items: list[dict], predictions: dict[str, dict]) -> ClauseScores:
    """Clause accuracy@1 and bleed of `predictions` (by item id) on `items`' complaint clauses."""
    right = detected = right_detected = bled = mixed = unsplit = total = 0
    for item in items:
        predicted = clause_predictions(item, predictions.get(str(item["id"]), {}))
        golds = [c["gold"] for c in item["clauses"]]
        touched = {tuple(g) for g in golds if g}
        for j, (gold, got) in enumerate(zip(golds, predicted, strict=True)):
            if not gold:
                continue
            total += 1
            unsplit += got is None
            hit = got in gold
            right += hit
            if got not in (None, MISSED):
                detected += 1
                right_detected += hit
            if len(touched) > 1:
                mixed += 1
                others = {t for k, g in enumerate(golds) if k != j and g for t in g}
                bled += not hit and got in others
    return ClauseScores(
        clauses=total,
        accuracy_at_1=_share(right, total),
        detected=_share(detected, total),
        accuracy_detected=_share(right_detected, detected),
        bleed=_share(bled, mixed),
        mixed_clauses=mixed,
        unsplit=unsplit,
    )


def alone(items: list[dict]) -> list[dict]:
    """Each complaint clause of `items` as an item of its own (one gold clause): the same clauses mined without their
    item's context, the ceiling a mapping that ignores context reaches on them."""
    return [
        {
            "id": f"{item['id']}#{j}",
            "text": c["text"],
            "complaint": True,
            "gold": c["gold"],
            "label": item["label"],
            "clauses": [c],
        }  # fmt: skip
        for item in items
        for j, c in enumerate(item["clauses"])
        if c["gold"]
    ]


def _share(n: int, of: int) -> float | None:
    return round(n / of, 4) if of else None
