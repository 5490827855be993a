"""Which student recipe for the fast tier (issue 21, docs/lab/student.md): candidates side by side on the same seeded
dev-set samples and the probe, against the default, in one process.

    OMP_NUM_THREADS=1 nice -n 5 python bench/student.py --limit 200 --out /tmp/student

Each candidate is a model2vec model plus the projection(s) saved beside it, built into `--out` from project-written
texts only (miner/train/sources.py, never corpora/probe nor ../shared/datasets); the teachers' vectors of those
texts are cached in `--out`/teach.db. Scored with the batch profile's settings (rules clauses) and redaction off for
every side alike (it changes no text the datasets' items carry that matters here, and it is the slow part).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from statistics import mean

import numpy as np

from miner.embed.static import HEAD, PROJECTION
from miner.train.distill import fit_head, fit_projection
from miner.train.sources import student_texts

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def teacher_vectors(out: Path, texts: list[str]) -> dict[str, np.ndarray]:
    """The default's encoders' vectors of `texts`: its mapping (tuned), complaint and plain MiniLM encoders."""
    from miner.embed import EmbeddingCache, get_bundle
    from miner.store import open_db

    db = open_db(out / "teach.db")
    bundle = get_bundle("tuned")
    return {
        "tuned": EmbeddingCache(bundle.mapping, db).embed(texts),
        "complaint": EmbeddingCache(bundle.complaint, db).embed(texts),  # type: ignore[arg-type]
        "minilm": EmbeddingCache(bundle.cluster, db).embed(texts),  # type: ignore[arg-type]
    }


def raw_static(model_dir: Path, texts: list[str]) -> np.ndarray:
    from miner.embed.static import StaticEmbedder

    return StaticEmbedder(str(model_dir), project=False).embed(texts)


def save_variant(out: Path, name: str, model_dir: Path, projection: np.ndarray) -> Path:
    """A folder with the model2vec files of `model_dir` (linked) and `projection`."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for f in model_dir.iterdir():
        if f.name != PROJECTION and not (folder / f.name).exists():
            (folder / f.name).symlink_to(f.resolve())
    np.save(folder / PROJECTION, projection)
    return folder


def dev_items(limit: int) -> dict[str, list[dict]]:
    from miner.eval.transfer import DOMAINS, domain_items

    return {d.name: domain_items(d, DATASETS, limit) for d in DOMAINS}


def probe_items() -> list[dict]:
    from miner.eval.run import load_items
    from miner.eval.transfer import PROBE

    return load_items(PROBE)


def score_side(evaluator, sets: dict[str, list[dict]], probe: list[dict]) -> dict[str, float | None]:  # noqa: ANN001
    from miner.eval.scoring import score
    from miner.eval.transfer import by_industry

    row: dict[str, float | None] = {}
    for name, items in sets.items():
        s, _ = evaluator.evaluate(items)
        row[name] = s.complaint_f1 if name.startswith("tweets") else s.accuracy_at_1
    accs = [v for k, v in row.items() if not k.startswith("tweets") and v is not None]
    row["mean of domains"] = mean(accs)
    _, preds = evaluator.evaluate(probe)
    by_id = {str(p["id"]): p for p in preds}
    groups = by_industry(probe, by_id)
    row["probe"] = mean(a for a in (score(i, p).accuracy_at_1 for i, p in groups) if a is not None)
    return row


def base_texts() -> list[str]:
    """The shipped projection texts, without the probe (an evaluation set)."""
    from miner.complaints.detector import load_seeds
    from miner.ingest import read_paths
    from miner.touchpoints import load_taxonomy
    from miner.train.sources import CORPUS, projection_texts

    folders = [f for f in sorted(CORPUS.iterdir()) if f.is_dir() and f.name != "probe"]
    documents = [text for _, records in read_paths(folders) for r in records for _, text in r.mined_text()]
    complaints, other = load_seeds()
    return projection_texts(load_taxonomy(), complaints + other, documents)


def taxonomy_count() -> int:
    """How many of the base texts (they come first) are the taxonomy's names, descriptions and examples."""
    from miner.touchpoints import load_taxonomy
    from miner.train.sources import projection_texts

    return len(projection_texts(load_taxonomy(), []))


def vocabulary(model_dir: Path) -> list[str]:
    from miner.embed.static import StaticEmbedder

    return list(StaticEmbedder(str(model_dir), project=False).model.tokens)


def distilled(out: Path, source: str, name: str) -> Path:
    """model2vec distilled from the sentence-transformers model at `source` (once)."""
    target = out / name
    if not target.exists():
        from model2vec.distill import distill

        distill(source, pca_dims=None, device="cpu").save_pretrained(str(target))
    return target


def candidates(out: Path) -> dict[str, object]:
    from miner.embed import get_embedder
    from miner.embed.built import built_path, recorded
    from miner.embed.registry import EncoderBundle
    from miner.embed.sentence_transformers import packaged_model_path
    from miner.embed.static import StaticEmbedder
    from miner.eval.run import Evaluator
    from miner.train.recipes import TUNED

    m2v_minilm = distilled(out, str(packaged_model_path()), "m2v-minilm")
    tuned_dir = built_path(recorded(TUNED.key(None)))
    m2v_tuned = distilled(out, str(tuned_dir), "m2v-tuned")
    base = base_texts()
    aug = student_texts(base, vocabulary(m2v_minilm))
    print(f"texts: base {len(base)}, augmented {len(aug)}", flush=True)
    t0 = time.process_time()
    teach = teacher_vectors(out, aug)
    print(f"teachers: cpu {time.process_time() - t0:.0f}s", flush=True)
    nb = len(base)  # aug starts with base
    s_minilm = raw_static(m2v_minilm, aug)
    s_tuned = raw_static(m2v_tuned, aug)
    cache = out / "eval.db"

    def fast(folder: Path) -> Evaluator:
        return Evaluator(embedder=get_embedder(f"m2v:{folder}"), segmenter="rules", redact_pii=False, cache=cache)

    def variant(name: str, model: Path, static: np.ndarray, target: str, n: int, ridge: float = 0.01) -> Path:
        return save_variant(out, name, model, fit_projection(static[:n], teach[target][:n], ridge))

    sides: dict[str, object] = {
        "default (tuned, spacy)": Evaluator(embedding_model="tuned", segmenter="spacy", redact_pii=False),
        "tuned, rules": Evaluator(embedding_model="tuned", segmenter="rules", redact_pii=False),
        "shipped fast": Evaluator(embedding_model="fast", segmenter="rules", redact_pii=False, cache=cache),
    }
    sides["A m2v(minilm)->minilm base"] = fast(variant("vA", m2v_minilm, s_minilm, "minilm", nb))
    sides["B m2v(minilm)->tuned base"] = fast(variant("vB", m2v_minilm, s_minilm, "tuned", nb))
    sides["C m2v(minilm)->tuned aug"] = fast(variant("vC", m2v_minilm, s_minilm, "tuned", len(aug)))
    sides["D m2v(tuned)->tuned aug"] = fast(variant("vD", m2v_tuned, s_tuned, "tuned", len(aug)))
    sides["D0 m2v(tuned) raw"] = fast(save_variant(out, "vD0", m2v_tuned, np.eye(s_tuned.shape[1], dtype=np.float32)))
    mapping = StaticEmbedder(str(out / "vD"))
    complaint = StaticEmbedder(str(variant("vDc", m2v_tuned, s_tuned, "complaint", len(aug))))
    bundle = EncoderBundle(mapping=mapping, complaint=complaint)
    mapping.bundle = bundle
    sides["E D + complaint projection"] = Evaluator(embedder=mapping, segmenter="rules", redact_pii=False, cache=cache)
    anchors = taxonomy_count()
    for label, model, static, n in (
        ("F", m2v_tuned, s_tuned, 0),
        ("G", m2v_minilm, s_minilm, 0),
        ("H", m2v_minilm, s_minilm, anchors),
    ):
        t0 = time.process_time()
        head = fit_head(static, teach["tuned"], anchors=n)
        print(f"mlp {label}: cpu {time.process_time() - t0:.0f}s", flush=True)
        folder = save_variant(out, f"v{label}", model, head["W"])
        np.savez(folder / HEAD, **head)
        sides[f"{label} mlp {model.name}->tuned aug"] = fast(folder)
    return sides


def complaint_heads(out: Path) -> None:
    """2026-12-04: G, and MLP heads from the same static vectors into the complaint encoder's space (Gc) and into
    plain MiniLM's (Gm), saved as model2vec folders beside G (`vG`, `vGc`, `vGm`) for bench/student_protocol.py's
    `student=` sides: the batch tier's detector then reads a second space, as the default's does."""
    from miner.embed.sentence_transformers import packaged_model_path

    m2v_minilm = distilled(out, str(packaged_model_path()), "m2v-minilm")
    aug = student_texts(base_texts(), vocabulary(m2v_minilm))
    teach = teacher_vectors(out, aug)
    static = raw_static(m2v_minilm, aug)
    for label, target in (("G", "tuned"), ("Gc", "complaint"), ("Gm", "minilm")):
        if (out / f"v{label}" / HEAD).exists():
            continue
        t0 = time.process_time()
        head = fit_head(static, teach[target])
        print(f"mlp {label}: cpu {time.process_time() - t0:.0f}s", flush=True)
        folder = save_variant(out, f"v{label}", m2v_minilm, head["W"])
        np.savez(folder / HEAD, **head)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("/tmp/student"))
    parser.add_argument("--only", default="", help="comma-separated candidate names (default: all)")
    parser.add_argument("--complaint-heads", action="store_true", help="only build vG, vGc, vGm (2026-12-04)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.complaint_heads:
        return complaint_heads(args.out)
    sides = candidates(args.out)
    if args.only:
        keep = set(args.only.split(","))
        sides = {k: v for k, v in sides.items() if k.split()[0] in keep}
    sets, probe = dev_items(args.limit), probe_items()
    results = {}
    for name, evaluator in sides.items():
        t0 = time.process_time()
        results[name] = score_side(evaluator, sets, probe)
        print(name, json.dumps({k: round(v, 3) for k, v in results[name].items() if v is not None}), flush=True)
        print(f"  cpu {time.process_time() - t0:.1f}s", flush=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
