"""Where the default's encoder CPU goes on real airline conversations, and what each way of reading items costs
(issue 21; docs/lab/spanpool.md).

Usage: python bench/spanpool.py census [--n 300]          what each encoder reads in `mine` (texts, tokens, CPU)
       python bench/spanpool.py segments --n 1000 --db F  redact and segment into F, embedding nothing
       python bench/spanpool.py encode --db F [--old FILE] [--batch 64] [--threads 1]   one encoder over F's
           clauses and item contexts: CPU and the largest difference from the first variant's vectors
       python bench/spanpool.py transfer --contexts text|mean|span|span-mapping [--limit 300]   the transfer
           protocol with item contexts read that way (span pooling is an experiment patched in here)
       python bench/spanpool.py paired --before A.pkl --after B.pkl   paired bootstrap of two transfer runs
       python bench/spanpool.py mine --contexts text|span|span-mapping [--n 1000]   a real `mine` read that way
       python bench/spanpool.py cli text|span|span-mapping ARGS...   `touchpoints ARGS...` read that way

`census` runs `mine` with the default settings (redaction on) on the first N conversations of
../shared/datasets/raw/twcs_airline_conversations.csv into a fresh database, and counts, per encoder and per
caller (clauses, item contexts, texts `for_mapping` changed, the fit), the texts each encoder embedded, their
tokens, the padded tokens of the batches and the CPU seconds in the forward passes. The conversations are read from
../shared/datasets/raw/ and never copied; only counts are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _caller() -> str:
    names = [f.name for f in traceback.extract_stack()]
    for fn, tag in (("context", "context"), ("_normalised", "normalised"), ("fit", "fit"), ("embed_ahead", "clauses")):
        if fn in names:
            return tag
    return "clauses"


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def census(csv_path: Path, db_path: Path) -> dict:
    """`mine` with the default settings, every forward pass counted by encoder and caller."""
    import numpy as np
    import torch

    from miner.embed import bert
    from miner.pipeline import MineOptions, build_pipeline
    from miner.store import open_db

    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    encode = bert.BertSentenceEncoder.encode

    def counted(self: bert.BertSentenceEncoder, texts: list[str]) -> object:
        enc = self.tokenizer.encode_batch(texts)
        row = table[f"{Path(str(self.w_name)).name}/{_caller()}"]
        row["texts"] += len(texts)
        row["tokens"] += sum(sum(e.attention_mask) for e in enc)
        lengths = np.array([sum(e.attention_mask) for e in enc])
        groups = bert.length_groups(lengths) if hasattr(bert, "length_groups") else [np.arange(len(enc))]
        row["padded"] += sum(len(g) * int(lengths[g].max()) for g in groups if len(g))  # what the forward runs
        started = time.process_time()
        out = encode(self, texts)
        row["cpu"] += time.process_time() - started
        return out

    load = bert.load_bert

    def named(folder: Path) -> object:
        model = load(folder)
        if model is not None:
            model.w_name = folder.name  # type: ignore[attr-defined]
        return model

    bert.BertSentenceEncoder.encode = counted  # type: ignore[method-assign]
    bert.load_bert = named  # type: ignore[assignment]
    started, cpu0 = time.perf_counter(), _cpu()
    options = MineOptions()
    pipeline = build_pipeline(open_db(db_path), options)
    _, run_id = pipeline.mine([csv_path], columns=options.columns, on_error=options.on_error)
    run = pipeline.db["runs"].get(run_id)
    return {
        "wall": round(time.perf_counter() - started, 1),
        "cpu": round(_cpu() - cpu0, 1),
        "threads": torch.get_num_threads(),
        "segments": run["segments"],
        "complaints": run["complaints"],
        "load": os.getloadavg(),
        "encoders": {k: {f: round(v, 2) for f, v in row.items()} for k, row in sorted(table.items())},
    }


def mine_run(csv_path: Path, db_path: Path, contexts: str) -> dict:
    """A real `mine` with the default settings, its items read as `contexts` says (`text`: each clause alone, the
    reading before miner/embed/spans.py; `shipped`: the library's; `span`, `span-mapping`, `span-short`: span pooling
    patched in as in `transfer`; where the head reads spans the import's read-ahead is off, since it would read
    clauses alone that nothing then asks for): wall, CPU of both processes, peak RSS, segments and complaints."""
    from miner.pipeline import MineOptions, build_pipeline, core
    from miner.store import open_db

    counts = None
    _reading(contexts)
    if contexts.startswith("span"):
        counts = use_span_pooling(both=contexts != "span-mapping")
    if contexts in ("span", "span-short"):  # with span-mapping the head reads the clauses the read-ahead caches
        core.Pipeline.embed_ahead = lambda self, texts: None  # type: ignore[method-assign]
    started, cpu0 = time.perf_counter(), _cpu()
    options = MineOptions()
    pipeline = build_pipeline(open_db(db_path), options)
    _, run_id = pipeline.mine([csv_path], columns=options.columns, on_error=options.on_error)
    run = pipeline.db["runs"].get(run_id)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "contexts": contexts,
        "wall": round(time.perf_counter() - started, 1),
        "cpu": round(_cpu() - cpu0, 1),
        "peak_rss_mb": [own.ru_maxrss // 1024, kids.ru_maxrss // 1024],
        "segments": run["segments"],
        "complaints": run["complaints"],
        "counts": counts,
        "load": os.getloadavg(),
    }


def segments(csv_path: Path, db_path: Path) -> None:
    """Redact and segment the conversations into `db_path` as `mine` does, embedding nothing."""
    from miner.pipeline import MineOptions
    from miner.pipeline.imports import import_paths
    from miner.store import open_db

    import_paths(open_db(db_path), [csv_path], MineOptions())


def texts_of(db_path: Path) -> tuple[list[str], list[str]]:
    """The stored clauses, and the text of each item of several clauses (what `ItemRuns.context` embeds)."""
    from miner.segment.items import ItemRuns
    from miner.store import open_db
    from miner.store.segments import load_segments

    rows = load_segments(open_db(db_path))
    runs = ItemRuns(rows)
    items = [" ".join(r["text"] for r in rows[a:b]) for a, b in zip(runs.starts, runs.ends, strict=True) if b - a > 1]
    return [r["text"] for r in rows], items


def encode(db_path: Path, model: str, variants: list[str], batch: int, threads: int, old_file: Path) -> list[dict]:
    """CPU of one encoder over the stored clauses and item contexts, by `Embedder.embed` in batches of `batch`,
    with this tree's `encode` (`grouped`) or the one before it (`padded`: `--old FILE`, a copy of bert.py from
    before, e.g. `git show 987152c:miner/embed/bert.py`); vectors compared."""
    import importlib.util

    import numpy as np
    import torch

    from miner.embed import get_embedder

    torch.set_num_threads(threads)
    clauses, items = texts_of(db_path)
    embedder = get_embedder(model)
    embedder.batch_size = batch
    bert = embedder.bert()
    assert bert is not None
    new_encode = type(bert).encode
    spec = importlib.util.spec_from_file_location("bert_old", old_file)
    old = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(old)  # type: ignore[union-attr]
    reference = old.load_bert(Path(embedder._model_path()))
    out, first = [], {}
    for variant in variants:
        for name, texts in (("clauses", clauses), ("contexts", items)):
            bert.encode = (lambda t, b=bert: new_encode(b, t)) if variant == "grouped" else reference.encode
            started = time.process_time()
            vectors = embedder.embed(texts)
            cpu = time.process_time() - started
            diff = float(np.abs(vectors - first[name]).max()) if name in first else 0.0
            first.setdefault(name, vectors)
            out.append({"variant": variant, "texts": name, "n": len(texts), "batch": batch, "threads": threads,
                        "cpu": round(cpu, 2), "max_diff": diff, "load": os.getloadavg()[0]})  # fmt: skip
            print(json.dumps(out[-1]), flush=True)
    return out


def span_table(bert: object, segments: list[dict]) -> tuple[dict[str, object], int]:
    """Span pooling, as an experiment: each item's text (its clauses joined, as `ItemRuns` joins them) read once;
    a clause's vector is the mean of [CLS], [SEP] and the token states inside its characters, the item's the mean
    of all its tokens. Items longer than the window are left out (their clauses read alone, as before): returns
    the text -> vector table and how many items were left out."""
    import numpy as np

    from miner.segment.items import ItemRuns

    runs = ItemRuns(segments)
    items, spans = [], []
    for a, b in zip(runs.starts, runs.ends, strict=True):
        clauses = [segments[i]["text"] for i in range(a, b)]
        starts = np.r_[0, np.cumsum([len(c) + 1 for c in clauses])[:-1]]
        items.append(" ".join(clauses))
        spans.append([(c, int(s), int(s) + len(c)) for c, s in zip(clauses, starts, strict=True)])
    tok = bert.tokenizer  # type: ignore[attr-defined]
    tok.no_truncation()
    lengths = np.array([len(e.ids) for e in tok.encode_batch(items)])
    tok.enable_truncation(bert.max_length, strategy="longest_first", direction="right")  # type: ignore[attr-defined]
    fits = np.flatnonzero(lengths <= bert.max_length)  # type: ignore[attr-defined]
    parts, own = bert.encode_spans([items[i] for i in fits], [[(a, b) for _, a, b in spans[i]] for i in fits])  # type: ignore[attr-defined]
    table: dict[str, object] = {}
    for k, i in enumerate(fits):
        table[items[i]] = own[k]
        for (text, _, _), vector in zip(spans[i], parts[k], strict=True):
            if len(text.split()) >= SHORT:  # shorter clauses are read alone (`span-short`)
                table[text] = vector
    return table, len(items) - len(fits)


SHORT = 0  # `span-short`: clauses of fewer words than this are read alone, not as spans of their item


def use_span_pooling(both: bool = True) -> dict[str, int]:
    """Make every `classify` read its segments by span pooling with both encoders (`span_table`; with `both` off,
    the mapping encoder only); texts the table lacks (changed by `for_mapping`, or of items past the window) are
    embedded alone, as before."""
    import numpy as np

    from miner.embed import cache as cache_module
    from miner.pipeline import core

    counts = {"items_left_out": 0, "from_table": 0, "alone": 0}
    embed = cache_module.EmbeddingCache.embed

    def embed_from_table(self: object, texts: object, progress: object = None) -> object:
        table = getattr(self, "span_table", None)
        texts = list(texts)  # type: ignore[call-overload]
        if not table or not texts:
            return embed(self, texts, progress)  # type: ignore[arg-type]
        missing = [t for t in texts if t not in table]
        counts["from_table"] += len(texts) - len(missing)
        counts["alone"] += len(missing)
        alone = dict(zip(missing, embed(self, missing), strict=True)) if missing else {}  # type: ignore[arg-type]
        if progress:
            progress(len(texts) - len(missing))  # type: ignore[operator]
        return np.stack([table[t] if t in table else alone[t] for t in texts])

    from miner.embed.head import HeadCache

    if not both:  # a head on the mapping encoder reads its clauses alone, as today
        HeadCache.embed = lambda self, texts, progress=None: self.embedder.apply(embed(self.mapping, texts, progress))  # type: ignore[method-assign]
    classify = core.classify

    def classify_by_spans(segments: list[dict], cache: object, detector: object, *args: object, **kw: object) -> object:
        second = getattr(detector.second, "__self__", None)  # type: ignore[attr-defined]
        # a head reads the mapping encoder's vectors: its table serves both
        caches = [cache, second if both and not isinstance(second, HeadCache) else None]
        for c in caches:
            if c is not None:
                c.span_table, left = span_table(c.embedder.bert(), segments)  # type: ignore[attr-defined]
                counts["items_left_out"] += left
        try:
            return classify(segments, cache, detector, *args, **kw)  # type: ignore[arg-type]
        finally:
            for c in caches:
                if c is not None:
                    c.span_table = None  # type: ignore[attr-defined]

    cache_module.EmbeddingCache.embed = embed_from_table  # type: ignore[method-assign]
    core.classify = classify_by_spans  # type: ignore[assignment]
    return counts


def _reading(contexts: str) -> None:
    """`shipped`: the library's reading as it ships (span-short since miner/embed/spans.py); every other variant
    patches its reading over each clause read alone, the default before that (`text`)."""
    from miner.embed import spans

    if contexts != "shipped":
        spans.READING = "clauses"


def transfer_run(contexts: str, limit: int, datasets: Path, out: Path, seed: int = 0) -> None:
    """The transfer protocol (`python -m miner.eval.report --limit N`) with item contexts read as `contexts`
    says: `text` (each clause read alone, as shipped before miner/embed/spans.py), `shipped` (the library's
    reading), `mean` (reading.CONTEXTS), `span` (span pooling, `use_span_pooling`), `span-mapping` (span pooling on
    the mapping encoder only)."""
    from miner.eval import transfer
    from miner.pipeline import reading

    counts = None
    _reading(contexts)
    if contexts.startswith("span"):
        counts = use_span_pooling(both=contexts != "span-mapping")
    elif contexts != "shipped":
        reading.CONTEXTS = contexts
    started = _cpu()
    results = transfer.run_domains(datasets, limit, seed)
    probe = transfer.run_probe()
    table = transfer.transfer_table(results, [(transfer.PROBE, probe)])
    note = f"contexts={contexts}, {limit} per domain, CPU {_cpu() - started:.0f} s, load {os.getloadavg()}"
    out.write_text(f"{note}\n{counts}\n\n{table}")
    with out.with_suffix(".pkl").open("wb") as f:  # for `paired`: the predictions, item by item
        pickle.dump({"results": results, "probe": probe}, f)
    print(note, counts)
    print(table)


def paired(before: Path, after: Path, resamples: int = 1000) -> dict:
    """Paired bootstrap of two `transfer` runs' predictions (`.pkl`): the same resampled items score both, so the
    interval is of the difference. Mean of the domains' acc@1, each domain's acc@1, tweets complaint F1, and the
    probe's mean of industries."""
    import numpy as np

    from miner.eval.scoring import counts, figures
    from miner.eval.transfer import by_industry

    a, b = (pickle.loads(p.read_bytes()) for p in (before, after))
    rng = np.random.default_rng(0)

    def draws(n: int) -> np.ndarray:
        return np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)]).astype(float)

    def diff(items: list[dict], x: dict, y: dict, figure: str, w: np.ndarray) -> np.ndarray:
        return figures(counts(items, y), w)[figure] - figures(counts(items, x), w)[figure]

    def interval(v: np.ndarray) -> list[float]:
        v = v[~np.isnan(v)] if v.ndim == 1 else v
        return [round(float(np.mean(v)), 4), *(round(float(q), 4) for q in np.percentile(v, [2.5, 97.5]))]

    out, domains = {}, []
    for ra, rb in zip(a["results"], b["results"], strict=True):
        w = draws(len(ra.items))
        figure = "accuracy_at_1" if ra.touchpoints else "complaint_f1"
        d = diff(ra.items, ra.ours, rb.ours, figure, w)
        out[f"{ra.domain} {figure}"] = interval(d)
        if ra.touchpoints:
            domains.append(d)
    out["mean of domains accuracy_at_1"] = interval(np.nanmean(np.stack(domains), axis=0))
    items = a["probe"][0]
    groups = [(g, None) for g, _ in by_industry(items, a["probe"][1])]
    per = [diff(g, a["probe"][1], b["probe"][1], "accuracy_at_1", draws(len(g))) for g, _ in groups]
    out["probe mean of industries accuracy_at_1"] = interval(np.nanmean(np.stack(per), axis=0))
    return out


def main() -> None:
    global SHORT
    if sys.argv[1:2] == ["cli"]:  # cli CONTEXTS ARGS...: `touchpoints ARGS...` with item contexts read that way
        from miner.cli.app import main as touchpoints

        SHORT = 6 if sys.argv[2] == "span-short" else 0
        if sys.argv[2].startswith("span"):
            use_span_pooling(both=sys.argv[2] != "span-mapping")
        sys.argv = ["touchpoints", *sys.argv[3:]]
        touchpoints()
        return
    import run  # bench/run.py: the first N conversations, as `make bench` reads them

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("census", "segments", "encode", "transfer", "paired", "mine"))
    parser.add_argument("--before", type=Path, help="paired: a transfer run's .pkl")
    parser.add_argument("--after", type=Path, help="paired: another's, on the same items")
    parser.add_argument("--contexts", default="mean", help="transfer: text, mean or span")
    parser.add_argument("--limit", type=int, default=300, help="transfer: items per domain")
    parser.add_argument("--out", type=Path, default=Path("/tmp/spanpool_transfer.md"))
    parser.add_argument("--db", type=Path, help="segments: where to store; encode: the stored segments")
    parser.add_argument("--model", default="tuned")
    parser.add_argument("--variants", default="padded,grouped")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--old", type=Path, help="encode: bert.py from before, for the `padded` variant")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0, help="transfer: the domains' sample (the probe is whole)")
    parser.add_argument("--short", type=int, default=6, help="span-short: clauses of fewer words are read alone")
    parser.add_argument("--datasets", type=Path, default=run.DATASETS)
    args = parser.parse_args()
    SHORT = args.short if args.contexts == "span-short" else 0
    run.CSV = args.datasets / "raw" / run.CSV.name
    if args.what == "paired":
        print(json.dumps(paired(args.before, args.after), indent=1))
        return
    if args.what == "transfer":
        transfer_run(args.contexts, args.limit, args.datasets, args.out, args.seed)
        return
    if args.what == "encode":
        encode(args.db, args.model, args.variants.split(","), args.batch, args.threads, args.old)
        return
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = run._limited_csv(args.n, Path(tmp))
        if args.what == "segments":
            segments(csv_path, args.db)
        elif args.what == "mine":
            print(json.dumps(mine_run(csv_path, Path(tmp) / "mine.db", args.contexts), indent=1))
        else:
            print(json.dumps(census(csv_path, Path(tmp) / "census.db"), indent=1))


if __name__ == "__main__":
    main()
