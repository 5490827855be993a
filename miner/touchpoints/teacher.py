"""A stronger reader that labels a seeded sample of a corpus's complaints, whose labels then teach the corpus head.

The default reads every clause with its fast MiniLM encoders; the corpus head (corpus.py) learns the corpus's own
boundaries from the taxonomy's first pass over it. A teacher (an optional encoder, miner/embed/optional.py) maps
`sample` of the corpus's complaints, seeded, with the same taxonomy, mapper and options on its own vectors; the
touchpoints it picks are added to the head's rows (`CorpusHead.learn`), each weighing `weight` sure complaints, so
a corpus the fast reader maps poorly is taught by one that reads it better, at the cost of reading a few hundred
clauses instead of all of them (issue 18; docs/lab/teacher.md has the figures and the losers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from miner.touchpoints.mapper import EmbedFn, Mapper, get_mapper
from miner.touchpoints.normalise import for_mapping

if TYPE_CHECKING:
    from miner.segment.items import ItemRuns

TEACHER_SAMPLE = 400  # complaints the teacher reads per corpus (docs/lab/teacher.md)
TEACHER_WEIGHT = 1.0  # each of its labels counts as this many of the first pass's sure complaints
NONE_LABEL = -1


class Teacher:
    """`fit(mapper)` builds the teacher's own mapper like `mapper` (its taxonomy and options, `embed`'s vectors);
    `label(items, positions)` gives the touchpoint it puts first for each segment, or `NONE_LABEL` where it abstains
    (the threshold, the taxonomy's `none_examples`): the corpus head knows no `none`, so those teach nothing.

    `only`: the teacher's labels are the head's only rows (the first pass's labels are dropped); `ungated`: the head
    fits on them even where the corpus's shares are flat (a mix of industries, where self-teaching is off);
    `crossfit`: a label teaches only the heads of the other folds (`CorpusHead.learn`)."""

    def __init__(
        self,
        embed: EmbedFn,
        *,
        name: str = "teacher",
        sample: int = TEACHER_SAMPLE,
        weight: float = TEACHER_WEIGHT,
        seed: int = 0,
        only: bool = False,
        ungated: bool = False,
        crossfit: bool = False,
    ) -> None:
        self.embed = embed
        self.name = name
        self.sample = sample
        self.weight = weight
        self.seed = seed
        self.only = only
        self.ungated = ungated
        self.crossfit = crossfit
        self.mapper_: Mapper | None = None
        self.read_ = 0  # clauses (and item contexts) the teacher embedded in the last `label`

    def options(self) -> dict:
        """What a run records of its teacher."""
        return {"teacher": self.name, "teacher_sample": self.sample, "teacher_weight": self.weight}

    def fit(self, mapper: Mapper) -> Teacher:
        self.mapper_ = get_mapper(
            mapper.name,
            mapper.taxonomy,
            self.embed,
            threshold=mapper.threshold,
            context_weight=mapper.context_weight,
            normalise=mapper.normalise,
            none_margin=mapper.none_margin,
        ).fit()
        return self

    def pick(self, n: int) -> np.ndarray:
        """Which of `n` complaints the teacher reads: a seeded sample of `sample`, in order (the first `sample` of
        one seeded permutation, so a larger sample holds a smaller one and a cache of the teacher's vectors serves
        both)."""
        return np.sort(np.random.default_rng(self.seed).permutation(n)[: self.sample])

    def label(self, items: ItemRuns, positions: np.ndarray) -> np.ndarray:
        """The teacher's first touchpoint (an index into the taxonomy's) per segment at `positions`, read in its
        item's context as the default reads it; `NONE_LABEL` where it abstains."""
        if self.mapper_ is None:
            raise RuntimeError("Teacher.fit(mapper) first")
        m = self.mapper_
        prepare = for_mapping if m.normalise else str
        texts = [prepare(items.segments[int(i)]["text"]) for i in positions]
        if not texts:
            return np.zeros(0, int)
        vectors = self.embed(texts)
        context = items.context(positions, vectors, lambda batch: self.embed([prepare(t) for t in batch]))
        self.read_ = len(texts) + len(set(items.run_of[positions].tolist()))
        scores, nones = m.scores_in_context(vectors, context)
        labels = scores.argmax(axis=1)
        best = scores.max(axis=1)
        abstain = best < m.threshold
        if nones is not None:
            abstain |= nones > best + m.none_margin
        return np.where(abstain, NONE_LABEL, labels)
