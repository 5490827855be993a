"""Which taxonomy examples and complaint seeds were written after reading which evaluation set's errors.

taxonomies/provenance.yaml records it per commit; bench/provenance_sentences.py turns it into
taxonomies/provenance_sentences.json (a hash of every sentence each attributed commit added, per set), so that the
leave-one-domain-out evaluation (miner/eval/transfer.py) can take a domain's sentences out without git history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from miner.touchpoints.taxonomy import Taxonomy, Touchpoint

SENTENCES = Path(__file__).resolve().parents[2] / "taxonomies" / "provenance_sentences.json"


def sentence_hash(text: str) -> str:
    """A sentence's identity: its words, case and spacing aside (the taxonomy strips its examples)."""
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()[:16]


def load_sentences(path: Path = SENTENCES) -> dict[str, dict[str, set[str]]]:
    """{"taxonomy"|"seeds": {set: hashes}} as bench/provenance_sentences.py wrote them."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {kind: {name: set(hashes) for name, hashes in sets.items()} for kind, sets in data.items()}


def written_for(sentences: dict[str, set[str]], sets: Iterable[str]) -> set[str]:
    """The hashes of the sentences attributed to any of `sets` (`absa` also takes the `absa+tweets` blocks)."""
    wanted = set(sets)
    return {
        h for name, hashes in sentences.items() if wanted & set(name.split("+")) for h in hashes
    }  # fmt: skip


def without(texts: Sequence[str], dropped: set[str]) -> list[str]:
    return [t for t in texts if sentence_hash(t) not in dropped]


def taxonomy_without(taxonomy: Taxonomy, dropped: set[str]) -> Taxonomy:
    """`taxonomy` less the examples and none_examples whose hash is in `dropped` (descriptions stay)."""

    def prune(tp: Touchpoint) -> Touchpoint:
        return tp.model_copy(
            update={"examples": without(tp.examples, dropped), "children": [prune(c) for c in tp.children]}
        )

    return taxonomy.model_copy(
        update={
            "touchpoints": [prune(tp) for tp in taxonomy.touchpoints],
            "none_examples": without(taxonomy.none_examples, dropped),
        }
    )
