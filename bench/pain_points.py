"""Do the pain points say *what* goes wrong? Scored on the sets with fine labels, next to BERTopic used by hand.

Usage: python bench/pain_points.py [--datasets DIR] [--limit N] [--sets NAME ...] [--nightly] [--out FILE]

The touchpoint scores say *where* a complaint belongs; a pain point should say what exactly goes wrong there. No
set labels pain points, but three label each complaint more finely than a touchpoint: CFPB letters carry the
consumer's chosen issue (about 40), banking77 queries their intent (34 among the complaints), NHS comments a
category (9). Each set's gold complaints are mined as `touchpoints mine` mines them (a fresh database per set,
vectors taken from `make eval`'s embedding cache where it has them), and every item goes to the pain point that
holds most of its complaint clauses. The baseline is what an analyst would do by hand: BERTopic with its
defaults (UMAP with a fixed seed, HDBSCAN, c-TF-IDF) on plain MiniLM vectors of the same texts.

Scores per set: homogeneity (does a pain point hold one issue?), completeness (does an issue stay in one pain
point?), their harmonic mean (V-measure, which is NMI) and the adjusted Rand index; plus how many clusters an
analyst has to read and how many items sit in an outlier or "Other" group. `--nightly` also mines every other
item in a full run and the rest with `--incremental` (joined to the first run's pain points, no refit), to show
what a nightly batch costs the pain points between refits. Skips cleanly when the sets are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(".cache/numba").resolve()))

from miner.eval.predict import eval_cache  # noqa: E402 - after the offline switches
from miner.eval.report import splice  # noqa: E402

SETS = {"cfpb_complaints": "issue", "banking77": "intent", "nhs_fft_phase1": "category"}


def gold_complaints(path: Path, limit: int | None) -> list[dict]:
    items = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            if item.get("complaint") and item.get("label"):
                items.append(item)
                if limit and len(items) >= limit:
                    break
    return items


def share_back(db, cache: Path) -> None:  # noqa: ANN001 - sqlite_utils.Database
    """Keep this run's new vectors in the cache too: `mine` redacts PII, so its clauses differ from `make eval`'s."""
    if not cache.exists():
        return
    db.execute("ATTACH DATABASE ? AS eval", [str(cache)])
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO eval.embeddings (hash, model, dim, vector) "
            "SELECT hash, model, dim, vector FROM main.embeddings"
        )
    db.execute("DETACH DATABASE eval")


def prewarm(db, cache: Path) -> None:  # noqa: ANN001 - sqlite_utils.Database
    """Copy the vectors `make eval` already computed for these segments' texts, so a run re-embeds only the rest."""
    if not cache.exists():
        return
    db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (hash TEXT PRIMARY KEY)")
    db.execute("INSERT OR IGNORE INTO wanted SELECT hash FROM segments")
    db.execute("ATTACH DATABASE ? AS eval", [str(cache)])
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO embeddings (hash, model, dim, vector) "
            "SELECT e.hash, e.model, e.dim, e.vector FROM eval.embeddings e JOIN wanted w ON w.hash = e.hash"
        )
    db.execute("DETACH DATABASE eval")


def mine_ours(
    items: list[dict], workdir: Path, name: str, *, nightly: bool = False, model: str | None = None
) -> dict[str, dict]:
    """Mine the items with the shipped pipeline; per item id, its pain point (majority of its complaint clauses).
    `nightly`: every other item first (a full run), then the rest as a `--incremental` run that only joins them to
    the first run's pain points, as a nightly batch does between refits. Items are mined under their row numbers
    and get their ids back, as `touchpoints eval` does: `mine` redacts ids that look like phone numbers (banking77's
    `train:3018995434`), which left no banking77 item to score."""
    from miner.pipeline import MineOptions, build_pipeline
    from miner.progress import Progress
    from miner.segment import Segmenter
    from miner.store.db import open_db

    batches = [items[0::2], items[1::2]] if nightly else [items]
    row_of = {item["id"]: n for n, item in enumerate(items)}
    id_of = {f"row{n}": item["id"] for n, item in enumerate(items)}
    db = open_db(workdir / f"{name}-{model or 'default'}{'-nightly' if nightly else ''}.db")
    options = MineOptions(segmenter=Segmenter(), **({"embedding_model": model} if model else {}))
    pipeline, progress = build_pipeline(db, options), Progress()
    for night, batch in enumerate(batches):
        source = workdir / f"{name}-{night}.jsonl"
        with source.open("w", encoding="utf-8") as fh:
            for item in batch:
                fh.write(json.dumps({"id": f"row{row_of[item['id']]}", "text": item["text"]}) + "\n")
        pipeline.import_paths([source], progress=progress)
        prewarm(db, eval_cache())
        run = pipeline.analyze(progress, incremental=night > 0)
        share_back(db, eval_cache())
    rows = db.query(
        """SELECT d.source_id AS item, a.pain_point_id AS point, p.label, p.touchpoint, a.score
           FROM assignments a JOIN segments s ON s.id = a.segment_id JOIN documents d ON d.id = s.document_id
           JOIN pain_points p ON p.run_id = a.run_id AND p.id = a.pain_point_id
           WHERE a.run_id = ? AND a.rank = 0""",
        [run],
    )
    votes: dict[str, Counter] = {}
    meta: dict[str, dict] = {}
    for r in rows:
        votes.setdefault(r["item"], Counter())[r["point"]] += 1 + r["score"] / 100  # ties go to the surer clause
        meta[r["point"]] = {"point": r["point"], "label": r["label"], "touchpoint": r["touchpoint"]}
    return {id_of[item]: meta[v.most_common(1)[0][0]] for item, v in votes.items()}


def bertopic_by_hand(items: list[dict], topics: int | None = None) -> tuple[list[int], list[int]]:
    """BERTopic's defaults on plain MiniLM vectors (`nr_topics` when given); topics raw and with the outliers
    reassigned by embedding, BERTopic's own remedy for them."""
    from bertopic import BERTopic
    from umap import UMAP

    from miner.embed import EmbeddingCache, get_embedder
    from miner.store.db import open_db

    texts = [it["text"] for it in items]
    vectors = EmbeddingCache(get_embedder("minilm"), open_db(eval_cache())).embed(texts)
    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
    model = BERTopic(umap_model=umap, nr_topics=topics)
    found, _ = model.fit_transform(texts, embeddings=vectors)
    reduced = found
    if -1 in found and len(set(found)) > 1:
        reduced = model.reduce_outliers(texts, found, strategy="embeddings", embeddings=vectors)
    return list(found), list(reduced)


def scores(gold: list[str], clusters: list, other: set) -> dict:
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    names = [str(x) for x in clusters]
    h, c, v = homogeneity_completeness_v_measure(gold, names)
    return {
        "items": len(gold),
        "clusters": len(set(names)),
        "other": sum(x in other for x in clusters) / max(len(clusters), 1),
        "homogeneity": h,
        "completeness": c,
        "v_measure": v,
        "ari": adjusted_rand_score(gold, names),
    }


def evaluate(
    name: str,
    items: list[dict],
    workdir: Path,
    *,
    nightly: bool = False,
    model: str | None = None,
    baseline: bool = True,
) -> dict[str, dict]:
    start = time.perf_counter()
    ours = mine_ours(items, workdir, name, model=model)
    seconds = time.perf_counter() - start
    kept = [it for it in items if it["id"] in ours]
    gold = [it["label"] for it in kept]
    points = [ours[it["id"]]["point"] for it in kept]
    other = {v["point"] for v in ours.values() if v["label"].startswith("Other")}
    result = {
        "ours": scores(gold, points, other) | {"seconds": seconds},
        "ours, touchpoints only": scores(gold, [ours[it["id"]]["touchpoint"] for it in kept], {"none"}),
    }
    if nightly:
        later = mine_ours(items, workdir, name, nightly=True, model=model)
        both = [it for it in kept if it["id"] in later]
        result["ours, half a full run, then half --incremental"] = scores(
            [it["label"] for it in both],
            [later[it["id"]]["point"] for it in both],
            {v["point"] for v in later.values() if v["label"].startswith("Other")},
        )
    if not baseline:
        return result
    start = time.perf_counter()
    raw, reduced = bertopic_by_hand(kept)
    seconds = time.perf_counter() - start
    result["BERTopic by hand (defaults)"] = scores(gold, raw, {-1}) | {"seconds": seconds}
    result["same, outliers reassigned"] = scores(gold, reduced, {-1})
    k = result["ours"]["clusters"]
    if len(set(raw)) > k:
        _, reduced = bertopic_by_hand(kept, topics=k)
        result[f"same, nr_topics={k} (as many as ours), outliers reassigned"] = scores(gold, reduced, {-1})
    return result


def table(results: dict[str, dict[str, dict]], sizes: dict[str, int]) -> str:
    lines = [
        "| set (gold complaints; fine label) | method | items scored | clusters | in outliers or Other | homogeneity "
        "| completeness | V-measure | ARI |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        for method, s in result.items():
            where = f"{name} ({sizes[name]}; {SETS[name]})" if method == "ours" else ""
            lines.append(
                f"| {where} | {method} | {s['items']} | {s['clusters']} | {s['other']:.0%} | {s['homogeneity']:.3f} | "
                f"{s['completeness']:.3f} | {s['v_measure']:.3f} | {s['ari']:.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--limit", type=int, default=None, help="only the first N gold complaints of each set")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--out", type=Path, default=None, help="write the table into this markdown file's markers")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="keep each set's database here")
    parser.add_argument(
        "--nightly", action="store_true", help="also mine half, then the other half with --incremental, and score that"
    )
    parser.add_argument("--embedding-model", default=None, help="mine with this encoder bundle (default: the default)")
    parser.add_argument("--no-baseline", action="store_true", help="skip BERTopic by hand")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        print(f"{args.datasets}: no evaluation sets here; skipping.")
        return 0
    results, sizes = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for name in args.sets:
            path = args.datasets / f"{name}.jsonl"
            if not path.exists():
                print(f"{path}: absent; skipping {name}.")
                continue
            items = gold_complaints(path, args.limit)
            sizes[name] = len(items)
            results[name] = evaluate(name, items, workdir, nightly=args.nightly, model=args.embedding_model,
                                     baseline=not args.no_baseline)  # fmt: skip
            ours = results[name]["ours"]
            bt = results[name].get("BERTopic by hand (defaults)", {"seconds": 0.0})
            print(
                f"{name}: {len(items)} gold complaints, {ours['items']} in pain points; "
                f"ours {ours['seconds']:.0f} s, BERTopic {bt['seconds']:.0f} s",
                file=sys.stderr,
            )
    block = table(results, sizes)
    print(block)
    if args.out:
        splice(args.out, "painpoints", block, "make eval-pain-points")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
