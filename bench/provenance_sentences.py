"""Derive, from git history, which taxonomy examples and complaint seeds each evaluation set's errors produced.

Usage: python bench/provenance_sentences.py [--out taxonomies/provenance_sentences.json]

taxonomies/provenance.yaml attributes each commit that added examples or seeds to a set (`commits:`). This script
reads the lines each of those commits added (`git show COMMIT -- FILE`), keeps the YAML list items (the sentences)
and writes a hash of each, per set, to the output. The leave-one-domain-out evaluation (miner/eval/transfer.py)
drops the sentences whose hash is listed under a domain's sets, so it needs no git history at eval time; rerun this
(from a full clone) after attributing a new commit in provenance.yaml. Only hashes are stored: the texts stay in
the taxonomy and the seeds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner.eval.provenance import SENTENCES, sentence_hash  # noqa: E402

PROVENANCE = ROOT / "taxonomies" / "provenance.yaml"
KIND = {
    "taxonomies/default.yaml": "taxonomy",
    "miner/touchpoints/default.yaml": "taxonomy",
    "miner/complaints/seeds.yaml": "seeds",
}


def added_sentences(commit: str, path: str) -> list[str]:
    """The YAML list items (`- text`) commit `commit` added to `path`."""
    diff = subprocess.run(
        ["git", "show", "--format=", commit, "--", path], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    out = []
    for line in diff.splitlines():
        if not line.startswith("+") or line.startswith("+++"):
            continue
        body = line[1:].strip()
        if not body.startswith("- "):
            continue
        value = yaml.safe_load(body)
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
            out.append(value[0])
    return out


def taxonomy_sets() -> dict[tuple[str, str], str]:
    """(touchpoint key, commit) -> set, from provenance.yaml's per-touchpoint blocks: one commit may have been
    written for two sets, touchpoint by touchpoint (9834610: ABSA's under most keys, CFPB's under billing)."""
    blocks = yaml.safe_load(PROVENANCE.read_text(encoding="utf-8"))["taxonomy"]
    return {
        (key, str(c)): block["set"] for key, entries in blocks.items() for block in entries for c in block["commits"]
    }


def derive() -> dict[str, dict[str, list[str]]]:
    """{"taxonomy"|"seeds": {set: sorted hashes}} for every commit provenance.yaml attributes to a set; a taxonomy
    sentence goes to the set of the block (touchpoint, commit) it sits in today."""
    from miner.touchpoints import load_taxonomy

    commits = yaml.safe_load(PROVENANCE.read_text(encoding="utf-8"))["commits"]
    found: dict[str, dict[str, set[str]]] = {"taxonomy": {}, "seeds": {}}
    by_commit: dict[str, set[str]] = {}
    for commit, entry in commits.items():
        if entry["set"] == "original":
            continue  # written before any harness: nothing to drop
        hashes = {sentence_hash(s) for s in added_sentences(str(commit), entry["file"])}
        if KIND[entry["file"]] == "seeds":
            found["seeds"].setdefault(entry["set"], set()).update(hashes)
        else:
            by_commit[str(commit)] = hashes
    blocks = taxonomy_sets()
    taxonomy = load_taxonomy()
    keyed = [(tp.id, e) for top in taxonomy.touchpoints for tp in top.walk() for e in tp.examples]
    for key, text in keyed + [("none_examples", e) for e in taxonomy.none_examples]:
        h = sentence_hash(text)
        for commit, hashes in by_commit.items():
            if h in hashes:
                name = blocks.get((key, commit), commits[commit]["set"])
                found["taxonomy"].setdefault(name, set()).add(h)
    return {kind: {s: sorted(h) for s, h in sorted(sets.items())} for kind, sets in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SENTENCES)
    args = parser.parse_args()
    data = derive()
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({kind: {s: len(h) for s, h in sets.items()} for kind, sets in data.items()}))


if __name__ == "__main__":
    main()
