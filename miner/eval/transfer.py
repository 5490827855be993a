"""Leave-one-domain-out: each domain of the dev sets scored with a taxonomy, complaint seeds and encoder that never
saw it, per domain and as a mean of domains (issue 18, "measure transfer, not fit").

A domain is one industry of the dev sets. Its held-out taxonomy is the default one less the examples written after
reading its sets' errors, its seeds the packaged ones less the seeds written so, and its encoder the `tuned` recipe
trained on those texts (miner/train/models.py `tuned_on`, built once into the model cache, about a minute each).
Which sentence was written for which set is taxonomies/provenance.yaml, as data in
taxonomies/provenance_sentences.json (miner/eval/provenance.py). Thresholds cannot be taken out this way: the
caveat in docs/quality.md lists those chosen while reading a set.

ABSA has restaurants and laptops (its `label`; no hotel sentences in the file), each a domain; both drop every
block written for ABSA (the record does not split them). The tweets carry no touchpoint gold in the dataset: the
complaints of their seeded 600-item sample carry the team's labels (miner/eval/labels/, one reader, written before any
prediction was seen), so their domain gives accuracy@1 on those and is kept out of the mean of domains, whose gold
comes with the datasets. So are the two halves of the team's 240 labelled real airline conversations (from the raw
export; the open half's errors may be read, the sealed half's are not). The probes (corpora/probe/, written by the
team and read by nobody: short items, and whole support conversations) are scored per industry with the default
taxonomy and reported as the mean of its industries.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np
import yaml

from miner.eval import teamlabels
from miner.eval.provenance import load_sentences, taxonomy_without, without, written_for
from miner.eval.run import Evaluator, load_items
from miner.eval.scoring import counts, figures, score
from miner.touchpoints.taxonomy import Taxonomy

SAMPLE = 600  # items per domain by default (seeded); --full scores every item
SEED = 0
RESAMPLES = 1000
PROBE = Path(__file__).resolve().parents[2] / "corpora" / "probe" / "cross_industry.jsonl"
CONVERSATIONS = PROBE.with_name("conversations.jsonl")  # whole support conversations, the same twelve industries
PROBES = {PROBE: "probe", CONVERSATIONS: "conversation probe"}  # each file's name in the transfer table
ANCHOR: dict[str, Any] = {"mapper": "centroid", "segment": False}
METHOD: dict[str, Any] = {"mapper": "examples", "segment": True}


@dataclass(frozen=True)
class Domain:
    """One industry: the dev files it is read from (only items whose `label` is `label`, when given), the
    provenance sets written after reading it, whether its touchpoint gold counts in the mean of domains, and a file
    of the team's touchpoint labels (miner/eval/labels/) for a set that has none of its own."""

    name: str
    files: tuple[str, ...]
    label: str | None = None
    sets: tuple[str, ...] = ()
    touchpoints: bool = True
    labels: str | None = None
    sampled_as: str | None = None  # the name its seeded sample is drawn under, when that is not `name`
    raw: str | None = None  # a file of whole conversations under datasets/ whose labelled ones are the items

    def file_seed(self, stem: str) -> str:
        return f"{self.sampled_as or self.name}:{stem}"


DOMAINS = (
    Domain("restaurants (ABSA)", ("absa_reviews_train",), label="restaurants", sets=("absa",)),
    Domain("laptops (ABSA)", ("absa_reviews_train",), label="laptops", sets=("absa",)),
    Domain("banking (CFPB + banking77)", ("cfpb_complaints", "banking77"), sets=("cfpb", "banking77")),
    Domain("health (NHS)", ("nhs_fft_phase1",), sets=("nhs",)),
    Domain("call-centre (dstc11)", ("dstc11_turns",), sets=("dstc11",)),
    Domain(
        "tweets (team labels, not in the mean)",
        ("complaints_tweets",),
        sets=("tweets",),
        touchpoints=False,
        labels="complaints_tweets_touchpoints.jsonl",
        sampled_as="tweets (complaint F1 only)",  # its name before the labels: the same sample, the labelled items
    ),
    *(
        Domain(
            f"airline conversations, {half} half (team labels, not in the mean)",
            (),
            label=half,  # sealed: nobody reads its errors; open: read them (miner/eval/labels/README.md)
            sets=("twcs",),
            touchpoints=False,
            labels=teamlabels.AIRLINE_LABELS,
            raw=teamlabels.AIRLINE_EXPORT,
        )
        for half in ("open", "sealed")
    ),
)


RAW = next(d for d in DOMAINS if d.raw)  # the airline conversations' export and labels (either half: the same files)


def domain_items(domain: Domain, datasets: Path, limit: int | None, seed: int = SEED) -> list[dict]:
    """The domain's items: with `limit`, a seeded sample of up to limit / len(files) from each file (so CFPB's
    letters and banking77's queries count alike); without, every item. Ids are prefixed with the file's name. With
    the domain's `labels`, a labelled item takes the team's touchpoints as its gold."""
    if domain.raw:
        items = teamlabels.labelled_conversations(datasets / domain.raw, teamlabels.LABELS / str(domain.labels))
        return [it for it in items if domain.label is None or it["label"] == domain.label]
    share = None if limit is None else max(1, limit // len(domain.files))
    labels = teamlabels.team_labels(teamlabels.LABELS / domain.labels) if domain.labels else {}
    out: list[dict] = []
    for stem in domain.files:
        path = datasets / f"{stem}.jsonl"
        if not path.exists():
            continue
        items = [
            dict(it, id=f"{stem}:{it['id']}")
            for it in load_items(path)
            if domain.label is None or it.get("label") == domain.label
        ]
        if share is not None and len(items) > share:
            items = random.Random(f"{seed}:{domain.file_seed(stem)}").sample(items, share)
        out += [dict(it, gold=labels[it["id"]]) if it["id"] in labels else it for it in items]
    return out


@dataclass
class HeldOut:
    """What a domain is scored with: the taxonomy and seeds less its sentences, and how many were taken out."""

    taxonomy: Taxonomy
    complaints: list[str]
    not_complaints: list[str]
    dropped_examples: int
    dropped_seeds: int


def held_out(domain: Domain, taxonomy: Taxonomy, seeds: tuple[list[str], list[str]], sentences: dict) -> HeldOut:
    """The taxonomy and seeds with the sentences written after reading `domain`'s sets taken out."""
    examples = written_for(sentences["taxonomy"], domain.sets)
    seed_hashes = written_for(sentences["seeds"], domain.sets)
    kept = taxonomy_without(taxonomy, examples)
    complaints, not_complaints = without(seeds[0], seed_hashes), without(seeds[1], seed_hashes)

    def size(t: Taxonomy) -> int:
        return len(t.none_examples) + sum(len(top.all_examples()) for top in t.touchpoints)

    return HeldOut(
        kept,
        complaints,
        not_complaints,
        size(taxonomy) - size(kept),
        len(seeds[0]) + len(seeds[1]) - len(complaints) - len(not_complaints),
    )


def mean_of_domains(runs: Sequence[tuple[list[dict], dict[str, dict]]], figure: str) -> float | None:
    """The unweighted mean over domains of one figure (each domain counts once, whatever its size)."""
    values = [getattr(score(items, preds), figure) for items, preds in runs]
    kept = [v for v in values if v is not None]
    return mean(kept) if kept else None


def mean_interval(
    runs: Sequence[tuple[list[dict], dict[str, dict]]],
    figure: str,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile interval of the mean of domains: each domain's items drawn with replacement on their own."""
    rng = np.random.default_rng(seed)
    per_domain = []
    for items, preds in runs:
        n = len(items)
        weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)])
        per_domain.append(figures(counts(items, preds), weights.astype(float))[figure])
    if not per_domain:
        return None
    with np.errstate(invalid="ignore"):
        values = np.nanmean(np.stack(per_domain), axis=0) if len(per_domain) > 1 else per_domain[0]
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    tail = (1 - level) / 2 * 100
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def _seeds_file(folder: Path, h: HeldOut) -> Path:
    path = folder / "seeds.yaml"
    path.write_text(yaml.safe_dump({"complaint": h.complaints, "not_complaint": h.not_complaints}), encoding="utf-8")
    return path


def domain_evaluators(h: HeldOut, folder: Path) -> tuple[Evaluator, Evaluator]:
    """Ours (the `tuned` recipe retrained on the held-out texts where any were taken out) and the anchor (plain
    MiniLM), both on the held-out taxonomy and seeds."""
    from miner.train.models import tuned_on
    from miner.train.sources import complaint_training_set, touchpoint_training_set

    seeds = _seeds_file(folder, h) if h.dropped_seeds else None
    embedder = None
    if h.dropped_examples or h.dropped_seeds:
        complaints = complaint_training_set(h.complaints, h.not_complaints) if h.dropped_seeds else None
        embedder = tuned_on(touchpoint_training_set(h.taxonomy, h.not_complaints), complaints).mapping
    ours = Evaluator(taxonomy=h.taxonomy, embedder=embedder, seeds=seeds)
    anchor = Evaluator(taxonomy=h.taxonomy, embedding_model="minilm", seeds=seeds)
    return ours, anchor


@dataclass
class DomainResult:
    domain: str
    items: list[dict]
    ours: dict[str, dict]
    anchor: dict[str, dict]
    held: str  # what was taken out, in words
    touchpoints: bool = True


def _by_id(preds: list[dict]) -> dict[str, dict]:
    return {str(p["id"]): p for p in preds}


def run_domains(
    datasets: Path,
    limit: int | None = SAMPLE,
    seed: int = SEED,
    domains: Sequence[Domain] = DOMAINS,
    log: Callable[[str], None] | None = None,
) -> list[DomainResult]:
    """Every domain with items in `datasets`, scored by ours and the anchor with what was written without it."""
    from miner.complaints.detector import load_seeds
    from miner.touchpoints import load_taxonomy

    taxonomy, packaged, sentences = load_taxonomy(), load_seeds(), load_sentences()
    log = log or _say
    results = []
    with tempfile.TemporaryDirectory(prefix="touchpoints-transfer-") as tmp:
        for number, domain in enumerate(domains):
            items = domain_items(domain, datasets, limit, seed)
            if not items:
                continue
            h = held_out(domain, taxonomy, packaged, sentences)
            folder = Path(tmp) / str(number)
            folder.mkdir()
            ours, anchor = domain_evaluators(h, folder)
            log(f"{domain.name}: {len(items)} items, -{h.dropped_examples} examples, -{h.dropped_seeds} seeds")
            started = time.process_time()
            ours_preds = _by_id(ours.predict(items, **METHOD))
            anchor_preds = _by_id(anchor.predict(items, **ANCHOR))
            s, a = score(items, ours_preds), score(items, anchor_preds)
            log(
                f"  ours {_fmt(s.accuracy_at_1)} / {_fmt(s.macro_f1)} / complaint F1 {_fmt(s.complaint_f1)}; anchor "
                f"{_fmt(a.accuracy_at_1)} / {_fmt(a.macro_f1)}; {time.process_time() - started:.0f} s CPU"
            )
            held = (
                f"−{h.dropped_examples} examples, −{h.dropped_seeds} seeds"
                if h.dropped_examples or h.dropped_seeds
                else "the default (nothing written for it)"
            )
            results.append(DomainResult(domain.name, items, ours_preds, anchor_preds, held, domain.touchpoints))
    return results


def _say(message: str) -> None:
    print(message, flush=True)  # progress of a long run, read while it runs


def industry(item: dict) -> str:
    return str(item["label"]).split("/", 1)[0]


def run_probe(path: Path = PROBE, limit: int | None = None) -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
    """The probe's items, ours and the anchor's predictions (the default taxonomy: nobody read the probe)."""
    items = load_items(path, limit)
    ours = _by_id(Evaluator().predict(items, **METHOD))
    anchor = _by_id(Evaluator(embedding_model="minilm").predict(items, **ANCHOR))
    return items, ours, anchor


def by_industry(items: list[dict], preds: dict[str, dict]) -> list[tuple[list[dict], dict[str, dict]]]:
    groups: dict[str, list[dict]] = {}
    for it in items:
        groups.setdefault(industry(it), []).append(it)
    return [(group, preds) for _, group in sorted(groups.items())]


def accuracy_and_f1(
    items: list[dict], preds: dict[str, dict], *, per_industry: bool = False
) -> tuple[float | None, float | None]:
    """Accuracy@1 and macro-F1 of one set's predictions; `per_industry`: each the unweighted mean over the
    probe's industries, as the transfer table reports the probe."""
    if per_industry:
        runs = by_industry(items, preds)
        return mean_of_domains(runs, "accuracy_at_1"), mean_of_domains(runs, "macro_f1")
    s = score(items, preds)
    return s.accuracy_at_1, s.macro_f1


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _ci(r: tuple[float, float] | None) -> str:
    return "–" if r is None else f"{r[0]:.3f}–{r[1]:.3f}"


def transfer_table(
    results: list[DomainResult], probes: Sequence[tuple[Path, tuple[list[dict], dict, dict]]] = ()
) -> str:
    """The markdown table: one row per domain, the mean of domains (the headline), then each probe (its file, and
    `run_probe`'s items and predictions)."""
    from miner.eval.scoring import bootstrap

    lines = [
        "| domain | items | scored complaints | scored with | acc@1 | macro-F1 | complaint F1 | acc@1 95% interval "
        "| acc@1 end to end | anchor acc@1 | anchor macro-F1 | anchor complaint F1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ours, anchor = score(r.items, r.ours), score(r.items, r.anchor)
        ci = bootstrap(r.items, r.ours, resamples=RESAMPLES)["accuracy_at_1"]
        lines.append(
            f"| {r.domain} | {len(r.items)} | {ours.scored} | {r.held} | {_fmt(ours.accuracy_at_1)} | "
            f"{_fmt(ours.macro_f1)} | {_fmt(ours.complaint_f1)} | {_ci(ci)} | {_fmt(ours.accuracy_detected)} | "
            f"{_fmt(anchor.accuracy_at_1)} | "
            f"{_fmt(anchor.macro_f1)} | {_fmt(anchor.complaint_f1)} |"
        )
    mapped = [r for r in results if r.touchpoints]
    if mapped:
        lines.append(_mean_row(f"**mean of {len(mapped)} domains**", [(r.items, r.ours) for r in mapped],
                               [(r.items, r.anchor) for r in mapped], bold=True))  # fmt: skip
    for path, (items, ours_p, anchor_p) in probes:
        groups = by_industry(items, ours_p)
        name = f"{PROBES.get(path, path.stem)}, mean of {len(groups)} industries (corpora/probe/{path.name})"
        lines.append(_mean_row(name, groups, by_industry(items, anchor_p), items=len(items)))
    return "\n".join(lines) + "\n"


def _mean_row(
    name: str,
    ours: Sequence[tuple[list[dict], dict[str, dict]]],
    anchor: Sequence[tuple[list[dict], dict[str, dict]]],
    *,
    bold: bool = False,
    items: int | None = None,
) -> str:
    def cell(x: float | None) -> str:
        return f"**{_fmt(x)}**" if bold else _fmt(x)

    total = items if items is not None else sum(len(i) for i, _ in ours)
    scored = sum(s.scored for s in (score(i, p) for i, p in ours))
    return (
        f"| {name} | {total} | {scored} | | {cell(mean_of_domains(ours, 'accuracy_at_1'))} | "
        f"{cell(mean_of_domains(ours, 'macro_f1'))} | {_fmt(mean_of_domains(ours, 'complaint_f1'))} | "
        f"{_ci(mean_interval(ours, 'accuracy_at_1'))} | {_fmt(mean_of_domains(ours, 'accuracy_detected'))} | "
        f"{_fmt(mean_of_domains(anchor, 'accuracy_at_1'))} | "
        f"{_fmt(mean_of_domains(anchor, 'macro_f1'))} | {_fmt(mean_of_domains(anchor, 'complaint_f1'))} |"
    )
