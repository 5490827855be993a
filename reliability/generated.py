"""Generated corpora and taxonomies through the whole pipeline: no valid input may crash, and no output may run.

hypothesis builds small corpora (1-20 items: stop words only, duplicates, emoji, Rich markup, HTML and script tags,
control characters and ANSI escapes, many scripts, nearly empty texts) and small valid taxonomies (one touchpoint,
no examples, deep children, hostile names), then each pair is mined (fake encoder, rules segmenter), read with
`top` (table, JSON, CSV), reported as HTML and exported (CSV, XLSX, Parquet). An exception other than the clear
MinerError is a crash; a terminal table with an escape code or an HTML report whose markup a name or text changed
is output that is not inert. tests/test_generated.py runs a few dozen; `python -m reliability` thousands."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

from miner.errors import MinerError

# written for this test: plain complaints, stop words only, and sentences in other scripts and languages
COMPLAINTS = (
    "the delivery was two hours late and the food was cold",
    "I was charged twice for one order",
    "the app crashes every time I open the basket",
    "nobody answered the phone for an hour",
    "the box arrived crushed and the sauce leaked",
    "refund still not here after three weeks",
)
STOP_WORDS_ONLY = ("Never again.", "the and of it", "It was what it was.", "no no no", "Why?", "ok", "...", "!!!")
SCRIPTS = (
    "配達が遅すぎて料理が冷めていました",
    "送货太慢了，客服也不回复",
    "التوصيل تأخر ساعتين والطعام بارد",
    "डिलीवरी बहुत देर से आई",
    "Доставка опоздала на два часа",
    "Η παραγγελία ήρθε κρύα",
    "배달이 너무 늦었어요",
    "משלוח איטי מאוד",
    "Lieferung kam zu spät, Essen kalt",
    "la livraison était en retard",
)
HOSTILE = (
    "[/dim]", "[bold red]", "[/]", "[link=http://evil.example]x[/link]", ":smile:", "<script>alert(1)</script>",
    "<!--<script>", "</script>", "<a href=http://evil.example>x</a>", "<b>", "&amp;", "&lt;", "\x1b]0;owned\x07",
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", "\x1b[2J\x1b[H", "\x1b[31m", "\x9b31m", "\x07", "\x00",
    "\r", "\x08", "\u202e", "\u2028", "\ufeff", "😡", "👎🏽", "🍕🍕🍕", "%{x}", "{{ x }}", "${x}", "\\", "'", '"', " ",
    "=1+1", "@SUM(1)",
)  # fmt: skip
_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
PIECE = st.one_of(
    st.sampled_from(COMPLAINTS), st.sampled_from(STOP_WORDS_ONLY), st.sampled_from(SCRIPTS),
    st.sampled_from(HOSTILE), st.sampled_from(HOSTILE), st.text(_chars, max_size=20),
)  # fmt: skip
TEXT = st.lists(PIECE, min_size=1, max_size=5).map(" ".join)
NAME = st.one_of(st.sampled_from(("Delivery", "Billing & payments", "App")), st.sampled_from(HOSTILE), TEXT).filter(
    lambda s: s.strip() != ""
)
STAGES = ("pre-purchase", "purchase", "post-purchase")


@st.composite
def corpora(draw: st.DrawFn) -> list[dict]:
    """1-20 items; some repeat an earlier text, some carry a rating or a date."""
    items: list[dict] = []
    for _ in range(draw(st.integers(1, 20))):
        repeat = items and draw(st.booleans())
        text = items[draw(st.integers(0, len(items) - 1))]["text"] if repeat else draw(TEXT)
        item: dict = {"text": text}
        if draw(st.booleans()):
            item["rating"] = draw(st.integers(1, 5))
        if draw(st.booleans()):
            item["date"] = f"2026-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}"
        items.append(item)
    return items


@st.composite
def _touchpoint(draw: st.DrawFn, tp_id: str, depth: int) -> dict:
    tp = {"id": tp_id, "name": draw(NAME), "description": draw(NAME)}
    tp["examples"] = draw(st.lists(st.one_of(st.sampled_from(COMPLAINTS), TEXT), max_size=3))
    if depth < 3 and draw(st.integers(0, 3)) == 0:
        tp["children"] = [draw(_touchpoint(f"{tp_id}/c{i}", depth + 1)) for i in range(draw(st.integers(1, 2)))]
    return tp


@st.composite
def taxonomies(draw: st.DrawFn) -> dict:
    """1-3 top-level touchpoints (often one), examples or none, children up to three levels deep."""
    tops = []
    for i in range(draw(st.sampled_from((1, 1, 2, 3)))):
        tp = draw(_touchpoint(f"tp{i}", 0))
        tops.append({**tp, "stage": draw(st.sampled_from(STAGES))})
    taxonomy: dict = {"version": "1", "name": draw(NAME), "touchpoints": tops}
    if draw(st.booleans()):
        taxonomy["none_examples"] = draw(st.lists(TEXT, max_size=2))
    return taxonomy


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SCRIPT_TAGS = 3  # the report's own <script> elements: plotly.js, the chart data, the lines that draw the charts


def run_case(corpus: list[dict], taxonomy: dict, workdir: Path, *, redact: bool = False) -> tuple[str, str]:
    """Mine, top, report and export one generated input; returns ("mined", "") or ("refused", the clear
    MinerError's message), raises on a crash, and AssertionError on output that is not inert."""
    from miner.embed.fake import HashingEmbedder
    from miner.pipeline import MineOptions, mine
    from miner.report import top_pain_points
    from miner.report.exports import export
    from miner.report.html import write_report
    from miner.report.render import print_table, to_csv
    from miner.segment import get_segmenter
    from miner.store import open_db
    from miner.touchpoints.taxonomy import parse_taxonomy

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    source = workdir / "feedback.jsonl"
    source.write_text("".join(json.dumps(item) + "\n" for item in corpus), encoding="utf-8")
    db = open_db(workdir / "t.db")
    options = MineOptions(
        taxonomy=parse_taxonomy(taxonomy), embedder=HashingEmbedder(dim=64), segmenter=get_segmenter("rules"),
        on_error="skip", redact_pii=redact,
    )  # fmt: skip
    try:
        mine(db, [source], options)
        result = top_pain_points(db)
        json.dumps(result)
        to_csv(result)
        screen = io.StringIO()
        with contextlib.redirect_stdout(screen):
            print_table(result)
        bad = _CONTROL.search(screen.getvalue())
        assert bad is None, f"the terminal table holds control character {bad.group()!r}"
        page = write_report(db, workdir / "report.html").read_text(encoding="utf-8")
        _check_page(page)
        for fmt in ("csv", "xlsx", "parquet"):
            export(db, workdir / f"export.{fmt}", fmt)
    except MinerError as err:
        return "refused", str(err)
    return "mined", ""


def _check_page(page: str) -> None:
    """The report has exactly its own script elements, and its chart data reads back as JSON."""
    scripts = len(re.findall(r"<script[\s>]", page, re.I))
    assert scripts == SCRIPT_TAGS, f"the report has {scripts} <script> elements, not {SCRIPT_TAGS}"
    data = page.split('<script type="application/json" id="report-charts">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data, "the chart data holds a raw < or >"
    json.loads(data)


def generated_inputs(examples: int, workdir: Path, seed: int = 0) -> dict:
    """Run `examples` generated inputs; count what mined, what was refused with the clear error, and crashes."""
    figures: dict = {"inputs": 0, "mined": 0, "refused": 0, "exceptions": 0, "not_inert": 0}
    figures |= {"failures": [], "refusals": []}
    slowest = 0.0
    start = time.monotonic()

    @fixed_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(corpus=corpora(), taxonomy=taxonomies())
    def case(corpus: list[dict], taxonomy: dict) -> None:
        nonlocal slowest
        figures["inputs"] += 1
        began = time.monotonic()
        try:
            status, message = run_case(corpus, taxonomy, workdir / "case")
            figures[status] += 1
            if message and len(figures["refusals"]) < 20:
                figures["refusals"].append(message[:300])
        except AssertionError as err:
            figures["not_inert"] += 1
            _keep(figures, corpus, taxonomy, err)
        except Exception as err:  # noqa: BLE001 - every other exception is the finding
            figures["exceptions"] += 1
            _keep(figures, corpus, taxonomy, err)
        slowest = max(slowest, time.monotonic() - began)
        if figures["inputs"] % 50 == 0:
            print(f"generated: {figures['inputs']} inputs, {figures['exceptions']} exceptions", flush=True)

    case()
    figures["slowest_s"] = round(slowest, 2)
    figures["seconds"] = round(time.monotonic() - start, 1)
    return figures


def _keep(figures: dict, corpus: list[dict], taxonomy: dict, err: BaseException) -> None:
    if len(figures["failures"]) < 20:
        tail = "".join(traceback.format_exception(err)[-3:])[-800:]
        figures["failures"].append({"error": repr(err)[:300], "where": tail, "corpus": corpus, "taxonomy": taxonomy})


def _part(args: tuple[int, str, int]) -> dict:
    examples, workdir, seed = args
    return generated_inputs(examples, Path(workdir), seed)


def run_generated(total: int, workdir: Path, procs: int, seed: int = 0) -> dict:
    """`generated_inputs` split over `procs` processes, each with its own seed (`seed`, `seed + 1`, ...)."""
    from concurrent.futures import ProcessPoolExecutor

    parts = [(total // procs + (i < total % procs), str(workdir / f"p{i}"), seed + i) for i in range(procs)]
    with ProcessPoolExecutor(procs) as pool:
        results = list(pool.map(_part, parts))
    merged: dict = {key: sum(r[key] for r in results) for key in ("inputs", "mined", "refused", "exceptions")}
    merged["not_inert"] = sum(r["not_inert"] for r in results)
    merged["failures"] = [f for r in results for f in r["failures"]][:20]
    merged["refusals"] = [m for r in results for m in r["refusals"]][:20]
    merged["slowest_s"] = max(r["slowest_s"] for r in results)
    merged["seconds"] = max(r["seconds"] for r in results)
    return merged
