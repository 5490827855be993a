"""Taxonomy checks beyond validation: examples that sit closer to another touchpoint than to their own, and words
concentrated in one touchpoint's examples that are not what it is about."""

from __future__ import annotations

import re
from collections import Counter
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


def child_stages(taxonomy: Taxonomy) -> list[str]:
    """A warning per sub-touchpoint given a `stage`: a stage is read at the top level only (docs/guide/taxonomy.md),
    so a child's was dropped without a word, and its complaints counted under its top-level touchpoint's stage. Not
    refused: runs store their taxonomy and are read back with it."""
    return [
        f"{tp.id}: `stage: {tp.stage}` is read at the top level only; its complaints count under {top.id}'s stage "
        f"({top.stage}): delete it"
        for top in taxonomy.touchpoints
        for child in top.children
        for tp in child.walk()
        if tp.stage is not None
    ]


@dataclass
class ConcentratedWord:
    """A word most of whose examples sit under one touchpoint that its name and description never mention."""

    word: str
    touchpoint: str
    examples: int  # the touchpoint's examples that use it
    share: float  # of all examples that use it, the share that are this touchpoint's


_WORD = re.compile(r"[a-z][a-z']+")
_STOP = frozenset(
    "the and for was were with that this they them their there then than have has had not but you your our are "
    "its it's too very all any can can't cannot don't didn't won't wasn't isn't just only from into out what when "
    "who why how got get one two been being will would could should about after again still even ever never every "
    "some more most much many also off over under back now here did does doing done said says say make made i'm "
    "i've we've you've it'll we're they're which because while where there's let yet nor her him his she he "
    "three four five six seven eight nine ten twelve twenty thirty forty first second third".split()
)


def _related(word: str, stems: set[str]) -> bool:
    """Whether `word` shares a stem with one of `stems`, one a prefix of the other ("port" and "porting": a
    touchpoint named "Number porting" was told its own word "port" outvotes what went wrong)."""
    stem = _stem(word)
    return stem in stems or any(
        (a.startswith(stem) or stem.startswith(a)) for a in stems if min(len(a), len(stem)) >= 4
    )


def _stem(word: str) -> str:
    """A crude stem (first five letters of the singular), so "delayed" meets "delays", "cancelled" meets
    "cancellation", "box" meets "boxes" and "reply" "replies" (the default taxonomy's packaging and social media were
    told their own words outvote what went wrong)."""
    word = word.strip("'")
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("ses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif word.endswith("s"):
        word = word[:-1]
    return word[:5]


# How far the encoder must read a word alone nearer one touchpoint's name and description than any other's for it
# to be what that touchpoint is about: the mapper's margin (`ExampleMapper`'s `margin`), within which a second
# touchpoint counts too.
READ_MARGIN = 0.04


def _read_as_its_own(words: list[ConcentratedWord], taxonomy: Taxonomy, embed: EmbedFn) -> set[str]:
    """The words the encoder reads, alone, as their touchpoint's by READ_MARGIN over every other: "manager" is
    nearest "Staff & agents" though neither its name nor its description says it; "flight" is not follow-up's."""
    ids = [top.id for top in taxonomy.touchpoints]
    if len(ids) < 2 or not words:
        return set()
    described = embed([f"{top.name}: {top.description}" for top in taxonomy.touchpoints])
    sims = embed([w.word for w in words]) @ described.T
    own = set()
    for row, w in zip(sims, words, strict=True):
        mine = ids.index(w.touchpoint)
        if row[mine] >= np.delete(row, mine).max() + READ_MARGIN:
            own.add(w.word)
    return own


def concentrated_words(
    taxonomy: Taxonomy, *, embed: EmbedFn | None = None, min_examples: int = 5, share: float = 0.7
) -> list[ConcentratedWord]:
    """Words used in at least `min_examples` of one top-level touchpoint's examples, `share` or more of all the
    examples that use them sitting there, and absent (by stem) from that touchpoint's names and descriptions, nor
    read by the encoder (`embed`, where given) as what that touchpoint is about: an industry's noun ("flight",
    "pizza") that decides a touchpoint's score instead of what went wrong."""
    uses: dict[str, Counter[str]] = {}
    about: dict[str, set[str]] = {}
    for top in taxonomy.touchpoints:
        about[top.id] = {_stem(w) for tp in top.walk() for w in _WORD.findall(f"{tp.name} {tp.description}".lower())}
        for example in top.all_examples():
            for word in set(_WORD.findall(example.lower())):
                if len(word) > 2 and word not in _STOP:
                    uses.setdefault(word, Counter())[top.id] += 1
    found = []
    for word, per_touchpoint in uses.items():
        touchpoint, count = per_touchpoint.most_common(1)[0]
        ratio = count / sum(per_touchpoint.values())
        if count >= min_examples and ratio >= share and not _related(word, about[touchpoint]):
            found.append(ConcentratedWord(word, touchpoint, count, round(ratio, 2)))
    if embed is not None:
        own = _read_as_its_own(found, taxonomy, embed)
        found = [c for c in found if c.word not in own]
    return sorted(found, key=lambda c: (-c.examples, c.word))
