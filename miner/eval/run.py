"""`touchpoints eval`: load a labelled JSONL file, predict every item, score, print and save."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from miner.defaults import DEFAULT_EMBEDDING
from miner.errors import InputError
from miner.eval.predict import eval_cache, predict_items
from miner.eval.scoring import FEW_ITEMS, RESAMPLES, Scores, rests_on, score, with_intervals
from miner.touchpoints import Taxonomy, load_taxonomy
from miner.wording import counted

if TYPE_CHECKING:
    from miner.complaints.detector import ComplaintDetector
    from miner.embed.base import Embedder
    from miner.pipeline import Pipeline


def load_items(
    path: Path, limit: int | None = None, touchpoints: Collection[str] | None = None, *, own_ids: bool = False
) -> list[dict]:
    """The labelled items of a JSONL file, each `gold` as a list of touchpoint ids (one id written as a string is
    a list of one). With `touchpoints` (a taxonomy's ids), a gold id outside them is refused, naming its line; with
    `own_ids` (a user's file, `touchpoints eval`), an id given twice (predictions are matched to items by id, so
    one item was scored with the other's prediction; banking77 repeats one id, which the dev sets keep as given)."""
    if not path.exists():
        raise InputError(str(path), "no such file", hint="give a JSONL file of labelled items")
    items: list[dict] = []
    seen: dict[str, int] = {}  # id -> its line
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
            if item.get("complaint") not in (True, False, None):  # "yes" failed in the scoring, after the whole run
                raise InputError(str(path), "complaint is not true, false or null", line=number, field="complaint",
                                 hint='write "complaint": true, false, or null when unknown')  # fmt: skip
            if own_ids and str(item["id"]) in seen:
                raise InputError(str(path), f"the id '{item['id']}' is the item's of line {seen[str(item['id'])]} "
                                 "too", line=number, field="id", hint="give every item an id of its own")  # fmt: skip
            seen[str(item["id"])] = number
            item["gold"] = _gold(item.get("gold"), touchpoints, path, number)
            item["_line"] = number  # where eval's notes on the item point (miner/eval/predict.py)
            items.append(item)
            if limit and len(items) >= limit:
                break
    if not items:
        raise InputError(str(path), "the file has no items")
    return items


def _gold(gold: object, touchpoints: Collection[str] | None, path: Path, line: int) -> list[str] | None:
    """`gold` as a list of ids: a bare string was read as a list of its letters ('delivery' scored as d, e, l...)."""
    if gold is None:
        return None
    if isinstance(gold, str):
        gold = [gold]
    if not isinstance(gold, list) or not all(isinstance(t, str) for t in gold):
        raise InputError(
            str(path),
            "gold is not a touchpoint id or a list of them",
            line=line,
            field="gold",
            hint='write "gold": "delivery", a list of ids, "none" for a complaint that names no touchpoint, or null',
        )
    unknown = [t for t in gold if t not in touchpoints] if touchpoints is not None else []
    if unknown and touchpoints is not None:
        raise InputError(
            str(path),
            f"gold names '{unknown[0]}', which is no touchpoint of the taxonomy",
            line=line,
            field="gold",
            hint=f"use one of {', '.join(sorted(t for t in touchpoints if '/' not in t))} or a sub-touchpoint "
            "of one (parent/child), or pass --taxonomy for another taxonomy",
        )
    # accuracy@1 is scored on top-level touchpoints, which is what a prediction names: a sub-touchpoint's gold
    # ('cards/fraud') was never hit, even when the prediction named its parent
    return list(dict.fromkeys(t.split("/", 1)[0] for t in gold))


def sample_items(path: Path, limit: int, seed: int = 0) -> list[dict]:
    """A seeded sample of `limit` items of the file (all of them if it has no more): unlike its first items, which
    in a file sorted by label cover a few labels (banking77's first 300 are two intents), it spreads as the set does."""
    import random

    items = load_items(path)
    return items if len(items) <= limit else random.Random(f"{seed}:{path.stem}").sample(items, limit)


class Evaluator:
    """Loads the encoders once and scores any number of labelled sets with any mapper, each by mining it with the
    pipeline into a temporary database and reading back what the run stored (miner/eval/predict.py). Embeddings
    are cached in `cache`, so a second evaluation of the same texts embeds nothing."""

    def __init__(
        self,
        *,
        taxonomy_path: Path | None = None,
        embedding_model: str = DEFAULT_EMBEDDING,
        segmenter: str = "spacy",
        cache: Path | None = None,
        progress: object | None = None,
        redact_pii: bool = True,
        taxonomy: Taxonomy | None = None,
        embedder: Embedder | None = None,
        seeds: Path | None = None,
    ) -> None:
        """`taxonomy`, `embedder` (a mapping encoder with its bundle) and `seeds` (a complaint seeds file) stand in
        for the taxonomy file, the model name and the packaged seeds: the leave-one-domain-out evaluation
        (miner/eval/transfer.py) scores each domain with what was written without it."""
        self.segmenter_name = segmenter
        self.taxonomy_path = taxonomy_path
        self.embedding_model = embedding_model
        self.cache = cache or eval_cache()
        self.progress = progress
        self.redact_pii = redact_pii  # as `mine` does by default
        self._taxonomy, self._embedder, self.seeds = taxonomy, embedder, seeds
        self._fitted: dict[str, object] = {}

    def _setup(self) -> None:
        if self._fitted:
            return
        from miner.embed import EmbeddingCache, get_embedder
        from miner.pipeline import build_encoders
        from miner.segment import get_segmenter
        from miner.store import open_db
        from miner.touchpoints import load_taxonomy

        self.taxonomy = self._taxonomy or load_taxonomy(self.taxonomy_path)
        self.encoders = build_encoders(self._embedder or get_embedder(self.embedding_model))
        self.cache_db = open_db(self.cache)
        self.embedder = EmbeddingCache(self.encoders.mapping, self.cache_db)
        self.segmenter = get_segmenter(self.segmenter_name)
        self._fitted["ready"] = True

    def pipeline(
        self, db: object, *, mapper: str = "examples", segment: bool = True, taxonomy: Taxonomy | None = None
    ) -> Pipeline:
        """The pipeline `mine` would build with these settings, on `db`, caching embeddings in the eval cache."""
        from miner.pipeline import MineOptions, build_pipeline
        from miner.segment.whole import WholeText

        self._setup()
        taxonomy = taxonomy or self.taxonomy
        options = MineOptions(
            taxonomy=taxonomy,
            segmenter=self.segmenter if segment else WholeText(),
            mapper=mapper,
            redact_pii=self.redact_pii,
        )
        pipeline = build_pipeline(db, options, encoders=self.encoders, cache_db=self.cache_db)  # type: ignore[arg-type]
        if self.seeds is not None:
            pipeline.detector = self._detector(pipeline, taxonomy, self.seeds)
        return pipeline

    def _detector(self, pipeline: Pipeline, taxonomy: Taxonomy, seeds: Path) -> ComplaintDetector:
        """The complaint detector fitted on this evaluator's seeds file (once per taxonomy)."""
        from miner.pipeline.classify import fit_detector

        key = f"detector:{id(taxonomy)}"
        if key not in self._fitted:
            complaint = pipeline._cache(pipeline.encoders.complaint)
            self._fitted[key] = fit_detector(pipeline.cache, complaint, taxonomy, seeds=seeds)
        return self._fitted[key]  # type: ignore[return-value]

    @property
    def detector(self) -> object:
        """The complaint detector the pipeline fits (for experiments in bench/)."""
        return self._fit("examples").detector_  # type: ignore[attr-defined]

    def mapper(self, name: str, taxonomy: Taxonomy | None = None) -> object:
        """The fitted mapper `name` of the evaluator's taxonomy (fitted once), or of `taxonomy` (fitted afresh)."""
        return self._fit(name, taxonomy).mapper_  # type: ignore[attr-defined]

    def _fit(self, name: str, taxonomy: Taxonomy | None = None) -> object:
        self._setup()
        if taxonomy is not None:
            return self.pipeline(self.cache_db, mapper=name, taxonomy=taxonomy).fit()
        if name not in self._fitted:
            self._fitted[name] = self.pipeline(self.cache_db, mapper=name).fit()
        return self._fitted[name]

    def predict(
        self,
        items: list[dict],
        *,
        mapper: str = "examples",
        segment: bool = True,
        taxonomy: Taxonomy | None = None,
        name: str = "items.jsonl",
        clauses: bool = False,
    ) -> list[dict]:
        """`taxonomy`: another than the evaluator's (with corrections, say), for this call only; `name`: the
        labelled file's, which the notes name; `clauses`: each prediction with its stored clauses
        (miner/eval/clauses.py scores them)."""
        self._setup()

        def pipeline_for(db: object) -> object:
            return self.pipeline(db, mapper=mapper, segment=segment, taxonomy=taxonomy)

        return predict_items(items, pipeline_for, self.progress, name, clauses)  # type: ignore[arg-type]

    def evaluate(self, items: list[dict], **kwargs: object) -> tuple[Scores, list[dict]]:
        preds = self.predict(items, **kwargs)  # type: ignore[arg-type]
        return score(items, {str(p["id"]): p for p in preds}), preds


def run_eval(
    path: Path,
    *,
    predictions_out: Path | None = None,
    taxonomy_path: Path | None = None,
    mapper: str = "examples",
    segment: bool = True,
    embedding_model: str = DEFAULT_EMBEDDING,
    segmenter: str = "spacy",
    cache: Path | None = None,
    limit: int | None = None,
    redact_pii: bool = True,
) -> Scores:
    from miner.progress import RichProgress

    taxonomy = load_taxonomy(taxonomy_path)
    ids = {tp.id for top in taxonomy.touchpoints for tp in top.walk()} | {"none"}
    items = load_items(path, limit, touchpoints=ids, own_ids=True)
    evaluator = Evaluator(
        taxonomy=taxonomy,
        taxonomy_path=taxonomy_path,
        embedding_model=embedding_model,
        segmenter=segmenter,
        cache=cache,
        progress=RichProgress(),
        redact_pii=redact_pii,
    )
    scores, preds = evaluator.evaluate(items, mapper=mapper, segment=segment, name=path.name)
    with_intervals(scores, items, {str(p["id"]): p for p in preds})
    if predictions_out:
        with predictions_out.open("w", encoding="utf-8") as fh:
            for p in preds:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return scores


def print_scores(name: str, s: Scores) -> None:
    from rich.markup import escape
    from rich.table import Table

    from miner.report.console import cli_console, say
    from miner.report.inert import terminal_text

    def plain(text: str) -> str:  # a file name or gold label is no markup and no escape code
        return escape(terminal_text(text))

    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    def ranged(figure: str) -> str:
        value, interval = fmt(getattr(s, figure)), s.intervals.get(figure)
        return f"{value} ({fmt(interval[0])}–{fmt(interval[1])})" if interval else value

    console = cli_console()
    scored = counted(s.scored, "complaint")
    say(console, f"[bold]{plain(name)}[/bold]: {counted(s.items, 'item')}, {scored} with gold touchpoints")
    say(console, f"  accuracy@1 {ranged('accuracy_at_1')}   macro-F1 {ranged('macro_f1')}: on the {scored} with gold")
    say(
        console,
        f"  complaint F1 {ranged('complaint_f1')}: on {counted(s.complaint_items, 'labelled item')}, "
        f"{s.complaints:,} of them complaints",
    )
    if s.intervals:
        say(console, f"  (in brackets: 95% bootstrap intervals, {RESAMPLES:,} resamples of the items, seed 0)")
    if s.few_items:
        labels = {"accuracy_at_1": "accuracy@1", "macro_f1": "macro-F1", "complaint_f1": "complaint F1"}
        few = ", ".join(f"{labels[k]} on {rests_on(s)[k]:,}" for k in s.few_items)
        point = any((r := s.intervals.get(k)) and r[0] == r[1] for k in s.few_items)
        say(
            console,
            f"  warning: few items ({few}; under {FEW_ITEMS}): another sample of the same kind could give far "
            "other figures; read the intervals"
            + ("; one of a single value (every resample scored alike) is no certainty" if point else ""),
        )
    if s.accuracy_detected is not None and s.accuracy_detected != s.accuracy_at_1:
        say(
            console,
            f"  accuracy@1 end to end {fmt(s.accuracy_detected)} (a complaint the detector missed counted as none; "
            "above, it has its most complaint-like clause's touchpoint)",
        )
    if s.per_touchpoint:
        table = Table("touchpoint", "precision", "recall", "F1", "support")
        for t, v in sorted(s.per_touchpoint.items(), key=lambda kv: -kv[1]["support"]):
            table.add_row(plain(t), fmt(v["precision"]), fmt(v["recall"]), fmt(v["f1"]), str(v["support"]))
        console.print(table)
    if s.confusions:
        errors = "; ".join(f"{plain(g)} → {plain(p)} ({n})" for g, p, n in s.confusions)
        say(console, f"  most frequent errors (gold → predicted): {errors}")
