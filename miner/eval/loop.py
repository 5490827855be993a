"""The corrections curve (`python -m miner.eval.loop`, run by `make eval`): what an analyst's labels buy.

Per domain (ABSA's restaurants and laptops, CFPB, banking77, NHS, the team-written probe set, and, kept out of the
mean, the real tweets to brands and the real airline conversations with the team's touchpoint labels,
miner/eval/labels/), a seeded sample of its complaints
with gold touchpoints; from it, 0, 5, 10 and 25 complaints per gold touchpoint (nested draws, never
more than half of a touchpoint's complaints) are filed as the taxonomy's corrections, the sample is mined with the
real pipeline, and accuracy@1 / macro-F1 are scored on the complaints no draw took. The same draws are mined twice:
with the corrections only teaching the corpus head (the old head) and with the labelled head on top (labelled.py).
A last column files the complaints `taxonomy review` would put first instead of random ones. The airline
conversations are mined with the taxonomy and encoder written without airline text (miner/eval/transfer.py), as
their transfer row is; every other domain with the shipped ones.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from miner.eval.predict import predict_items
from miner.eval.report import least_sure_items, splice
from miner.eval.run import Evaluator, load_items
from miner.eval.scoring import Scores, score
from miner.eval.teamlabels import LABELS, airline_conversations, team_labels
from miner.eval.transfer import DOMAINS, RAW, Domain
from miner.ingest.transcripts import parse_transcript
from miner.segment.segmenter import text_hash
from miner.touchpoints.taxonomy import NONE, Correction, Taxonomy

COUNTS = (0, 5, 10, 25)  # corrections per touchpoint
SAMPLE = 300  # complaints per domain
TEAM_LABELLED = "tweets (team labels)"  # one reader's gold: its own row, not in the mean of domains
AIRLINE = "airline conversations (team labels)"  # both halves; scored only, so the sealed half stays unread
NOT_IN_MEAN = (TEAM_LABELLED, AIRLINE)
WORDS = 60  # a correction is the complaint's first words, as an analyst would paste a quote


def domains(datasets: Path, probe: Path) -> dict[str, list[dict]]:
    """Each domain's complaints with a gold touchpoint, by file (ABSA split by its `label`)."""
    out: dict[str, list[dict]] = {}

    def complaints(path: Path) -> list[dict]:
        return [it for it in load_items(path) if it.get("complaint") and it.get("gold")] if path.exists() else []

    absa = complaints(datasets / "absa_reviews_train.jsonl")
    for label in sorted({str(it.get("label")) for it in absa}):
        out[f"absa_{label}"] = [it for it in absa if it.get("label") == label]
    for name in ("cfpb_complaints", "banking77", "nhs_fft_phase1"):
        out[name] = complaints(datasets / f"{name}.jsonl")
    out["probe"] = complaints(probe)
    for domain in (d for d in DOMAINS if d.labels and not d.raw):  # the tweets: the transfer table's labels and set
        (stem,) = domain.files
        if (datasets / f"{stem}.jsonl").exists():
            labels = team_labels(LABELS / str(domain.labels))
            labelled = (
                dict(it, gold=labels.get(f"{stem}:{it['id']}")) for it in load_items(datasets / f"{stem}.jsonl")
            )
            out[TEAM_LABELLED] = [it for it in labelled if it.get("complaint") and it.get("gold")]
    conversations = airline_conversations(datasets)
    out[AIRLINE] = [it for it in conversations if it["complaint"] and it["gold"] != [NONE]]
    return {name: items for name, items in out.items() if items}


def held_out_evaluator(domain: Domain) -> Evaluator:
    """`domain`'s evaluator of the transfer table: the taxonomy, seeds and encoder written without its sets."""
    import tempfile

    from miner.complaints.detector import load_seeds
    from miner.eval.provenance import load_sentences
    from miner.eval.transfer import domain_evaluators, held_out
    from miner.touchpoints import load_taxonomy

    h = held_out(domain, load_taxonomy(), load_seeds(), load_sentences())
    ours, _ = domain_evaluators(h, Path(tempfile.mkdtemp(prefix="touchpoints-loop-")))
    ours._setup()
    return ours


def sample(items: list[dict], size: int, seed: int) -> list[dict]:
    picked = list(items)
    random.Random(seed).shuffle(picked)
    return picked[:size]


def draws(items: list[dict], seed: int) -> dict[str, list[dict]]:
    """Per gold touchpoint (the first gold; `none` is never filed), its complaints in a seeded order, of which
    the first k are filed at k corrections per touchpoint: the draws are nested."""
    queues: dict[str, list[dict]] = {}
    for it in items:
        if it["gold"][0] != NONE:
            queues.setdefault(it["gold"][0], []).append(it)
    rng = random.Random(seed)
    for queue in queues.values():
        rng.shuffle(queue)
    return queues


def filed(queues: dict[str, list[dict]], k: int) -> list[dict]:
    """k complaints of each touchpoint, never more than half of its complaints (the rest is scored)."""
    return [it for queue in queues.values() for it in queue[: min(k, len(queue) // 2)]]


def quote(text: str) -> str:
    """What an analyst pastes as a correction: the complaint's first words, the customer's own in a transcript."""
    turns = parse_transcript(text)
    if turns:
        text = " ".join(t.text for t in turns if t.speaker == "customer") or text
    return " ".join(text.split()[:WORDS])


def with_corrections(taxonomy: Taxonomy, labelled: list[dict]) -> Taxonomy:
    """The taxonomy with `labelled` filed as corrections; a quote another item already filed under another
    touchpoint (two items of the same first words) is left out, as `taxonomy check` refuses such a pair."""
    known = {tp.id for top in taxonomy.touchpoints for tp in top.walk()}
    corrections: list[Correction] = []
    filed: dict[str, str] = {}
    for it in labelled:
        text, touchpoint = quote(str(it["text"])), it["gold"][0]
        said = text_hash(text)
        if touchpoint in known and filed.setdefault(said, touchpoint) == touchpoint:
            corrections.append(Correction(text=text, touchpoint=touchpoint))
    return taxonomy.model_copy(update={"corrections": corrections})


def predict(evaluator: Evaluator, items: list[dict], taxonomy: Taxonomy, labelled_head: bool) -> dict[str, dict]:
    """Predictions of `items` mined with `taxonomy`, with or without the labelled head (the old head)."""

    def pipeline_for(db: object) -> object:
        pipeline = evaluator.pipeline(db, taxonomy=taxonomy).fit()
        pipeline.mapper_.labelled = labelled_head
        return pipeline

    return {str(p["id"]): p for p in predict_items(items, pipeline_for, evaluator.progress)}  # type: ignore[arg-type]


def curve(evaluator: Evaluator, items: list[dict], seed: int) -> dict[str, Scores | None]:
    """Scores keyed "k/old", "k/new" and "review/new", each on the complaints that no random draw (or, for
    "review", no review pick) took."""
    queues = draws(items, seed)
    taken = {str(it["id"]) for it in filed(queues, max(COUNTS))}
    rest = [it for it in items if str(it["id"]) not in taken]
    out: dict[str, Scores | None] = {}
    zero = predict(evaluator, items, evaluator.taxonomy, True)
    out["0/old"] = out["0/new"] = score(rest, zero)
    for k in COUNTS[1:]:
        taxonomy = with_corrections(evaluator.taxonomy, filed(queues, k))
        for head, on in (("old", False), ("new", True)):
            out[f"{k}/{head}"] = score(rest, predict(evaluator, items, taxonomy, on))
    # `taxonomy review` order: the zero-shot run's least sure complaints, each touchpoint's in turn, as many as
    # the 10-per-touchpoint draw filed
    budget = len(filed(queues, 10))
    ordered = [zero[str(it["id"])] for it in items]
    reviewed = least_sure_items(items, ordered, budget)
    picked = {str(it["id"]) for it in reviewed}
    unpicked = [it for it in items if str(it["id"]) not in picked]
    taxonomy = with_corrections(evaluator.taxonomy, reviewed)
    out["review/new"] = score(unpicked, predict(evaluator, items, taxonomy, True))
    return out


def _cell(scores: list[Scores | None]) -> str:
    acc = [s.accuracy_at_1 for s in scores if s is not None and s.accuracy_at_1 is not None]
    f1 = [s.macro_f1 for s in scores if s is not None and s.macro_f1 is not None]
    if not acc:
        return "–"
    return f"{np.mean(acc):.3f} / {np.mean(f1):.3f}" if f1 else f"{np.mean(acc):.3f}"


def table(results: dict[str, list[dict[str, Scores | None]]], sizes: dict[str, int], seeds: int) -> str:
    """One row per domain and the mean of domains: accuracy@1 / macro-F1 at each count, old head then new."""
    ks = COUNTS[1:]
    header = "| domain | complaints | 0 | " + " | ".join(f"{k} old | {k} new" for k in ks) + " | review 10 new |"
    lines = [
        f"Accuracy@1 / macro-F1 on the complaints no draw took, mean of {seeds} seed(s). *k old*: k corrections "
        "per touchpoint teach the corpus head and the complaint detector only (before the labelled head); *k new*: "
        "the labelled head too. "
        "*review 10*: as many corrections as the 10-per-touchpoint draw, taken in `taxonomy review` order "
        "(least sure first, each touchpoint's in turn) and scored on the complaints review did not pick.",
        "",
        header,
        "|---|---|---|" + "---|---|" * len(ks) + "---|",
    ]
    keys = ["0/new", *[f"{k}/{h}" for k in ks for h in ("old", "new")], "review/new"]
    for name, runs in results.items():
        lines.append(f"| {name} | {sizes[name]} | " + " | ".join(_cell([r[key] for r in runs]) for key in keys) + " |")
    means = []
    for key in keys:
        per_domain = [[r[key] for r in runs] for name, runs in results.items() if name not in NOT_IN_MEAN]
        acc = [np.mean([s.accuracy_at_1 for s in d if s and s.accuracy_at_1 is not None]) for d in per_domain]
        means.append(f"**{np.nanmean(acc):.3f}**" if acc else "–")
    lines.append("| **mean of domains** (acc@1; not the team-labelled rows) | | " + " | ".join(means) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--probe", type=Path, default=Path("corpora/probe/cross_industry.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("docs/quality.md"))
    parser.add_argument("--sample", type=int, default=SAMPLE, help="complaints per domain (CFPB: half)")
    parser.add_argument("--seeds", type=int, default=1, help="draws per domain, seeds 0, 1, ...")
    parser.add_argument("--only", nargs="*", help="these domains only")
    args = parser.parse_args()
    evaluator = Evaluator()
    evaluator._setup()  # loads the taxonomy the corrections are filed into
    results: dict[str, list[dict[str, Scores | None]]] = {}
    sizes: dict[str, int] = {}
    for name, items in domains(args.datasets, args.probe).items():
        if args.only and name not in args.only:
            continue
        size = args.sample // 2 if name.startswith("cfpb") else args.sample
        picked = sample(items, size, seed=0)
        sizes[name] = len(picked)
        ours = held_out_evaluator(RAW) if name == AIRLINE else evaluator
        results[name] = [curve(ours, picked, seed) for seed in range(args.seeds)]
        print(name, json.dumps({k: _cell([r[k] for r in results[name]]) for k in results[name][0]}), flush=True)
    body = table(results, sizes, args.seeds)
    splice(args.out, "loop", body, "python -m miner.eval.loop")
    print(body)


if __name__ == "__main__":
    main()
