"""`make eval`: transfer, not fit. Each domain of ../shared/datasets scored with a taxonomy, seeds and encoder that
never saw it (miner/eval/transfer.py), ours and the naive anchor, per domain and as the mean of domains, with the
probe set; written into docs/quality.md between the `transfer` markers.

`--fit` keeps the earlier table instead: every set as a whole with the shipped taxonomy (figures of fit, since the
examples and seeds were written while reading those sets), the analyst-in-the-loop rows and the per-touchpoint
details, written between the `eval` markers of `--fit-out`."""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from miner.defaults import DEFAULT_EMBEDDING
from miner.eval.run import Evaluator, load_items
from miner.eval.scoring import Scores, bootstrap, score
from miner.touchpoints.review import in_turn
from miner.touchpoints.taxonomy import NONE, Correction

REAL = ("absa_reviews_train", "cfpb_complaints", "nhs_fft_phase1")
HELD_OUT = "nhs_fft_phase1"  # never looked at while tuning descriptions, examples or thresholds
ANCHOR = {"mapper": "centroid", "segment": False}
METHOD: dict[str, Any] = {"mapper": "examples", "segment": True}
RESAMPLES = 1000
REVIEWED = 150  # complaints an analyst labels from `touchpoints taxonomy review` in the loop track


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _pooled_items(sets: dict[str, tuple[list[dict], list[dict]]]) -> tuple[list[dict], dict[str, dict]]:
    preds = {str(p["id"]) + "|" + name: p for name in REAL if name in sets for p in sets[name][1]}
    tagged = [dict(it, id=str(it["id"]) + "|" + name) for name in REAL if name in sets for it in sets[name][0]]
    return tagged, preds


def _pooled(sets: dict[str, tuple[list[dict], list[dict]]]) -> Scores:
    return score(*_pooled_items(sets))


def intervals_table(sets: dict[str, tuple[list[dict], list[dict]]]) -> str:
    """95% bootstrap intervals of our figures: how far each could move on another sample of the same kind."""
    lines = [
        f"95% bootstrap intervals ({RESAMPLES:,} resamples of each set's items, seed 0): how far each figure could "
        "move on another sample of the same kind. Two methods scored on the same items differ with less noise.",
        "",
        "| set | accuracy@1 | macro-F1 | complaint F1 |",
        "|---|---|---|---|",
    ]
    named = [(name, items, {str(p["id"]): p for p in preds}) for name, (items, preds) in sets.items()]
    if any(name in sets for name in REAL):
        named.append(("**pooled real sets**", *_pooled_items(sets)))
    for name, items, preds in named:
        ranges = bootstrap(items, preds, resamples=RESAMPLES)
        cells = ["–" if r is None else f"{r[0]:.3f}–{r[1]:.3f}" for r in ranges.values()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def least_sure_items(
    items: list[dict], preds: list[dict], budget: int = REVIEWED, *, with_none: bool = True
) -> list[dict]:
    """What `touchpoints taxonomy review` would put first, at item level: the mapped complaints with the smallest
    lead over their runner-up, each predicted touchpoint's in turn, and, last in each round, the complaints filed
    under `none`, nearest a touchpoint first (`with_none=False`: mapped ones only, as review listed before)."""
    queues: dict[str, list[dict]] = {}
    pairs = [(it, p) for it, p in zip(items, preds, strict=True) if it.get("complaint") and it.get("gold")]
    for item, pred in sorted(pairs, key=lambda ip: ip[1]["lead"]):
        if pred["complaint"] and pred["touchpoint"] != NONE:
            queues.setdefault(pred["touchpoint"], []).append(item)
    if with_none:
        for item, pred in sorted(pairs, key=lambda ip: -ip[1].get("nearest", 0.0)):
            if pred["complaint"] and pred["touchpoint"] == NONE:
                queues.setdefault(NONE, []).append(item)
    return in_turn(queues, budget)


def loop_row(evaluator: Evaluator, name: str, items: list[dict], preds: list[dict], budget: int = REVIEWED) -> str:
    """Zero-shot against the same method after an analyst labels the review's least-sure complaints (with the
    set's gold, as corrections of their first 60 words), both scored on the complaints nobody labelled."""
    reviewed = least_sure_items(items, preds, budget)
    labelled = {str(it["id"]) for it in reviewed}
    corrections = [
        Correction(text=" ".join(str(it["text"]).split()[:60]), touchpoint=it["gold"][0])
        for it in reviewed
        if it["gold"][0] != NONE
    ]
    taxonomy = evaluator.taxonomy.model_copy(update={"corrections": corrections})
    rest = [it for it in items if str(it["id"]) not in labelled]
    before = score(rest, {str(p["id"]): p for p in preds})
    after = score(rest, {str(p["id"]): p for p in evaluator.predict(items, **METHOD, taxonomy=taxonomy)})
    return (
        f"| {name} | {len(reviewed)} ({len(corrections)} filed) | {_fmt(before.accuracy_at_1)} / "
        f"{_fmt(before.macro_f1)} | {_fmt(after.accuracy_at_1)} / {_fmt(after.macro_f1)} |"
    )


def build_report(datasets: Path, limit: int | None = None, embedding_model: str = DEFAULT_EMBEDDING) -> str:
    evaluator = Evaluator(embedding_model=embedding_model)
    naive = Evaluator(embedding_model="minilm")  # the anchor is plain MiniLM, as the issue defines it
    files = sorted(datasets.glob("*.jsonl"))
    rows, details, loop, ours_sets, anchor_sets = [], [], [], {}, {}
    for path in files:
        items = load_items(path, limit)
        started = time.perf_counter()
        ours, ours_preds = evaluator.evaluate(items, **METHOD)
        seconds = time.perf_counter() - started
        anchor, anchor_preds = naive.evaluate(items, **ANCHOR)
        ours_sets[path.stem], anchor_sets[path.stem] = (items, ours_preds), (items, anchor_preds)
        tag = " (held out)" if path.stem == HELD_OUT else (" (real)" if path.stem in REAL else "")
        rows.append(
            f"| {path.stem}{tag} | {len(items)} | {ours.scored} | {_fmt(ours.accuracy_at_1)} | "
            f"{_fmt(ours.macro_f1)} | {_fmt(ours.complaint_f1)} | {_fmt(anchor.accuracy_at_1)} | "
            f"{_fmt(anchor.macro_f1)} | {seconds:.0f} s |"
        )
        details.append(_detail(path.stem, ours))
        if path.stem in REAL:
            loop.append(loop_row(evaluator, path.stem, items, ours_preds))
    pooled, pooled_anchor = _pooled(ours_sets), _pooled(anchor_sets)
    header = [
        "| set | items | scored complaints | accuracy@1 | macro-F1 | complaint F1 "
        "| anchor acc@1 | anchor macro-F1 | time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    pooled_row = (
        f"| **pooled real sets** | | {pooled.scored} | **{_fmt(pooled.accuracy_at_1)}** | "
        f"**{_fmt(pooled.macro_f1)}** | | {_fmt(pooled_anchor.accuracy_at_1)} | "
        f"{_fmt(pooled_anchor.macro_f1)} | |"
    )
    loop_table = [
        f"With an analyst in the loop: the {REVIEWED} complaints `touchpoints taxonomy review` puts first (least sure, "
        "each touchpoint's in turn), labelled with the set's gold and filed as corrections (gold `none` is not "
        "filed), then the set mined again. Accuracy@1 / macro-F1 on the complaints nobody labelled:",
        "",
        "| set | labelled | zero-shot | with the corrections |",
        "|---|---|---|---|",
        *loop,
    ]
    return (
        "\n".join([*header, *rows, pooled_row])
        + "\n\n"
        + intervals_table(ours_sets)
        + ("\n" + "\n".join(loop_table) + "\n" if loop else "")
        + "\n"
        + "\n".join(details)
    )


def _detail(name: str, s: Scores) -> str:
    lines = [f"### {name}", "", "| touchpoint | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for t, v in sorted(s.per_touchpoint.items(), key=lambda kv: -kv[1]["support"]):
        lines.append(f"| {t} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
    if s.confusions:
        lines += [
            "",
            "Most frequent errors (gold → predicted): " + "; ".join(f"{g} → {p} ({n})" for g, p, n in s.confusions),
        ]
    return "\n".join(lines) + "\n"


def splice(path: Path, marker: str, body: str, made_by: str) -> None:
    """Put `body` between the file's `<!-- marker:start -->` and `<!-- marker:end -->` (appended when absent), so a
    generated table replaces its last version and the prose around it stays as written."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Quality\n\n"
    block = f"{start}\nGenerated by `{made_by}` on {date.today()}.\n\n{body}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += "\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    from miner.eval import transfer

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, default=Path("docs/quality.md"))
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"a seeded sample of N items per domain (default {transfer.SAMPLE}); with --fit, the first N of each set",
    )
    parser.add_argument(
        "--full", action="store_true", help="every item of every domain (slow: CFPB's long letters dominate)"
    )
    parser.add_argument("--seed", type=int, default=transfer.SEED, help="the sample's seed")
    parser.add_argument("--no-probe", action="store_true", help="leave the probe sets (corpora/probe/) out")
    parser.add_argument("--fit", action="store_true", help="the earlier whole-set table with the shipped taxonomy")
    parser.add_argument("--fit-out", type=Path, default=Path("docs/lab/fit.md"), help="where --fit writes")
    parser.add_argument("--embedding-model", default=DEFAULT_EMBEDDING, help="--fit only: our method's encoder")
    args = parser.parse_args()
    if not args.datasets.is_dir() or not list(args.datasets.glob("*.jsonl")):
        print(f"{args.datasets}: no evaluation sets here; skipping the evaluation.")
        return
    if args.fit:
        table = build_report(args.datasets, args.limit, args.embedding_model)
        splice(args.fit_out, "eval", table, "make eval EVAL_ARGS=--fit")
        print(table)
        print(json.dumps({"written": str(args.fit_out)}))
        return
    started = time.perf_counter()
    limit = None if args.full else (args.limit or transfer.SAMPLE)
    results = transfer.run_domains(args.datasets, limit, args.seed)
    probes = [] if args.no_probe else [(p, transfer.run_probe(p)) for p in transfer.PROBES if p.exists()]
    minutes = (time.perf_counter() - started) / 60
    size = "every item" if limit is None else f"a seeded sample of up to {limit} items per domain (seed {args.seed})"
    took = f"{minutes:.0f} minutes" if minutes >= 1.5 else f"{minutes * 60:.0f} seconds"
    table = f"Scored on {size}; {took}.\n\n" + transfer.transfer_table(results, probes)
    splice(args.out, "transfer", table, "make eval")
    print(table)
    print(json.dumps({"written": str(args.out)}))


if __name__ == "__main__":
    main()
