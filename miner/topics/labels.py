"""Short human-readable labels from c-TF-IDF keywords ("Delivery fee, phone number", not "3_the_was_and")."""

from __future__ import annotations

import re

GENERIC = {
    "don", "didn", "doesn", "just", "really", "got", "get", "like", "did", "does", "ve", "ll", "im", "said",
    "time", "times", "way", "thing", "things", "lot", "bit", "today", "yesterday", "going", "make", "told",
}  # fmt: skip


def make_label(words: list[tuple[str, float]], max_phrases: int = 2) -> str:
    """Pick up to two distinct key phrases, preferring a strong multi-word phrase over its parts."""
    words = [(str(w), float(s)) for w, s in words if w and not set(str(w).split()) <= GENERIC and s > 0]
    if not words:
        return "Other issues"
    top = words[0][1]
    ordered = sorted(words[:8], key=lambda ws: (not (ws[1] >= 0.6 * top and " " in ws[0]), -ws[1]))
    picked: list[str] = []
    for word, _ in ordered:
        if any(_overlaps(word, p) for p in picked):
            continue
        picked.append(word)
        if len(picked) == max_phrases:
            break
    label = ", ".join(picked)
    return label[:1].upper() + label[1:]


def _overlaps(a: str, b: str) -> bool:
    wa, wb = set(re.findall(r"\w+", a)), set(re.findall(r"\w+", b))
    return bool(wa & wb)
