"""`make eval-probe`: transfer, not fit. The default miner and the naive anchor on the team-written cross-industry
probe set (corpora/probe/, industries none of the dev sets covers), per industry and as a mean of industries.

Usage: python bench/probe.py [--probe FILE] [--limit N] [--embedding-model NAME] [--out docs/lab/transfer.md]

- ours: `python -m miner eval PROBE --predictions FILE` (the CLI, so whatever `touchpoints eval` runs is what is
  scored), then the predictions scored here with miner/eval/scoring.py;
- anchor: the plain all-MiniLM-L6-v2 cosine of each whole text to the 19 one-line descriptions of the canonical
  touchpoints (../shared/TOUCHPOINTS.md, copied below), top-1, no abstention and no complaint detector (every item
  is called a complaint, so its complaint F1 is that of "always yes").

The scoring rules are those of ../shared/datasets/README.md (accuracy@1, macro-F1, complaint F1). The probe's items
must never become taxonomy examples or seeds (corpora/probe/README.md): read the figures, not the errors.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import mean
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner.eval.scoring import bootstrap, score  # noqa: E402

if TYPE_CHECKING:
    from miner.embed.base import Embedder

PROBE = ROOT / "corpora" / "probe" / "cross_industry.jsonl"
FIGURES = ("accuracy_at_1", "macro_f1", "complaint_f1")
LABELS = {"accuracy_at_1": "acc@1", "macro_f1": "macro-F1", "complaint_f1": "complaint F1"}
MARKER = "probe"

# The "what complaints about it sound like" column of ../shared/TOUCHPOINTS.md, word for word (tests check it
# against the file when it is there): the anchor must not borrow the taxonomy's longer, tuned descriptions.
DESCRIPTIONS = {
    "advertising": "misleading ads or promotions, spammy marketing emails and newsletters, offers not honoured",
    "social_media": "brand's Facebook / X / Instagram pages: ignored messages, deleted comments, slow replies there",
    "reputation": "ratings, reviews and word of mouth: fake or misleading reviews, a friend warned me",
    "website": "hard to navigate, can't find items, missing information (shipping charges, delivery times, contact "
    "details, store address), site errors, slow pages",
    "mobile_app": "app crashes, freezes, bugs, missing features, update broke something",
    "account": "sign-up, login, password reset, locked account, profile and settings, onboarding",
    "pricing": "too expensive, hidden fees, surge prices, value for money, discounts and promo codes",
    "checkout_payment": "checkout flow, payment declined, payment methods, order placement failures",
    "product": "the product or service itself: quality, defects, taste, wrong size, does not work",
    "packaging": "damaged, leaking, flimsy, excessive or wasteful packaging, presentation",
    "in_store": "physical store or restaurant: queues, cleanliness, ambience, opening hours",
    "delivery": "late, missing, wrong address, tracking, courier behaviour, wrong or missing items in the order",
    "billing": "invoices and bills, double or wrong charges, unclear statements, payment disputes",
    "returns_refunds": "returns, exchanges, refunds slow or refused",
    "agents": "the people: rude, unhelpful, untrained or dismissive staff and agents, promises not kept",
    "contact_center": "reaching support: long hold and wait times, call disconnects, IVR menus, no reply to chat or "
    "email, no callback",
    "documentation": "help centre, FAQs, manuals, instructions, self-service information missing or wrong",
    "subscription": "plans, renewals, cancellations, upgrades, memberships, auto-renew surprises",
    "follow_up": "order confirmations, notifications, follow-up calls, surveys, reminders: missing, too many, wrong",
}


def load(path: Path, limit: int | None = None) -> list[dict]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return items[:limit] if limit else items


def industry(item: dict) -> str:
    return str(item["label"]).split("/", 1)[0]


def run_ours(probe: Path, limit: int | None, embedding_model: str, workdir: Path) -> dict[str, dict]:
    """The default miner's prediction per item, through the CLI exactly as a user would run it."""
    out = workdir / "ours.jsonl"
    command = [sys.executable, "-m", "miner", "eval", str(probe), "--predictions", str(out)]
    command += ["--embedding-model", embedding_model] + (["--limit", str(limit)] if limit else [])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return {str(p["id"]): p for p in load(out)}


def run_anchor(items: list[dict], embedder: Embedder | None = None) -> dict[str, dict]:
    """Top-1 cosine to the one-line descriptions: no abstention, every item a complaint."""
    if embedder is None:
        from miner.embed import get_embedder

        embedder = get_embedder("minilm")
    ids = list(DESCRIPTIONS)
    anchors = embedder.embed([DESCRIPTIONS[t] for t in ids])
    vectors = embedder.embed([str(it["text"]) for it in items])
    top = (vectors @ anchors.T).argmax(axis=1)
    return {str(it["id"]): {"touchpoint": ids[j], "complaint": True} for it, j in zip(items, top, strict=True)}


def figures(items: list[dict], predictions: dict[str, dict]) -> dict[str, float | None]:
    s = score(items, predictions)
    return {"accuracy_at_1": s.accuracy_at_1, "macro_f1": s.macro_f1, "complaint_f1": s.complaint_f1}


def table(items: list[dict], runs: dict[str, dict[str, dict]]) -> list[dict]:
    """One row per industry, then the mean of industries (each industry counts once) and all items pooled."""
    rows = []
    for name in sorted({industry(it) for it in items}):
        subset = [it for it in items if industry(it) == name]
        scored = sum(1 for it in subset if it.get("complaint") and it.get("gold"))
        rows.append(
            {"industry": name, "items": len(subset), "scored": scored}
            | {run: figures(subset, preds) for run, preds in runs.items()}
        )
    means = {
        run: {f: round(mean(r[run][f] for r in rows if r[run][f] is not None), 4) for f in FIGURES} for run in runs
    }
    rows.append({"industry": "mean of industries", "items": len(items), "scored": None} | means)
    pooled = {run: figures(items, preds) | {"ci": bootstrap(items, preds)} for run, preds in runs.items()}
    scored = sum(1 for it in items if it.get("complaint") and it.get("gold"))
    rows.append({"industry": "all items", "items": len(items), "scored": scored} | pooled)
    return rows


def markdown(rows: list[dict], runs: list[str]) -> str:
    def fmt(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    head = "| industry | items | complaints scored | " + " | ".join(
        f"{run} acc@1 | {run} macro-F1 | {run} complaint F1" for run in runs
    )
    lines = [head + " |", "|---|---:|---:|" + "---:|" * (3 * len(runs))]
    for r in rows:
        bold = "**" if r["industry"] in ("mean of industries", "all items") else ""
        cells = [f"{bold}{r['industry']}{bold}", str(r["items"]), "" if r["scored"] is None else str(r["scored"])]
        cells += [fmt(r[run][f]) for run in runs for f in FIGURES]
        lines.append("| " + " | ".join(cells) + " |")
    pooled = rows[-1]
    lines.append("")
    for run in runs:
        ci = pooled[run]["ci"]
        spans = ", ".join(f"{LABELS[f]} {ci[f][0]:.3f}–{ci[f][1]:.3f}" for f in FIGURES if ci[f])
        lines.append(f"- {run}, all items, 95% bootstrap intervals: {spans}")
    return "\n".join(lines) + "\n"


def splice(path: Path, body: str, made_by: str) -> None:
    """Put `body` between `<!-- probe:start -->` and `<!-- probe:end -->` (miner.eval.report.splice); prose stays."""
    from miner.eval.report import splice as splice_marked

    splice_marked(path, MARKER, body.rstrip("\n"), made_by)


def main() -> None:
    from miner.defaults import DEFAULT_EMBEDDING

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", type=Path, default=PROBE, help="labelled JSONL with industry/kind labels")
    parser.add_argument("--limit", type=int, default=None, help="only the first N items (a quick run)")
    parser.add_argument("--embedding-model", default=DEFAULT_EMBEDDING, help="our method's encoder")
    parser.add_argument("--out", type=Path, default=None, help="write the table into this markdown file's markers")
    parser.add_argument("--predictions", type=Path, default=None, help="keep both runs' predictions in this folder")
    args = parser.parse_args()
    items = load(args.probe, args.limit)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.predictions or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        runs = {"ours": run_ours(args.probe, args.limit, args.embedding_model, workdir), "anchor": run_anchor(items)}
        (workdir / "anchor.jsonl").write_text(
            "".join(json.dumps({"id": k} | v) + "\n" for k, v in runs["anchor"].items()), encoding="utf-8"
        )
    body = markdown(table(items, runs), list(runs))
    print(body)
    if args.out:
        splice(args.out, body, "make eval-probe")
        print(json.dumps({"written": str(args.out)}))


if __name__ == "__main__":
    main()
