"""Short human-readable labels: the sub-touchpoint most members share, sharpened by a c-TF-IDF key phrase
("Missing information: delivery fee"), never BERTopic's default "3_the_was_and"."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

GENERIC = set(
    """
    don didn doesn just really got get like did does ve ll im said time times way thing things lot
    bit today yesterday going make told know ago ok okay guess honestly literally actually want
    wanted need able tried try came come say says use used good great bad new order ordered
    ordering orders minutes mins hours day days week weeks dont didnt doesnt cant wont isnt wasnt
    arent couldnt wouldnt ive hmm thinking think thought unbelievable ridiculous seriously terrible
    awful worst thats lol ha sense makes thanks basically totally absolutely definitely apparently obviously
    completely extremely
    """.split()
)
STOP_WORDS = sorted(GENERIC)
TOKEN_PATTERN = r"(?u)\b[a-zA-Z]{2,}\b"  # words only: "40 minutes" is no label
_TOKEN = re.compile(TOKEN_PATTERN)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]+", text.lower())}


def key_phrase(words: list[tuple[str, float]], avoid: str = "", common: frozenset[str] = frozenset()) -> str | None:
    """The strongest phrase, preferring a two-word phrase that scores near the top one.

    `common` holds words frequent across the whole corpus (the brand's name, say): no label on their own.
    """
    avoid_words = _words(avoid)
    clean = []
    for word, weight in words:
        parts = str(word).split()
        if not parts or set(parts) <= GENERIC | common or len(set(parts)) < len(parts) or weight <= 0:
            continue
        if _words(word) <= avoid_words:
            continue
        clean.append((str(word), float(weight)))
    if not clean:
        return None
    top = clean[0][1]
    bigrams = [w for w, s in clean[:6] if " " in w and s >= 0.35 * top]
    return bigrams[0] if bigrams else clean[0][0]


def make_label(
    words: list[tuple[str, float]], sub_name: str | None = None, common: frozenset[str] = frozenset()
) -> str:
    """`Sub-touchpoint: phrase`, or the phrase alone, or the sub-touchpoint alone."""
    phrase = key_phrase(words, avoid=sub_name or "", common=common)
    if sub_name and phrase:
        return f"{sub_name}: {phrase}"
    if sub_name:
        return sub_name
    if phrase:
        return phrase[:1].upper() + phrase[1:]
    return "Other issues"


def dominant(subs: list[str | None], share: float = 0.3) -> str | None:
    """The sub-touchpoint shared by at least `share` of the members, if any."""
    counts = Counter(s for s in subs if s)
    if not counts:
        return None
    sub, n = counts.most_common(1)[0]
    return sub if n >= share * len(subs) else None


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


def phrases(text: str) -> list[str]:
    """Words and two-word phrases, neither holding a stop word. The phrases are of words that stand next to each
    other: removing stop words first (CountVectorizer's way) joined "the lady on the phone" into "lady phone"."""
    stop = _stop_words()
    tokens = _TOKEN.findall(text.lower())
    keep = [t not in stop for t in tokens]
    words = [t for t, k in zip(tokens, keep, strict=True) if k]
    pairs = zip(tokens, tokens[1:], keep, keep[1:], strict=False)
    return words + [f"{a} {b}" for a, b, ka, kb in pairs if ka and kb]
