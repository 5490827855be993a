"""Short human-readable labels: the sub-touchpoint most members share, sharpened by a c-TF-IDF key phrase
("Missing information: delivery fee"), never BERTopic's default "3_the_was_and"."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet

from miner.segment.pii import LABELS

# How the customer feels, not what went wrong: "Food & drink quality (annoyed)" and "(complain)" told two pain
# points apart by a feeling every complaint may voice, and "disappointing curry" named the curry twice over.
FEELINGS = set(
    """
    annoyed annoying angry frustrated frustrating disappointed disappointing disappointment upset unhappy furious
    horrible disgusted disgusting appalled appalling shocked shocking pathetic fed gutted livid complain complained
    complaining
    """.split()
)
GENERIC = FEELINGS | set(
    """
    don didn doesn just really got get like did does ve ll im said time times way thing things lot
    bit today yesterday going make told know ago ok okay guess honestly literally actually want
    wanted need able tried try came come say says use used good great bad new order ordered
    ordering orders minutes mins min hours hrs hr day days week weeks dont didnt doesnt cant wont isnt wasnt
    arent couldnt wouldnt ive hmm thinking think thought unbelievable ridiculous seriously terrible
    awful worst thats lol ha sense makes thanks basically totally absolutely definitely apparently obviously
    completely extremely clearly keep keeps kept finally still gave give
    """.split()
)
# Contractions as BERTopic hands them over, apostrophe removed ("you're" -> "youre"), and the halves a tokenizer
# splitting at the apostrophe leaves ("couldn't" -> "couldn"): function words, no label ("Clearly isn").
CONTRACTIONS = set(
    """
    aint arent couldnt didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neednt shant shouldnt wasnt werent
    wont wouldnt im ive youre youve youll youd theyre theyve theyll theyd weve itll thatll whats theres heres lets
    aren couldn didn doesn don hadn hasn haven isn mightn mustn needn shan shouldn wasn weren won wouldn ll ve re
    """.split()
)
STOP_WORDS = sorted(GENERIC | CONTRACTIONS)
TOKEN_PATTERN = r"(?u)\b[a-zA-Z]+(?:['’][a-zA-Z]+)*"  # words only ("40 minutes" is no label), contractions whole
_TOKEN = re.compile(TOKEN_PATTERN)

GENERIC_LABEL = "Other issues"  # a pain point no word or sub-touchpoint names


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower())}


def key_phrase(
    words: list[tuple[str, float]],
    avoid: str = "",
    common: Mapping[str, float] | AbstractSet[str] = frozenset(),
    texts: Sequence[str] = (),
) -> str | None:
    """The strongest phrase, preferring a two-word phrase that scores near the top one, else two of the strongest
    words that stand together in the members' `texts` (`pair`): "broadband outage", where the top word alone
    ("evening", "lost") named a detail of a few complaints and changed with them.

    `common` holds words frequent across the whole corpus with their share of its segments (the brand's name, say):
    no label on their own, unless the members' `texts` use one LIFT times as often as the corpus does (`outage` in
    a telco's outage complaints: the corpus's topic, not its brand). A plain set is never lifted.
    """
    avoid_words = _words(avoid)
    candidates = {part for word, _ in words for part in str(word).split()} & set(common)
    too_common = candidates - _concentrated(candidates, common, texts)
    clean = []
    for word, weight in words:
        parts = str(word).split()
        if not parts or set(parts) <= GENERIC | too_common or len(set(parts)) < len(parts) or weight <= 0:
            continue
        if _words(word) <= avoid_words:
            continue
        clean.append((str(word), float(weight)))
    if not clean:
        return None
    top = clean[0][1]
    bigrams = [w for w, s in clean[:6] if " " in w and s >= 0.35 * top]
    return bigrams[0] if bigrams else pair(words, texts, avoid_words) or clean[0][0]


LIFT = 3.0  # how many times the corpus's rate a common word needs among a pain point's members to name it
MIN_USE = 0.25  # and the share of the members that must use it ("website" in 16% of IVR complaints names none)


def _concentrated(
    words: AbstractSet[str], common: Mapping[str, float] | AbstractSet[str], texts: Sequence[str]
) -> set[str]:
    """Those corpus-common `words` the members' `texts` use LIFT times as often as the corpus's segments do, and
    a quarter of them at least (MIN_USE)."""
    if not isinstance(common, Mapping) or not texts or not words:
        return set()
    used: Counter[str] = Counter()
    for text in texts:
        present = _words(text)
        used.update(w for w in words if w.rstrip("s") in present)
    return {w for w in words if used[w] / len(texts) >= max(LIFT * common[w], MIN_USE)}


def pair(
    words: list[tuple[str, float]], texts: Sequence[str], avoid: AbstractSet[str] = frozenset(), strongest: int = 4
) -> str | None:
    """Two of the `strongest` key words (a corpus-wide word among them: "broadband" in a telco's feedback) that
    stand next to each other in the most members' texts, and in two at least; ties go to the heavier words."""
    weight = {str(w): float(s) for w, s in words[:10] if " " not in str(w) and float(s) > 0 and str(w) not in GENERIC}
    strong = set(sorted(weight, key=lambda w: (-weight[w], w))[:strongest])
    seen = Counter(p for t in texts for p in set(phrases(t)) if " " in p and set(p.split()) <= strong)
    found = [(-n, -sum(weight[w] for w in p.split()), p) for p, n in seen.items() if n >= 2 and not _words(p) <= avoid]
    return min(found)[2] if found else None


def make_label(phrase: str | None, sub_name: str | None = None) -> str:
    """`Sub-touchpoint: phrase`, or the phrase alone, or the sub-touchpoint alone."""
    if sub_name and phrase:
        return f"{sub_name}: {phrase}"
    if sub_name:
        return sub_name
    if phrase:
        return phrase[:1].upper() + phrase[1:]
    return GENERIC_LABEL


def dominant(subs: list[str | None], share: float = 0.3, key: Sequence[float] | None = None) -> str | None:
    """The sub-touchpoint shared by at least `share` of the members, if any; of several as common, the one whose
    members rank highest by `key` (how central they are), not the first met: a cut-off-calls pain point of 14 clauses
    filed under disconnects and 14 under IVR was labelled IVR because an IVR clause came first."""
    counts = Counter(s for s in subs if s)
    if not counts:
        return None
    most = max(counts.values())
    tied = [s for s, n in counts.items() if n == most]
    if len(tied) > 1 and key is not None:
        mean = {t: sum(k for s, k in zip(subs, key, strict=True) if s == t) / most for t in tied}
        tied.sort(key=lambda t: -mean[t])
    return tied[0] if most >= share * len(subs) else None


def supported(words: list[tuple[str, float]], texts: list[str], share: float = 0.05) -> list[tuple[str, float]]:
    """The key words found in at least `share` of the members' texts (and two of them): c-TF-IDF also ranks high a
    rare phrase that one long complaint repeats, which names nothing the pain point is about."""
    floor = min(len(texts), max(2, math.ceil(share * len(texts))))
    seen = Counter(p for t in texts for p in set(phrases(t)))
    return [(w, s) for w, s in words if seen[str(w)] >= floor]


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(STOP_WORDS)


def _token(word: str) -> str:
    """A word as a label may use: "driver's" is "driver"; any other contraction ("couldn't", "you're") and a
    redaction's placeholder ("<PERSON>", which BERTopic hands over as "PERSON") are no word ("")."""
    if word in LABELS:
        return ""
    word = word.lower().replace("’", "'")
    word = word.removesuffix("'s")
    return "" if "'" in word else word


def phrases(text: str) -> list[str]:
    """Words and two-word phrases, neither holding a stop word. The phrases are of words that stand next to each
    other: removing stop words first (CountVectorizer's way) joined "the lady on the phone" into "lady phone"."""
    stop = _stop_words()
    tokens = [_token(t) for t in _TOKEN.findall(text)]
    keep = [len(t) > 1 and t not in stop for t in tokens]
    words = [t for t, k in zip(tokens, keep, strict=True) if k]
    pairs = zip(tokens, tokens[1:], keep, keep[1:], strict=False)
    return words + [f"{a} {b}" for a, b, ka, kb in pairs if ka and kb]


def common_words(texts: list[str], share: float = 0.03) -> dict[str, float]:
    """Words in at least `share` of all segments, with the share they are in: too common to name a pain point
    (the brand, say), unless a pain point's members use one far more often (`key_phrase`)."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(re.findall(r"[a-z']+", text.lower())))
    floor = max(5, share * len(texts))
    return {w: n / len(texts) for w, n in df.items() if n >= floor}
