"""Complaint-detection rules that read more than the blended clause scores (issue 18; docs/lab/detector.md,
"Rules beyond the mixture"), leave-one-domain-out, side by side on the same samples.

Usage: python bench/detector_rules.py [--n 300] [--seed 0] [--only tweets,probe] [--rules mixture,seedshare]
       [--out results.json]

Each domain is imported once (as bench/detector_lab.py does), its detector's parts are computed once per text
variant (the first encoder's head and seed vote, the complaint encoder's), and a rule turns them into clause scores
and a threshold; `classify` then maps with those decisions (the detector's `scores` replaced by the rule's). A rule
was written without reading any set's errors; the figures printed are per domain, not per item.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from detector_lab import DATA, _f, detection, predictions, segments_of  # noqa: E402

from miner.complaints.calibrate import FLOOR, mixture_threshold  # noqa: E402
from miner.complaints.phrases import OUTRIGHT  # noqa: E402
from miner.eval.scoring import score  # noqa: E402

# Handles, links and hashtag marks: what a post addressed to a brand carries besides its words (the tag's word stays).
HANDLE = re.compile(r"(?<!\w)@\w+")
LINK = re.compile(r"https?://\S+|www\.\S+")
TAG = re.compile(r"(?<!\w)#(?=\w)")
# Short complaints whose words say it without context (written before reading any set; now the package's rule).
SHORT = OUTRIGHT


def strip(text: str) -> str:
    out = TAG.sub("", LINK.sub("", HANDLE.sub("", text)))
    return re.sub(r"\s+", " ", out).strip() or text


@dataclass
class Parts:
    """One corpus's detector parts per clause: each encoder's head probability and seed vote, each encoder's
    nearest-seed label (1: the nearest seed is a complaint), the clauses' ratings, and the blended score."""

    p1: np.ndarray
    v1: np.ndarray
    p2: np.ndarray
    v2: np.ndarray
    near1: np.ndarray
    near2: np.ndarray
    score: np.ndarray


def parts_of(detector, cache, texts: list[str], ratings: list) -> Parts:  # noqa: ANN001
    vectors = cache.embed(texts)
    p1, v1 = detector.first_scores(vectors)
    second = detector.second(list(texts))
    p2 = detector.second_model_.predict_proba(second)[:, 1]
    v2 = detector.neighbour_vote(second, 1)
    labels = detector.seed_labels_
    near1 = labels[np.argmax(vectors @ detector.seed_vectors_[0].T, axis=1)]
    near2 = labels[np.argmax(second @ detector.seed_vectors_[1].T, axis=1)]
    blended = detector.rated(detector.blend((p1, v1), (p2, v2)), ratings)
    return Parts(p1, v1, p2, v2, near1, near2, blended)


def quantile_threshold(scores: np.ndarray, share: float, low: float = FLOOR, high: float = 0.5) -> float:
    """The threshold that flags `share` of the clauses, within [low, high]."""
    t = float(np.quantile(scores, 1 - share)) if 0 < share < 1 else (low if share >= 1 else high)
    return min(high, max(low, t))


def own(detector, parts: Parts, ratings: list, space: int) -> np.ndarray:  # noqa: ANN001
    p, v = (parts.p1, parts.v1) if space == 0 else (parts.p2, parts.v2)
    return detector.rated(detector.blend((p, v)), ratings)


# A rule: (detector, parts of the texts as they are, parts of the stripped texts, texts, ratings) -> (scores, t)
Rule = Callable[..., tuple[np.ndarray, float]]


def _mixture(parts: Parts) -> tuple[np.ndarray, float]:
    return parts.score, mixture_threshold(parts.score, 0.5)


def _short(s: np.ndarray, t: float, texts: list[str]) -> np.ndarray:
    hit = np.array([bool(SHORT.search(x)) for x in texts])
    return np.where(hit, np.maximum(s, t), s)


def _prior(s: np.ndarray, texts: list[str], odds: float = 2.0) -> np.ndarray:
    addressed = np.array([x.lstrip().startswith("@") for x in texts])
    p = np.clip(s, 1e-4, 1 - 1e-4)
    z = np.log(p / (1 - p)) + np.where(addressed, np.log(odds), 0.0)
    return 1 / (1 + np.exp(-z))


def _seedshare(parts: Parts, high: float = 0.5) -> tuple[np.ndarray, float]:
    share = float(np.mean((parts.near1 + parts.near2) / 2))
    return parts.score, quantile_threshold(parts.score, share, high=high)


RULES: dict[str, Rule] = {
    "fixed_0.5": lambda d, a, b, x, r: (a.score, 0.5),
    "fixed_0.3": lambda d, a, b, x, r: (a.score, 0.3),
    "fixed_0.2": lambda d, a, b, x, r: (a.score, 0.2),
    "mixture": lambda d, a, b, x, r: _mixture(a),
    # calibrations that need no second mode: the corpus's complaint share, estimated another way, read as a quantile
    "seedshare": lambda d, a, b, x, r: _seedshare(a),
    "seedshare_free": lambda d, a, b, x, r: _seedshare(a, high=0.8),
    "pcc": lambda d, a, b, x, r: (a.score, quantile_threshold(a.score, float(np.mean(a.score)))),
    "pcc_free": lambda d, a, b, x, r: (a.score, quantile_threshold(a.score, float(np.mean(a.score)), high=0.8)),
    # agreement between the two encoders: each encoder's own blend (head and vote), then either or both
    "either": lambda d, a, b, x, r: (s := np.maximum(own(d, a, r, 0), own(d, a, r, 1)), mixture_threshold(s, 0.5)),
    "both": lambda d, a, b, x, r: (s := np.minimum(own(d, a, r, 0), own(d, a, r, 1)), mixture_threshold(s, 0.5)),
    "both_fixed": lambda d, a, b, x, r: (np.minimum(own(d, a, r, 0), own(d, a, r, 1)), 0.5),
    # short complaints said in so many words: a pattern hit is a complaint at the corpus's mixture threshold
    "short": lambda d, a, b, x, r: (_short(a.score, (t := _mixture(a)[1]), x), t),
    # handles, links and hashtag marks stripped before detection (the mapping still reads the text as it is)
    "strip": lambda d, a, b, x, r: _mixture(b),
    "strip_short": lambda d, a, b, x, r: (_short(b.score, (t := _mixture(b)[1]), x), t),
    # a turn addressed to a handle: twice the odds of a complaint, then the mixture
    "prior": lambda d, a, b, x, r: (s := _prior(a.score, x), mixture_threshold(s, 0.5)),
}


def tweets_brand(items: list[dict], preds: dict[str, dict]) -> float | None:
    """Complaint F1 over the tweets addressed to brands (the set's random tweets left out: its `label`)."""
    kept = [it for it in items if not str(it.get("label", "")).startswith("random")]
    return detection(kept, preds)["f1"] if kept else None


def run_domain(domain, n: int, seed: int, rules: list[str], log: Callable) -> dict:  # noqa: ANN001, C901
    from miner.complaints.detector import load_seeds
    from miner.eval.provenance import load_sentences
    from miner.eval.run import load_items
    from miner.eval.transfer import PROBE, by_industry, domain_evaluators, domain_items, held_out, mean_of_domains
    from miner.pipeline.classify import classify
    from miner.store import open_db
    from miner.touchpoints import load_taxonomy

    probe = domain.name == "probe"
    items = load_items(PROBE) if probe else domain_items(domain, DATA, n, seed)
    h = held_out(domain, load_taxonomy(), load_seeds(), load_sentences())
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ours, _ = domain_evaluators(h, Path(tmp))
        db = open_db(Path(tmp) / "lab.db")
        pipeline = ours.pipeline(db)
        segments, docs = segments_of(pipeline, items)
        pipeline.fit()
        detector = pipeline.detector_
        detector.outright = False  # the `short` rule lifts on its own; the others read the scores as they are
        texts = [s["text"] for s in segments]
        ratings = [s["rating"] for s in segments]
        started = time.process_time()
        plain = parts_of(detector, pipeline.cache, texts, ratings)
        stripped_texts = [strip(t) for t in texts]
        stripped = parts_of(detector, pipeline.cache, stripped_texts, ratings)
        changed = sum(a != b for a, b in zip(texts, stripped_texts, strict=True))
        log(f"  parts {time.process_time() - started:.0f} s CPU; {changed}/{len(texts)} clauses changed by strip")
        original = detector.scores
        seen: dict[bytes, dict] = {}  # a rule that flags the same clauses as one before maps as it did
        for name in rules:
            scores, t = RULES[name](detector, plain, stripped, texts, ratings)
            key = np.packbits(scores >= t).tobytes()
            if key not in seen:
                detector.scores = lambda *a, _s=scores, **k: _s  # type: ignore[method-assign]
                result, _ = classify(segments, pipeline.cache, detector, pipeline.mapper_, complaint_threshold=t)
                detector.scores = original  # type: ignore[method-assign]
                seen[key] = predictions(segments, docs, result, items)
            preds = seen[key]
            s, d = score(items, preds), detection(items, preds)
            acc = mean_of_domains(by_industry(items, preds), "accuracy_at_1") if probe else s.accuracy_at_1
            flagged = float(np.mean(scores >= t))
            out[name] = {"acc1": acc, "macro_f1": s.macro_f1, **d, "threshold": t, "flagged": flagged}
            if not domain.touchpoints:
                out[name]["brand_f1"] = tweets_brand(items, preds)
            extra = f" brand F1 {_f(out[name]['brand_f1'])}" if "brand_f1" in out[name] else ""
            log(f"  {name:15s} t {t:.2f} flagged {flagged:.2f} acc@1 {_f(acc)} recall {_f(d['recall'])} "
                f"precision {_f(d['precision'])} F1 {_f(d['f1'])}{extra}")  # fmt: skip
        db.close()
    return out


def main() -> None:
    from miner.eval.transfer import DOMAINS, Domain

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="domains whose name contains one of these, comma-separated")
    parser.add_argument("--rules", default="", help="rule names, comma-separated (default: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    wanted = [w for w in args.only.split(",") if w]
    rules = [r for r in args.rules.split(",") if r] or list(RULES)
    results = {}
    # the banking letters are the slowest to map (2,000 clauses at 300 items): last
    order = sorted((*DOMAINS, Domain("probe", ())), key=lambda d: d.name.startswith("banking"))
    for domain in order:
        if wanted and not any(w in domain.name for w in wanted):
            continue
        print(domain.name, flush=True)
        results[domain.name] = run_domain(domain, args.n, args.seed, rules, lambda m: print(m, flush=True))
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
