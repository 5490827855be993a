"""`touchpoints eval`: load a labelled JSONL file, predict every item, score, print and save."""

from __future__ import annotations

import json
from pathlib import Path

from miner.errors import InputError
from miner.eval.predict import DEFAULT_CACHE, predict_items
from miner.eval.scoring import Scores, score


def load_items(path: Path, limit: int | None = None) -> list[dict]:
    if not path.exists():
        raise InputError(str(path), "no such file", hint="give a JSONL file of labelled items")
    items = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(str(path), f"broken JSON ({err.msg})", line=number) from None
            for key in ("id", "text"):
                if key not in item:
                    raise InputError(str(path), f"the item has no '{key}'", line=number, field=key)
            items.append(item)
            if limit and len(items) >= limit:
                break
    if not items:
        raise InputError(str(path), "the file has no items")
    return items


def run_eval(
    path: Path,
    *,
    predictions_out: Path | None = None,
    taxonomy_path: Path | None = None,
    mapper: str = "examples",
    segment: bool = True,
    embedding_model: str = "minilm",
    cache: Path | None = None,
    limit: int | None = None,
) -> Scores:
    from miner.complaints import ComplaintDetector
    from miner.embed import EmbeddingCache, get_embedder
    from miner.progress import RichProgress
    from miner.segment import Segmenter
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.mapper import get_mapper

    items = load_items(path, limit)
    taxonomy = load_taxonomy(taxonomy_path)
    embedder = EmbeddingCache(get_embedder(embedding_model), open_db(cache or DEFAULT_CACHE))
    examples = [e for top in taxonomy.touchpoints for e in top.all_examples()]
    detector = ComplaintDetector(embedder.embed, extra_complaints=examples).fit()
    fitted = get_mapper(mapper, taxonomy, embedder.embed).fit()
    preds = predict_items(items, taxonomy=taxonomy, embed=embedder.embed, segmenter=Segmenter() if segment else None,
                          mapper=fitted, detector=detector, progress=RichProgress())  # fmt: skip
    if predictions_out:
        with predictions_out.open("w", encoding="utf-8") as fh:
            for p in preds:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return score(items, {str(p["id"]): p for p in preds})


def print_scores(name: str, s: Scores) -> None:
    from rich.console import Console
    from rich.table import Table

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    console = Console()
    console.print(f"[bold]{name}[/bold]: {s.items} items, {s.scored} complaints with gold touchpoints")
    console.print(f"  accuracy@1 {fmt(s.accuracy_at_1)}   macro-F1 {fmt(s.macro_f1)}   "
                  f"complaint F1 {fmt(s.complaint_f1)} (on {s.complaint_items} items)")  # fmt: skip
    if s.per_touchpoint:
        table = Table("touchpoint", "precision", "recall", "F1", "support")
        for t, v in sorted(s.per_touchpoint.items(), key=lambda kv: -kv[1]["support"]):
            table.add_row(t, fmt(v["precision"]), fmt(v["recall"]), fmt(v["f1"]), str(v["support"]))
        console.print(table)
    if s.confusions:
        console.print("  most frequent errors (gold → predicted): " +
                      "; ".join(f"{g} → {p} ({n})" for g, p, n in s.confusions))  # fmt: skip
