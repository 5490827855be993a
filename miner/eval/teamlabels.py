"""The team's own labels for dev data that has none (miner/eval/labels/README.md): touchpoints for the complaints of
the tweet sample, and 240 whole real airline conversations of the raw support export, in two halves. The transfer
table (miner/eval/transfer.py) and the corrections curve (miner/eval/loop.py) read them as items; `stored_scores`
scores what a `mine` of the whole export stored for the labelled conversations (`make bench`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from miner.eval.scoring import Scores, score

LABELS = Path(__file__).resolve().parent / "labels"
AIRLINE_EXPORT = "raw/twcs_airline_conversations.csv"  # under the datasets folder
AIRLINE_LABELS = "twcs_airline_conversations.jsonl"  # under LABELS


def team_labels(path: Path) -> dict[str, list[str]]:
    """`{"<file>:<id>": gold}` from a labels file: one JSON object a line with the dataset's file stem (`set`), the
    item's `id` there and its `gold` touchpoints."""
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row.get("gold"), list) or not row["gold"]:
                raise ValueError(f"{path}:{number}: `gold` must be a non-empty list of touchpoint ids")
            out[f"{row['set']}:{row['id']}"] = row["gold"]
    return out


def labelled_conversations(path: Path, labels: Path) -> list[dict]:
    """The conversations of a raw support export (`first_tweet_id`, `first_utterance`, `context`: the airline
    file of ../shared/datasets/raw) that the team labelled, as items: the whole conversation as the text, as `mine`
    reads a row, and the labels file's `complaint`, `gold` and `half` (as the item's `label`). Empty when the
    export is absent."""
    if not path.exists():
        return []
    from miner.ingest.rows import source_id

    wanted: dict[str, dict] = {}
    for number, line in enumerate(labels.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if not isinstance(row.get("complaint"), bool | None) or (row["complaint"] and not row.get("gold")):
                raise ValueError(f"{labels}:{number}: a complaint needs a non-empty `gold` list of touchpoint ids")
            wanted[str(row["id"])] = row
    found: dict[str, dict] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            ident = source_id(row["first_tweet_id"])  # as `mine` stores it, so a run's items match their labels
            if ident in wanted and ident not in found:
                label = wanted[ident]
                found[ident] = {
                    "id": f"{path.stem}:{ident}",
                    "text": f"{row['first_utterance']} {row['context']}".strip(),
                    "modality": "support_transcript",
                    "complaint": label["complaint"],
                    "gold": label["gold"] if label["complaint"] else None,
                    "label": label.get("half"),
                }
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise ValueError(f"{labels}: {len(missing)} labelled conversations are not in {path} (first: {missing[0]})")
    return [found[ident] for ident in wanted]


def airline_conversations(datasets: Path) -> list[dict]:
    """The team's labelled airline conversations (both halves) from `datasets`' raw export; empty without it."""
    return labelled_conversations(datasets / AIRLINE_EXPORT, LABELS / AIRLINE_LABELS)


def stored_scores(db: Any, run_id: int, datasets: Path, least: int = 100) -> dict[str, Scores]:
    """The labelled airline conversations (both halves, `labelled_conversations`) scored on what run `run_id` of
    `db` stored for them, by each conversation's source id: what `mine` of the whole raw export gets right there,
    per half ("open", "sealed"; a half the run holds fewer than `least` conversations of is left out: a first-5,000
    run holds about 30)."""
    from miner.eval.predict import _unmined, predictions_of_run

    items = airline_conversations(datasets)
    stored = predictions_of_run(db, run_id)
    out = {}
    for half in ("open", "sealed"):
        group = [it for it in items if it["label"] == half]
        found = {it["id"]: stored.get(it["id"].split(":", 1)[1]) for it in group}
        if sum(p is not None for p in found.values()) >= least:
            out[half] = score(group, {i: p if p is not None else _unmined(i) for i, p in found.items()})
    return out
