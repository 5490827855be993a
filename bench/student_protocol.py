"""Why two protocols disagree on the batch tier's gap to the default (issue 21, docs/lab/student.md, 2026-12-04).

    OMP_NUM_THREADS=1 nice -n 5 python bench/student_protocol.py default --out /tmp/protocol
    OMP_NUM_THREADS=1 nice -n 5 python bench/student_protocol.py batch --out /tmp/protocol

One side (a profile, `PROFILE[:SEGMENTER][:noredact]`) mined through miner.eval exactly as `mine` would, on:
- `first`: the first N items of each real set (what `make bench` scored until 2026-12-04), each set its own corpus;
- `seeded`: a seeded sample of N items of each real set (seed 0), each set its own corpus, plus dstc11 (all 64) and
  the tweets (complaint F1 only): the protocol the "within 2 points" claim is now made on (bench/run.py);
- `domains`: miner.eval.transfer's domains (ABSA split into restaurants and laptops, CFPB + banking77 as one corpus),
  M items each, default taxonomy: the protocol of docs/lab/student.md's first tables;
- the probe (corpora/probe), one corpus, mean of industries.
Per corpus it records acc@1, complaint F1, and where the gap is: the share of gold-labelled complaints flagged as a
complaint (detection) and acc@1 among those flagged (mapping). Predictions go to --out (never into the repo).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from statistics import mean

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
REAL = ("absa_reviews_train", "cfpb_complaints", "banking77", "nhs_fft_phase1")


def evaluator_for(side: str):  # noqa: ANN201 - an Evaluator
    """`PROFILE[:SEGMENTER][:noredact]`, or `student=MAP[+COMPLAINT][:...]`: the batch profile with the model2vec
    folder MAP as its encoder and COMPLAINT (another folder) as its complaint detector's second encoder; `bert=FOLDER`
    the batch profile with a BERT student (bench/student_layers.py) read as the tuned encoder is; `model=NAME` the
    batch profile with the registry's encoder NAME (`model=compact`)."""
    from miner.eval.run import Evaluator
    from miner.pipeline.profiles import get_profile

    name, *rest = side.split(":")
    profile = get_profile(name.split("=")[0] if "=" not in name else "batch")
    segmenter = next((r for r in rest if r in ("spacy", "rules")), None)
    profile = profile.with_overrides(segmenter=segmenter, redact=False if "noredact" in rest else None)
    if name.startswith("model="):  # a registry name (`model=compact`) under the batch profile's other settings
        model = name.split("=", 1)[1]
        return Evaluator(embedding_model=model, segmenter=profile.segmenter, redact_pii=profile.redact)
    if name.startswith("bert="):
        return Evaluator(
            embedder=bert_student(name.split("=", 1)[1]), segmenter=profile.segmenter, redact_pii=profile.redact
        )
    if "=" in name:
        return Evaluator(
            embedder=student(name.split("=", 1)[1]), segmenter=profile.segmenter, redact_pii=profile.redact
        )
    return Evaluator(embedding_model=profile.embedding_model, segmenter=profile.segmenter, redact_pii=profile.redact)


def bert_student(folder: str):  # noqa: ANN201 - a SentenceTransformerEmbedder in its bundle
    """A BERT student (bench/student_layers.py `--save`) read as the default's tuned encoder: it maps, its vectors
    go through the default's complaint head for the detector, and pain points cluster on them."""
    from miner.embed.registry import EncoderBundle, get_bundle
    from miner.embed.sentence_transformers import SentenceTransformerEmbedder

    mapping = SentenceTransformerEmbedder(folder)
    complaint = get_bundle("default").complaint.on(mapping)
    mapping.bundle = EncoderBundle(mapping=mapping, complaint=complaint, cluster=mapping)
    return mapping


def student(spec: str):  # noqa: ANN201 - a StaticEmbedder in its bundle
    from miner.embed.registry import EncoderBundle
    from miner.embed.static import StaticEmbedder

    folders = spec.split("+")
    mapping = StaticEmbedder(folders[0])
    complaint = StaticEmbedder(folders[1]) if len(folders) > 1 else None
    mapping.bundle = EncoderBundle(mapping=mapping, complaint=complaint)
    return mapping


def seeded(stem: str, n: int) -> list[dict]:
    """The seeded sample bench/run.py scores (miner.eval.run.sample_items), ids prefixed with the set's name."""
    from miner.eval.run import sample_items

    return [dict(it, id=f"{stem}:{it['id']}") for it in sample_items(DATASETS / f"{stem}.jsonl", n)]


def first(stem: str, n: int) -> list[dict]:
    from miner.eval.run import load_items

    return load_items(DATASETS / f"{stem}.jsonl", n)


def corpora(n: int, m: int) -> dict[str, list[dict]]:
    """Every corpus a side mines, by `group/name`."""
    from miner.eval.run import load_items
    from miner.eval.transfer import DOMAINS, PROBE, domain_items

    out = {f"first/{s}": first(s, n) for s in REAL}
    out |= {f"seeded/{s}": seeded(s, n) for s in (*REAL, "dstc11_turns", "complaints_tweets")}
    out |= {f"domains/{d.name}": domain_items(d, DATASETS, m) for d in DOMAINS}
    out["probe"] = load_items(PROBE)
    return out


def breakdown(items: list[dict], preds: dict[str, dict]) -> dict[str, float | None]:
    """acc@1 and complaint F1, the share of gold-labelled complaints flagged, acc@1 among those flagged."""
    from miner.eval.scoring import score

    s = score(items, preds)
    gold = [it for it in items if it.get("complaint") and it.get("gold")]
    flagged = [it for it in gold if (preds.get(str(it["id"])) or {}).get("complaint")]
    hit = [it for it in flagged if (preds.get(str(it["id"])) or {}).get("touchpoint") in it["gold"]]
    return {
        "acc1": s.accuracy_at_1,
        "f1": s.complaint_f1,
        "scored": s.scored,
        "flagged": len(flagged) / len(gold) if gold else None,
        "acc1_flagged": len(hit) / len(flagged) if flagged else None,
    }


def label(side: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in side)[-60:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("side", help="PROFILE[:SEGMENTER][:noredact], e.g. batch, default:rules, batch:noredact")
    parser.add_argument("--n", type=int, default=300, help="items per real set (first and seeded)")
    parser.add_argument("--m", type=int, default=200, help="items per domain (domains)")
    parser.add_argument("--only", default="", help="comma-separated groups: first, seeded, domains, probe")
    parser.add_argument("--out", type=Path, default=Path("/tmp/protocol"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from miner.eval.transfer import by_industry

    evaluator = evaluator_for(args.side)
    groups = set(args.only.split(",")) if args.only else None
    result: dict[str, object] = {}
    for key, items in corpora(args.n, args.m).items():
        if groups and key.split("/")[0] not in groups:
            continue
        t0 = time.process_time()
        preds = {str(p["id"]): p for p in evaluator.predict(items)}
        if key == "probe":
            parts = [breakdown(g, p) for g, p in by_industry(items, preds)]
            result[key] = {"acc1": mean(p["acc1"] for p in parts if p["acc1"] is not None)}
        else:
            result[key] = breakdown(items, preds)
        result[key]["cpu"] = round(time.process_time() - t0, 1)  # type: ignore[index]
        print(args.side, key, json.dumps(result[key]), flush=True)
        with (args.out / f"{label(args.side)}.preds.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"corpus": key, "preds": preds}) + "\n")
    (args.out / f"{label(args.side)}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
