"""Candidate touchpoints from complaints that fit none: clustered, labelled and ready to paste into YAML."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import sqlite_utils
import yaml

from miner.embed import EmbeddingCache
from miner.store.reads import unmapped_texts, weakest_complaints, weakest_texts
from miner.store.runs import find_run
from miner.topics import PainPointModel
from miner.touchpoints.taxonomy import NONE

# Clusters are cut once, at this size, and `min_size` only filters them: as the clusterer's own minimum, a larger
# --min-size merged the small clusters into the large ones and changed them (run 3 of a motor insurer: one "Loss
# adjuster" cluster of 6 at --min-size 3, three clusters of 4 and one of 2 at 2) and left none of size 3 or 4 at the
# default that --min-size 2 found.
CLUSTER_MIN = 2


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40] or "new_touchpoint"


def suggest_touchpoints(
    db: sqlite_utils.Database, cache: EmbeddingCache, *, run_id: int | None = None, min_size: int = 3
) -> list[dict]:
    """One suggestion per cluster of unmapped complaints: {"id", "name", "size", "quotes", "examples"}. Where one
    touchpoint is catching what the others miss (the run's fit: the first touchpoint of 30% or more of the mapped
    complaints, miner/touchpoints/fit.py), the half of its complaints it scored lowest are read too: a corpus about
    books and football put 75% of its complaints under `product` and 2 under `none`, and nothing was suggested. A
    topic spread thin over several touchpoints is suggested too (`spread_topics`)."""
    run = find_run(db, run_id)
    if run is None:
        return []
    spread = spread_topics(db, cache, run["id"], min_size)
    pool = unmapped_texts(db, run["id"], NONE)
    if catching := _catching(run):
        pool += weakest_texts(db, run["id"], catching)
    # Fragments such as "Ridiculous." are complaints about nothing in particular: no touchpoint in them.
    texts = list(dict.fromkeys(t for t in pool if len(t.split()) >= 4))
    if len(texts) < min_size:
        return spread
    vectors = cache.embed(texts)
    points = PainPointModel(min_size=CLUSTER_MIN).fit(NONE, texts, np.asarray(vectors))
    out: list[dict] = []
    for p in points:
        if p.size < min_size or p.label.startswith("Other"):
            continue
        quotes = distinct([texts[i] for i in p.representatives], p.keywords)
        out.append({"id": _slug(p.label), "name": p.label, "size": p.size, "keywords": p.keywords,
                    "quotes": quotes[:3], "examples": quotes[:12]})  # fmt: skip
    taken: set[str] = {q for s in out for q in s["examples"]}
    return out + [s for s in spread if not taken & set(s["examples"])]


# A topic no touchpoint covers is spread over several at low scores ("Roaming didn't work in Portugal" filed under
# network, billing, pricing...: 18 roaming comments of a telecom corpus, under 6 touchpoints, were never suggested).
# The weakest quarter of the mapped complaints, clustered; a cluster is a candidate when its leading word is in most
# of its complaints and they sit under several touchpoints, none holding half of them.
WEAK_SHARE = 0.25
MIN_WORD_SHARE = 0.6
MAX_TOUCHPOINT_SHARE = 0.5
MIN_TOUCHPOINTS = 3


def spread_topics(db: sqlite_utils.Database, cache: EmbeddingCache, run_id: int, min_size: int) -> list[dict]:
    """Suggestions from topics spread thin over several touchpoints (see WEAK_SHARE), each with `spread`: the
    touchpoints its complaints were filed under, most first."""
    filed = dict((t, tp) for t, tp in weakest_complaints(db, run_id, NONE, WEAK_SHARE) if len(t.split()) >= 4)
    texts = list(filed)
    if len(texts) < min_size:
        return []
    out = []
    for p in PainPointModel(min_size=CLUSTER_MIN).fit(NONE, texts, np.asarray(cache.embed(texts))):
        members = [texts[i] for i in p.members]
        under = Counter(filed[t] for t in members)
        word = p.keywords[0].lower() if p.keywords else ""
        said = sum(word in t.lower() for t in members) / len(members) if word else 0.0
        thin = len(under) >= MIN_TOUCHPOINTS and max(under.values()) <= MAX_TOUCHPOINT_SHARE * len(members)
        if p.size < min_size or p.label.startswith("Other") or said < MIN_WORD_SHARE or not thin:
            continue
        quotes = distinct([texts[i] for i in p.representatives], p.keywords)
        out.append({"id": _slug(p.label), "name": p.label, "size": p.size, "keywords": p.keywords,
                    "quotes": quotes[:3], "examples": quotes[:12], "spread": dict(under.most_common())})  # fmt: skip
    return out


def distinct(quotes: list[str], keywords: list[str]) -> list[str]:
    """`quotes` (best first) to show and paste: of two where one holds the other ("Honestly, The inspector said ..."
    and "The inspector said ..."), the shorter; and where two or more hold one of the cluster's key words, those
    only: "Long time customer here." clustered with body-shop complaints taught the new touchpoint to take it."""
    kept: list[str] = []
    keys: list[str] = []
    for q in quotes:
        key = " ".join(re.findall(r"[a-z0-9']+", q.lower()))
        held = next((i for i, k in enumerate(keys) if key in k or k in key), None)
        if held is None:
            kept.append(q)
            keys.append(key)
        elif len(key) < len(keys[held]):  # the one without the filler around it, in the better one's place
            kept[held], keys[held] = q, key
    words = [k.lower() for k in keywords]
    on_topic = [q for q in kept if any(w in q.lower() for w in words)]
    return on_topic if len(on_topic) >= 2 else kept


def _catching(run: dict) -> str | None:
    """The touchpoint the run's fit says catches what the others miss, if one does."""
    from miner.touchpoints.fit import MIN_TOUCHPOINTS_FOR_SHARE, TOP_SHARE

    fit = json.loads(run.get("fit") or "null") or {}
    touchpoints = len(json.loads(run.get("taxonomy") or "{}").get("touchpoints") or [])
    if touchpoints < MIN_TOUCHPOINTS_FOR_SHARE or (fit.get("top_share") or 0.0) < TOP_SHARE[0]:
        return None
    return fit.get("top_touchpoint") or None


def as_yaml(suggestions: list[dict], stage: str = "post-purchase") -> str:
    """Touchpoint entries to paste under `touchpoints:` (review the stage and description first)."""
    entries = [
        {
            "id": s["id"],
            "name": s["name"],
            "stage": stage,
            "description": describe(s["keywords"], s["name"]),
            "examples": s["examples"],
        }  # fmt: skip
        for s in suggestions
    ]
    dumped = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100)
    # indented as the packaged taxonomy's list (`  - id: ...`): pasted at column 0 under it, it broke the file
    return "".join(f"  {line}" if line.strip() else line for line in dumped.splitlines(keepends=True))


def describe(keywords: list[str], name: str, most: int = 4) -> str:
    """A description to review: "Complaints about different people, hold and cut.", each word once (a word inside a
    listed phrase is not listed again), the label where there are no keywords."""
    phrases = [k for k in keywords if " " in k]
    words = [k for k in keywords if " " in k or not any(k in p.split() for p in phrases)][:most]
    if not words:
        return f"Complaints about {name.lower()}."
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return f"Complaints about {listed}."


def to_json(suggestions: list[dict]) -> str:
    return json.dumps(suggestions, indent=2, ensure_ascii=False)
