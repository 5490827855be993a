"""Taxonomy checks beyond validation: examples that sit closer to another touchpoint than to their own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from miner.touchpoints.taxonomy import Taxonomy

EmbedFn = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Overlap:
    example: str
    touchpoint: str
    nearest: str
    nearest_touchpoint: str
    similarity: float


def overlapping_examples(taxonomy: Taxonomy, embed: EmbedFn, threshold: float = 0.85) -> list[Overlap]:
    """Examples whose nearest example of another top-level touchpoint is at least `threshold` similar."""
    texts, owners = [], []
    for top in taxonomy.touchpoints:
        for example in top.all_examples():
            texts.append(example)
            owners.append(top.id)
    if not texts:
        return []
    vectors = embed(texts)
    owner = np.array(owners)
    found = []
    for i in range(len(texts)):
        sims = vectors @ vectors[i]
        sims[owner == owner[i]] = -1.0
        j = int(np.argmax(sims))
        if sims[j] >= threshold and (owners[j], texts[j]) > (owners[i], texts[i]):
            found.append(Overlap(texts[i], owners[i], texts[j], owners[j], round(float(sims[j]), 3)))
    return sorted(found, key=lambda o: -o.similarity)
