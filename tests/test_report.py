"""The HTML report and the exports, on a small sample mined with the fake embedder (plumbing, not quality)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.report.exports import _write_csv, _write_xlsx, export, export_rows, neutralise
from miner.report.html import plotly_js, render_html, write_report
from miner.report.model import build_report
from miner.report.trends import MIN_PERIOD_ITEMS
from miner.store.filters import Filters
from miner.touchpoints.taxonomy import NONE

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "food_delivery"
HOSTILE = "<script>alert('x')</script> The website never shows the delivery fee, I had to ring the call centre."


@pytest.fixture(scope="module")
def sample(tmp_path_factory, segmenter):
    """Every third review, survey answer and chat of the demo corpus, plus one hostile review."""
    from miner.embed import get_embedder
    from miner.pipeline import MineOptions, mine
    from miner.store import open_db

    folder = tmp_path_factory.mktemp("sample")
    with (CORPUS / "reviews.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows = rows[::3] + [{**rows[0], "review_id": "EVIL", "title": "Bad", "review": HOSTILE, "rating": "1"}]
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = (CORPUS / "survey.csv").read_text(encoding="utf-8").splitlines()
    (folder / "survey.csv").write_text("\n".join(lines[:1] + lines[1::3]) + "\n", encoding="utf-8")
    chats = (CORPUS / "chats.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "chats.jsonl").write_text("\n".join(chats[::3]) + "\n", encoding="utf-8")
    db = open_db(folder / "sample.db")
    mine(db, [folder], MineOptions(embedder=get_embedder("fake"), segmenter=segmenter))
    return db


@pytest.fixture(scope="module")
def report(sample):
    return build_report(sample)


def test_counts_add_up(sample, report):
    (items,) = sample.execute("SELECT COUNT(*) FROM documents").fetchone()
    run_id = report["quality"]["run"]["id"]
    (assigned,) = sample.execute("SELECT COUNT(*) FROM assignments WHERE run_id = ?", [run_id]).fetchone()
    assert report["overview"]["items"] == items > 100
    tps = report["touchpoints"]
    assert sum(t["complaints"] for t in tps) + report["quality"]["unmapped"] == assigned
    assert sum(t["share"] for t in tps) + report["quality"]["unmapped"] / assigned == pytest.approx(1.0)
    assert sum(s["complaints"] for s in report["journey"]) == sum(t["complaints"] for t in tps)
    assert [t["complaints"] for t in tps] == sorted((t["complaints"] for t in tps), reverse=True)
    assert all(0 < t["rate"] <= 1 and t["name"] != t["id"] for t in tps)
    assert len(report["overview"]["worst"]) == min(5, len(tps))
    first = report["overview"]["worst"][0]["sentence"]
    assert first.startswith(tps[0]["name"] + ": ") and "% of complaint mentions" in first


def test_a_window_calls_no_pain_point_new_that_the_run_saw_before_it(sample, monkeypatch):
    """Emerging pain points of a filtered report were read from the window alone: with three months, one month was
    "before", and a pain point of every month with none in it was "new"."""
    import miner.report.model as model
    from miner.store.report import pain_points_before

    ((earliest,),) = sample.execute("SELECT MIN(date) FROM documents").fetchall()
    alone = []  # which windows the run's history corrects: which ones depends on the sample's pain points
    for since, until in (("2026-05-01", "2026-07-31"), ("2026-06-01", "2026-08-31"), ("2026-02-01", "2026-04-30")):
        window = Filters(since=since, until=until)
        before = pain_points_before(sample, window)
        assert before and all(earliest[:10] <= day < since for day in before.values())
        emerging = build_report(sample, window)["trends"]["emerging"]
        assert not [e for e in emerging if e["status"] == "new" and e["id"] in before]
        assert all(e["first_seen"] < since[:7] for e in emerging if e["id"] in before)
        with monkeypatch.context() as m:
            m.setattr(model, "pain_points_before", lambda *args: {})  # the window alone, as before
            window_alone = build_report(sample, window)["trends"]["emerging"]
        alone += [e for e in window_alone if e["status"] == "new" and e["id"] in before]
    assert alone  # what the run's history corrects


def test_colours_are_per_touchpoint_and_stable(sample, report):
    colours = {t["id"]: t["colour"] for t in report["touchpoints"]}
    assert len(set(colours.values())) == len(colours)
    assert NONE not in colours
    narrower = build_report(sample, Filters(kind=["review"]))
    assert all(colours[t["id"]] == t["colour"] for t in narrower["touchpoints"] if t["id"] in colours)


def test_trends_and_impact(report):
    trends = report["trends"]
    assert trends["unit"] == "month" and len(trends["periods"]) == 12
    assert sum(trends["items"]) == report["overview"]["items"]
    top = report["touchpoints"][0]
    assert len(top["trend"]["complaints"]) == 12 and sum(top["trend"]["complaints"]) == top["complaints"]
    last = top["trend"]["change"]
    if last["status"] == "too few":  # the sample's last month is thin: no p-value, no direction
        assert min(last["items_previous"], last["items_last"]) < 10 and last["p_value"] is None
    else:
        assert 0 <= last["p_value"] <= 1
    stated = [s for s in top["trend"]["steps"] if s and s["p_value"] is not None]
    assert stated and all(0 <= s["p_value"] <= 1 for s in stated)
    for tp in report["touchpoints"]:
        if tp["impact"]:
            assert tp["impact"]["low"] <= tp["impact"]["points"] <= tp["impact"]["high"]
    assert report["impact"]["rated_items"] > 0


def test_a_period_without_items_is_blank_in_the_chart_and_named_in_data_quality(sample, report):
    """A month missing from the export was drawn as zero complaints for every touchpoint, and Data quality said
    nothing: it read as the month every problem went away."""
    from miner.report.charts import trends_chart

    first = report["trends"]["periods"][0]
    year, month = map(int, first.split("-"))
    since = f"{year - 1 if month <= 2 else year}-{(month - 3) % 12 + 1:02d}-01"  # two months before the first item
    wide = build_report(sample, Filters(since=since))
    empty = [p for p, n in zip(wide["trends"]["periods"], wide["trends"]["items"], strict=True) if n == 0]
    assert len(empty) >= 2
    assert any(f"without any item ({empty[0]}" in w for w in wide["quality"]["warnings"])
    chart = trends_chart(wide)
    for series in chart["data"]:
        for label, y, n in zip(series["x"], series["y"], wide["trends"]["items"], strict=True):
            assert (y is None) == (n == 0) and label.endswith("(no items)") == (n == 0)
    assert not any("without any item" in w for w in report["quality"]["warnings"])  # the sample has no gap


def test_p_values_are_stated_as_their_significance_reads():
    from miner.report.trends import p_rounded, p_text

    assert p_text(0.0479) == "p = 0.048" and p_text(0.00002) == "p < 0.001" and p_text(0.05) == "p = 0.050"
    assert p_rounded(0.00002345) == 2.345e-05 and p_rounded(0.124934) == 0.1249


def test_data_quality_names_the_corrections_a_run_read_without_a_corpus_head(sample):
    """A run whose 59 corrections taught the labelled head said "Corpus head: not used: touchpoints come from the
    taxonomy's examples alone" whenever the corpus head itself was not fitted."""
    import json

    from miner.report.model import method

    run = {"id": 99_999, "params": json.dumps({"corpus_head": {"corrections": 59}})}  # no corpus head stored
    assert method(sample, run)["corrections"] == 59 and method(sample, run)["corpus_head"] is None


def test_quotes_highlight_the_segment(sample, report):
    quotes = [q for t in report["touchpoints"] for p in t["pain_points"] for q in p["quotes"]]
    assert quotes
    assert all(len(p["quotes"]) <= 3 for t in report["touchpoints"] for p in t["pain_points"])
    for q in quotes[:50]:
        (segment,) = sample.execute("SELECT text FROM segments WHERE id = ?", [q["segment_id"]]).fetchone()
        assert q["span"] == segment
        assert q["source"] in ("reviews.csv", "survey.csv", "chats.jsonl") and q["date"]


def test_filters_narrow_the_report(sample, report):
    narrow = build_report(sample, Filters(since="2026-01-01", until="2026-03-31", kind=["review", "survey"]))
    (expected,) = sample.execute(
        "SELECT COUNT(*) FROM documents WHERE substr(date, 1, 10) BETWEEN '2026-01-01' AND '2026-03-31'"
        " AND kind IN ('review', 'survey')"
    ).fetchone()
    assert narrow["overview"]["items"] == expected < report["overview"]["items"]
    # three months of fewer than 10 items a week: months, where a week's change could never be stated
    assert expected / 13 < 10 and narrow["trends"]["periods"] == ["2026-01", "2026-02", "2026-03"]
    weekly = build_report(
        sample, Filters(since="2026-01-01", until="2026-03-31", kind=["review", "survey"]), granularity="week"
    )
    assert weekly["trends"]["periods"][:2] == ["2026-W01", "2026-W02"] and len(weekly["trends"]["periods"]) == 14
    assert narrow["filter"] == "2026-01-01 to 2026-03-31; kind review, survey"


def test_trends_give_the_mean_rating_per_period_as_the_overview_counts_it(report):
    """Only an NPS survey had a figure per period (trends.nps): "ratings fell, then recovered" could not be read off
    a report of stars or CSAT. Each period's mean, weighted by its rated items, makes the overview's mean rating
    (all the sample's rated items are dated), and the page shows it in Trends."""
    ratings = report["trends"]["ratings"]
    assert ratings and [r["period"] for r in ratings] == [p for p in report["trends"]["periods"] if p in
                                                           {r["period"] for r in ratings}]  # fmt: skip
    assert sum(r["rated_items"] for r in ratings) == report["impact"]["rated_items"]
    weighted = sum(r["mean_rating"] * r["rated_items"] for r in ratings) / report["impact"]["rated_items"]
    assert abs(weighted - report["overview"]["mean_rating"]) < 0.01 * len(ratings)
    assert all(r["thin"] == (r["rated_items"] < MIN_PERIOD_ITEMS) for r in ratings)
    page = render_html(report)
    table = page[page.index('id="rating-trend"') :]
    table = table[: table.index("</table>")]
    for r in ratings:
        assert f"{r['period']}</th>" in table and f">{r['mean_rating']:.0f}{'*' if r['thin'] else ''}</td>" in table
    # a mean of several scales says which it pools (a BI developer read stars and NPS answers as one rating)
    mixed = dict(report, impact=dict(report["impact"], scales=["nps", "stars5"]))
    note = render_html(mixed).split('id="rating-trend"', 1)[1]
    assert "It pools NPS answers (0–10), stars, each put on 0–100" in " ".join(note.split())
    assert "It pools" not in render_html(dict(report, impact=dict(report["impact"], scales=["stars5"])))


def test_html_is_self_contained_and_escaped(sample, tmp_path):
    path = write_report(sample, tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)
    assert plotly_js()[:2000] in html  # the bundle itself, inline
    assert "<script>alert(" not in html  # the hostile review is text, not markup
    assert "&lt;script&gt;alert(" in html or "alert(" not in html
    for section in ("overview", "journey", "touchpoints", "trends", "impact", "pain-points", "quality"):
        assert f'id="{section}"' in html
    charts = json.loads(re.search(r'id="report-charts">(.*?)</script>', html, re.S).group(1))
    names = [row["name"] for row in charts["touchpoints"]]
    assert names and all(name in html for name in names)
    assert charts["impact"]["layout"]["yaxis"]["title"]["text"].startswith("Rating points lost")
    assert "<mark>" in html and "Data quality" in html


def test_report_warns_on_thin_data(sample):
    tiny = build_report(sample, Filters(since="2026-10-15"))
    assert tiny["overview"]["items"] < 30
    assert any("Only" in w for w in tiny["quality"]["warnings"])
    page = render_html(tiny)
    assert "⚠" in page
    # said at the top too: the warning sat in Data quality, below every figure it concerns
    assert page.index('id="fragile"') < page.index('id="overview"')
    assert "<title>Touchpoint report · 2026-10-15 to end</title>" in page and "filter: 2026-10-15 to end" in page
    assert 'id="fragile"' not in render_html(build_report(sample))


def test_report_numbers_read_as_numbers():
    from miner.report.html import _pct, _signed

    assert (_signed(-0.04), _signed(0.04), _signed(-4.06), _signed(None)) == ("0.0", "0.0", "-4.1", "–")
    assert (_pct(0.0025), _pct(0.0), _pct(0.22), _pct(0.5, 1)) == ("0.2%", "0%", "22%", "50.0%")


def test_the_trends_table_claims_nothing_from_thin_or_silent_periods(sample):
    thin = build_report(sample, Filters(since="2026-10-01"), granularity="week")
    page = render_html(thin)
    rows = re.findall(r"<tr><td><span class=\"sw\".*?</tr>", page.split('id="trends"')[1], re.S)
    changes = [tp["trend"]["change"] for tp in thin["touchpoints"]]
    assert any(c["status"] == "too few" for c in changes)
    assert "too few items" in "".join(rows)
    silent = [tp["name"] for tp in thin["touchpoints"] if tp["trend"]["change"]["status"] == "none"]
    assert not any(name in row for name in silent for row in rows)  # 0 and 0 is not "new"
    assert not any(">new<" in row and '0%</td><td class="n">0%' in row for row in rows)


def test_cli_report_and_errors(sample, tmp_path):
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    runner = CliRunner()
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", db, "--out", str(out), "--kind", "review", "--period", "week"])
    assert result.exit_code == 0, result.output
    assert out.exists() and "Report:" in result.output
    bad = runner.invoke(app, ["report", "--db", db, "--out", str(out), "--since", "31/01/2026"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    none = runner.invoke(app, ["report", "--db", db, "--out", str(out), "--since", "2099-01-01"])
    assert none.exit_code == 2 and "no feedback matches" in none.output
    missing = runner.invoke(app, ["report", "--db", str(tmp_path / "missing.db")])
    assert missing.exit_code == 2 and "no such database" in missing.output
    # --out x.json writes what the page shows as data (it wrote HTML under a .json name); a table's suffix is refused
    data = runner.invoke(app, ["report", "--db", db, "--out", str(tmp_path / "r.json")])
    assert data.exit_code == 0, data.output
    written = json.loads((tmp_path / "r.json").read_text())
    assert written["overview"]["items"] == sample["documents"].count and "quality" in written
    table = runner.invoke(app, ["report", "--db", db, "--out", str(tmp_path / "r.csv")])
    assert table.exit_code == 2 and "use touchpoints export --out r.csv" in table.output
    assert not (tmp_path / "r.csv").exists()
    pdf = runner.invoke(app, ["report", "--db", db, "--out", str(tmp_path / "r.pdf")])  # export makes no PDF either
    assert pdf.exit_code == 2 and "open the .html page in a browser and print it" in pdf.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--kind", "surveys"], "unknown --kind 'surveys': use one of review, survey, transcript"),
        (["--source", "nosuch.csv"], "unknown --source 'nosuch.csv': the database holds chats.jsonl, reviews.csv"),
        (["--since", "2026-03-01", "--until", "2026-01-01"], "--since 2026-03-01 is after --until 2026-01-01"),
    ],
)
def test_top_report_and_export_refuse_filters_that_cannot_match(sample, tmp_path, args, says):
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    out = ["--out", str(tmp_path / "x")]
    for command in (["top"], ["report", *out], ["export", "--format", "csv", *out]):
        result = CliRunner().invoke(app, [*command, "--db", db, *args])
        assert result.exit_code == 2 and says in result.stderr, (command, result.output)
    assert not (tmp_path / "x").exists()


def test_a_window_outside_the_data_is_refused_by_top_as_by_report_naming_the_datas_days(sample, tmp_path):
    """`top --since 2027-01-01` on a year of 2026 printed an empty table and exited 0 where `report` exited 2 with
    "no feedback matches": both refuse it now, and say which days the feedback covers; `export` still writes its
    header (a BI job reads the columns) and warns with the same days."""
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    days = sorted(r[0][:10] for r in sample.execute("SELECT date FROM documents WHERE date IS NOT NULL"))
    span = f"the feedback runs from {days[0]} to {days[-1]}"
    out = ["--out", str(tmp_path / "x")]
    for command in (["top"], ["top", "--format", "json"], ["report", *out]):
        result = CliRunner().invoke(app, [*command, "--db", db, "--since", "2099-01-01"])
        assert result.exit_code == 2 and f"no feedback matches 2099-01-01 to end: {span}" in result.stderr, (
            command, result.output)  # fmt: skip
    kind = CliRunner().invoke(app, ["top", "--db", db, "--since", "2099-01-01", "--kind", "survey"])
    assert kind.exit_code == 2 and "the feedback of kind survey runs from" in kind.stderr
    export = CliRunner().invoke(app, ["export", "--db", db, "--since", "2099-01-01", "--format", "csv", *out])
    assert export.exit_code == 0 and f"({span})" in export.stderr


def test_a_period_on_a_database_without_dates_says_why_it_matches_nothing(sample, tmp_path):
    import sqlite3

    undated = tmp_path / "undated.db"
    with sqlite3.connect(undated) as copy:
        sample.conn.backup(copy)
        copy.execute("UPDATE documents SET date = NULL")
    out = ["--out", str(tmp_path / "x")]
    for command in (["top"], ["report", *out], ["export", "--format", "csv", *out]):
        result = CliRunner().invoke(app, [*command, "--db", str(undated), "--since", "2026-01-01"])
        assert result.exit_code == 2 and "no item in the database has a date" in result.stderr, result.output
    assert CliRunner().invoke(app, ["top", "--db", str(undated)]).exit_code == 0  # without a period: as before


@pytest.mark.parametrize("option", ["--limit", "--pain-points"])
def test_top_refuses_counts_below_one(sample, option):
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    for value in ("-1", "0"):
        result = CliRunner().invoke(app, ["top", "--db", db, option, value])
        assert result.exit_code == 2 and f"{option} {value}: give a count of 1 or more" in result.stderr


def test_neutralise():
    assert [neutralise(v) for v in ("=1+1", "+44 20", "-2", "@SUM(A1)", "ok", 3, -2.5, None)] == [
        "'=1+1", "'+44 20", "'-2", "'@SUM(A1)", "ok", 3, -2.5, None
    ]  # fmt: skip


def test_long_quotes_are_cut_at_a_word_with_an_ellipsis(capsys):
    from miner.report.quotes import shorten
    from miner.report.render import print_table

    text = "I was finally speaking to someone on the phone about my missing order after 40 minutes on hold, cut off"
    assert shorten("short enough", 90) == "short enough"
    assert shorten(text, 90) == text[:89] + "…"  # the cut falls on the space before "hold"
    assert shorten("x" * 100, 90) == "x" * 90 + "…"  # no space near the end: a hard cut, still marked
    pain_point = {"label": "Hold & wait times", "complaints": 3, "examples": [{"text": text}]}
    touchpoint = {"name": "Contact centre", "stage": "post-purchase", "complaints": 3, "share": 1.0}
    run = {"id": 1, "complaints": 3, "segments": 3, "documents": 1}
    print_table({"run": run, "touchpoints": [{**touchpoint, "pain_points": [pain_point]}]})
    out = capsys.readouterr().out  # the table wraps the quote: look for its end
    assert "minutes on…”" in out and "hold" not in out


def test_a_narrow_terminal_folds_the_stage_under_the_touchpoint(capsys, monkeypatch):
    """At 80 columns the stage's own column left the pain points and quotes 20 characters: two or three words a
    line. Under 110 columns the stage goes under the touchpoint's name; wider, it keeps its column."""
    from miner.report.render import print_table

    quote = "The bill is impossible to understand, too many add-on charges I never asked for."
    pain_point = {"label": "Unclear bills & statements", "complaints": 2, "examples": [{"text": quote}]}
    touchpoint = {"name": "Billing & charges", "stage": "post-purchase", "complaints": 2, "share": 1.0}
    result = {"run": {"id": 1, "complaints": 2, "segments": 2, "documents": 2},
              "touchpoints": [{**touchpoint, "pain_points": [pain_point]}]}  # fmt: skip
    for columns, folded in (("80", True), ("140", False)):
        monkeypatch.setenv("COLUMNS", columns)
        print_table(result)
        lines = capsys.readouterr().out.splitlines()
        assert max(map(len, lines)) <= int(columns)
        assert any("Stage" in line for line in lines) is not folded
        [named] = [i for i, line in enumerate(lines) if "Billing & charges" in line]
        assert ("post-purchase" in lines[named + 1]) is folded and ("post-purchase" in lines[named]) is not folded
        assert any("Unclear bills & statements (2)" in line for line in lines)  # the label on one line


def test_xlsx_and_csv_neutralise_formulas(tmp_path):
    from openpyxl import load_workbook

    rows = [{"id": "x-01", "text": '=HYPERLINK("http://evil","click")', "complaints": -3}]
    _write_xlsx({"pain_points": rows, "assignments": rows}, tmp_path / "t.xlsx")
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["pain_points", "assignments"]
    cells = [c for row in book["pain_points"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    # a text cell, as written (an added apostrophe showed in Excel and Power BI: "'+1 to everyone..."); never a formula
    assert book["pain_points"]["B2"].value == rows[0]["text"] and book["pain_points"]["C2"].value == -3
    assert book["pain_points"]["B2"].quotePrefix and not book["pain_points"]["A2"].quotePrefix
    import zipfile

    sheet = zipfile.ZipFile(tmp_path / "t.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet
    _write_csv(rows, tmp_path / "t.csv")
    assert list(csv.reader((tmp_path / "t.csv").open()))[1][1].startswith("'=")


def test_an_empty_parquet_export_keeps_its_types_and_rows_carry_the_sources_id(sample, tmp_path):
    """An empty parquet export typed every column null; the export's own ids ("000123") were in no column."""
    import pyarrow.parquet as pq

    empty = export(sample, tmp_path / "e.parquet", "parquet", table="assignments", filters=Filters(since="2099-01-01"))
    full = export(sample, tmp_path / "f.parquet", "parquet", table="assignments")
    assert pq.read_schema(empty) == pq.read_schema(full) and str(pq.read_schema(empty).field("score").type) == "double"
    rows = export_rows(sample)["assignments"]
    assert all(r["source_id"] is None or isinstance(r["source_id"], str) for r in rows)
    assert any(r["source_id"] for r in rows) and all(
        r["day"] == (r["date"] or "")[:10] or r["day"] is None for r in rows
    )


def test_exports_round_trip(sample, tmp_path):
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    tables = export_rows(sample)
    assert tables["pain_points"] and tables["assignments"]
    clustered = sum(1 for a in tables["assignments"] if a["pain_point_id"])
    assert sum(p["complaints"] for p in tables["pain_points"]) == clustered
    # the shares `top` gives, so a BI table need not recompute them
    from miner.report.top import top_pain_points

    top = top_pain_points(sample, pain_points=100, limit=100)
    shares = {p["id"]: (p["share"], p["share_of_total"]) for t in [*top["touchpoints"], top["unmapped"]]
              for p in t["pain_points"]}  # fmt: skip
    assert {p["id"]: (p["share"], p["share_of_total"]) for p in tables["pain_points"]} == shares
    parquet = export(sample, tmp_path / "a.parquet", "parquet", table="assignments")
    assert pq.read_table(parquet).num_rows == len(tables["assignments"])
    book = load_workbook(export(sample, tmp_path / "all.xlsx", "xlsx"))
    assert book["assignments"].max_row == len(tables["assignments"]) + 1
    reviews = export_rows(sample, Filters(kind=["review"]))["assignments"]
    assert reviews and all(a["kind"] == "review" for a in reviews)
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    result = CliRunner().invoke(app, ["export", "--db", db, "--format", "csv", "--out", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "p.csv").read_text().splitlines()[0]
    assert header.startswith("run_id,id,touchpoint,touchpoint_name,stage,label")  # the columns kept their places
    assert header.endswith(",share_of_total,taxonomy_name,taxonomy_version")
    # without --format the file's extension says which (a .csv was written as an xlsx zip before)
    result = CliRunner().invoke(app, ["export", "--db", db, "--out", str(tmp_path / "q.csv")])
    assert result.exit_code == 0 and (tmp_path / "q.csv").read_text() == (tmp_path / "p.csv").read_text()
    result = CliRunner().invoke(app, ["export", "--db", db, "--out", str(tmp_path / "book")])
    assert result.exit_code == 0 and (tmp_path / "book.xlsx").read_bytes()[:2] == b"PK"  # no extension: xlsx
    # an extension that is no export format, or that --format contradicts, is refused (an xlsx was written as r.pdf)
    for args, says in (
        (["--out", str(tmp_path / "r.pdf")], "r.pdf: an export is a .xlsx, .csv or .parquet file"),
        (["--format", "xlsx", "--out", str(tmp_path / "e.csv")], "--format xlsx writes a .xlsx file: name it so"),
    ):
        result = CliRunner().invoke(app, ["export", "--db", db, *args])
        assert result.exit_code == 2 and says in result.stderr, result.output
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "e.csv").exists()


def test_the_unmapped_complaints_pain_points_are_exported_as_top_names_them(sample):
    """The export's `none` rows were named "none", and report.md said they were in `assignments` only: a BI user's
    legend showed a touchpoint called "none", and the guide denied rows the file held. They stay, named as `top` and
    the API name them, with no stage."""
    from miner.report.top import top_pain_points

    tables = export_rows(sample)
    unmapped = [p for p in tables["pain_points"] if p["touchpoint"] == "none"]
    listed = top_pain_points(sample, touchpoint="none", pain_points=100)["unmapped"]["pain_points"]
    assert unmapped and [p["id"] for p in unmapped] == [p["id"] for p in listed]
    assert {(p["touchpoint_name"], p["stage"]) for p in unmapped} == {("No touchpoint (none)", None)}
    rows = [a for a in tables["assignments"] if a["touchpoint"] == "none"]
    assert rows and {(a["touchpoint_name"], a["stage"]) for a in rows} == {("No touchpoint (none)", None)}


def test_an_export_that_matches_nothing_keeps_its_header_and_warns(sample, tmp_path):
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    from miner.report.exports import COLUMNS, headers

    tables = export_rows(sample)
    # the empty header is the real one: the fixed columns, then (assignments) the columns the items kept
    header = headers(sample)
    assert {name: list(rows[0]) for name, rows in tables.items()} == header
    assert all(header[name][: len(cols)] == list(cols) for name, cols in COLUMNS.items())
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    runner = CliRunner()
    for table in COLUMNS:
        out = tmp_path / f"{table}.csv"
        args = ["export", "--db", db, "--format", "csv", "--table", table, "--since", "2099-01-01", "--out", str(out)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "no row matches 2099-01-01 to end" in result.stderr
        assert list(csv.reader(out.open())) == [header[table]]
    book = load_workbook(export(sample, tmp_path / "e.xlsx", "xlsx", filters=Filters(since="2099-01-01")))
    assert [[c.value for c in book[name][1]] for name in COLUMNS] == [header[name] for name in COLUMNS]
    parquet = export(sample, tmp_path / "e.parquet", "parquet", table="assignments", filters=Filters(kind="none"))
    assert pq.read_table(parquet).column_names == header["assignments"]


def test_top_touchpoint_none_lists_the_unmapped_in_table_and_csv(sample):
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    runner = CliRunner()
    args = ["top", "--db", db, "--touchpoint", "none"]
    unmapped = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)["unmapped"]
    rows = list(csv.DictReader(runner.invoke(app, [*args, "--format", "csv"]).stdout.splitlines()))
    assert rows and {r["touchpoint"] for r in rows} == {NONE}  # it printed the header alone
    assert [r["pain_point_id"] for r in rows if r["pain_point_id"]] == [p["id"] for p in unmapped["pain_points"]]
    assert int(rows[0]["touchpoint_complaints"]) == unmapped["complaints"]
    table = runner.invoke(app, args).stdout
    assert "No touchpoint (none)" in table and "see `touchpoints top --touchpoint none`" not in table
    everything = list(csv.DictReader(runner.invoke(app, ["top", "--db", db, "--format", "csv"]).stdout.splitlines()))
    assert NONE not in {r["touchpoint"] for r in everything}  # without the filter, the line under the table says it


def test_small_shares_keep_a_decimal_and_a_filtered_footer_counts_the_filter():
    from miner.report.render import percent

    assert (percent(0.0025), percent(0.0), percent(0.22), percent(0.08)) == ("0.2%", "0%", "22%", "8%")


def test_a_filtered_top_says_what_fits_no_touchpoint_of_the_filter(capsys):
    """Under a filter the footer put the filter's unmapped count over the whole run's complaints."""
    from miner.report.render import print_table

    run = {"id": 1, "complaints": 812, "segments": 2000, "documents": 410}
    none = {"id": NONE, "complaints": 2, "documents": 2, "share": 0.0125, "pain_points": []}
    result = {"run": run, "filter": "kind review", "fit": None, "touchpoints": [], "unmapped": none}
    print_table(result)
    said = " ".join(capsys.readouterr().out.split())
    assert "2 complaints of kind review fit no touchpoint (1.2% of its complaint mentions)" in said
    print_table(result | {"filter": "all feedback"})
    assert "2 of 812 complaints fit no touchpoint (0.2%)" in " ".join(capsys.readouterr().out.split())


def test_the_report_says_whether_the_corpus_head_was_used(sample, report):
    from miner.report.model import method

    run_id = report["quality"]["run"]["id"]
    row = sample.execute("SELECT * FROM corpus_heads WHERE run_id = ?", [run_id]).fetchone()
    assert report["quality"]["method"]["corpus_head"] == (row[-1] if row else None)
    sample.execute("INSERT OR REPLACE INTO corpus_heads VALUES (?, 'a,b', x'00', x'00', 1, 0.3, 0.1, 123)", [run_id])
    params = sample["runs"].get(run_id)["params"]
    corrected = json.loads(params or "{}")
    corrected["corpus_head"] = dict(corrected.get("corpus_head") or {}, corrections=2)
    sample["runs"].update(run_id, {"params": json.dumps(corrected)})
    try:
        assert method(sample, sample["runs"].get(run_id)) | {"complaint_model": None} == {
            "complaint_model": None,
            "corpus_head": 123,
            "corrections": 2,
            "corpus_head_skipped": None,  # a head stored: nothing to explain
        }
    finally:  # the fixture's database as it was
        sample["runs"].update(run_id, {"params": params})
        sample.execute("DELETE FROM corpus_heads WHERE run_id = ?", [run_id])
        if row:
            sample.execute(f"INSERT INTO corpus_heads VALUES ({', '.join('?' * len(row))})", list(row))
    assert method(sample, sample["runs"].get(run_id))["corpus_head"] == (row[-1] if row else None)


def test_touchpoints_differ_in_shape_not_colour_alone(report):
    """Trend lines and impact markers tell touchpoints apart by dash and symbol too; a significant change says its
    direction in words, not by the badge's colour alone."""
    from miner.report.charts import impact_chart, trends_chart

    lines = trends_chart(report)["data"]
    styles = [(t["line"]["dash"], t["marker"]["symbol"]) for t in lines]
    assert len(lines) >= 3 and len(set(styles)) == len(styles)
    assert len({dash for dash, _ in styles}) > 1
    markers = [t["marker"]["symbol"] for t in impact_chart(report)["data"]]
    assert len(set(markers)) == len(markers) or len(set(markers)) == 10
    page = render_html(report)
    assert ">significant</span>" not in page
    assert page.count(", significant</span>") == page.count("▲ up, significant") + page.count("▼ down, significant")


def test_the_trends_table_calls_new_only_what_was_never_there(sample):
    """The overview said 'up from 0' for a touchpoint absent only the month before; the table still said 'new'."""
    import copy

    from miner.report.trends import change

    report = build_report(sample)
    cell = re.compile(r'<td class="n">\s*(new|up from 0)\s*</td>')
    absent_before = copy.deepcopy(report)
    absent_before["touchpoints"][0]["trend"] |= {"change": change(0, 24, 5, 41), "baseline": change(60, 300, 5, 41)}
    assert "up from 0" in cell.findall(render_html(absent_before))
    never = copy.deepcopy(report)
    never["touchpoints"][0]["trend"] |= {"change": change(0, 24, 5, 41), "baseline": change(0, 300, 5, 41)}
    assert "new" in cell.findall(render_html(never)) and "up from 0" not in cell.findall(render_html(never))


def test_the_trends_table_gives_a_change_from_a_handful_as_counts_as_the_sentence_does(sample):
    """The tester's table: "In store / on site 3% 18% +445%" from 1 of 30 items against 6 of 33, and "2% 0% -100%"
    from 1 of 45 against 0 of 48, while the overview's sentence for the same change gave the counts."""
    import copy

    from miner.report.sentences import sentence
    from miner.report.trends import change

    report = copy.deepcopy(build_report(sample))
    top, second = report["touchpoints"][:2]
    top["trend"] |= {"change": change(1, 30, 6, 33), "baseline": None}
    second["trend"] |= {"change": change(1, 45, 0, 48), "baseline": None}
    page = render_html(report)
    row = page.split(f"</span> {top['name']}</td>", 1)[1].split("</tr>", 1)[0]
    assert "445%" not in row and "18%" not in row and "1 of 30" in row and "6 of 33" in row and ">up<" in row
    fell = page.split(f"</span> {second['name']}</td>", 1)[1].split("</tr>", 1)[0]
    assert "100%" not in fell and "0 of 48" in fell and ">down<" in fell
    assert "up: 6 of 33 items against 1 of 30 in the previous month" in sentence(top, report["trends"]["unit"])
    assert top["trend"]["change"]["as_counts"] and not change(5, 30, 2, 33)["as_counts"]


def test_the_trends_table_gives_a_change_from_none_as_counts_as_the_sentence_does(sample):
    """The demo's Contact centre read "0% 5% up from 0" in the table, beside the overview's "up: 2 of 41 items against
    0 of 24 in the previous month": a change from no item is one from fewer than 5, which the table gives as counts."""
    import copy

    from miner.report.sentences import sentence
    from miner.report.trends import change

    report = copy.deepcopy(build_report(sample))
    top, second = report["touchpoints"][:2]
    top["trend"] |= {"change": change(0, 24, 2, 41), "baseline": change(71, 457, 2, 41)}
    second["trend"] |= {"change": change(0, 24, 2, 41), "baseline": None}
    page = render_html(report)
    for entry, said in ((top, "up from 0"), (second, "new")):
        row = page.split(f"</span> {entry['name']}</td>", 1)[1].split("</tr>", 1)[0]
        assert "0 of 24" in row and "2 of 41" in row and "%" not in row and f">{said}<" in row, row
    assert "up: 2 of 41 items against 0 of 24 in the previous month" in sentence(top, report["trends"]["unit"])
    assert change(0, 24, 2, 41)["as_counts"]


def test_the_report_says_its_p_values_are_adjusted_for_the_touchpoints_and_pain_points_it_tests(report):
    """39 pain points tested each at p < 0.05 called one "rising" on 4 items against 1, and a touchpoint was
    "significant" at p = 0.005 among 16: the report adjusts each family and says so (the sample's months hold too
    few items for a test, so three touchpoints get the tester's changes)."""
    import copy

    from miner.report.sentences import sentence
    from miner.report.trends import change, correct

    assert report["trends"]["correction"]["method"] == "Benjamini-Hochberg"
    shown = copy.deepcopy(report)
    tps = shown["touchpoints"][:3]
    for tp, args in zip(tps, [(3, 150, 5, 33), (30, 150, 6, 33), (20, 150, 5, 33)], strict=True):
        tp["trend"] |= {"change": change(*args), "baseline": None}
    correct(tp["trend"]["change"] for tp in tps)
    shown["trends"]["correction"] |= {"touchpoints": 3, "pain_points": 39}
    first = tps[0]["trend"]["change"]
    assert first["p_value"] == 0.005386 and first["p_adjusted"] == pytest.approx(0.0162, abs=1e-4)
    assert "(significant, adjusted p = 0.016)" in sentence(tps[0], shown["trends"]["unit"])
    page = render_html(shown)
    row = page.split(f"</span> {tps[0]['name']}</td>", 1)[1].split("</tr>", 1)[0]
    assert 'title="unadjusted p = 0.005">0.016</td>' in row
    words = " ".join(page.split())
    assert "adjusted (Benjamini–Hochberg) for the 3 touchpoints compared" in words
    assert "Benjamini–Hochberg for the 39 pain points tested" in words or "(39 pain points tested for rising" in words


def test_a_report_without_dates_says_there_are_no_trends(tmp_path, segmenter):
    """An empty chart on a 0-4 axis, a table header with no rows, "no pain point is rising in the last two months"
    and a note on the latest month, for items with no date at all."""
    from miner.embed import get_embedder
    from miner.pipeline import MineOptions, mine
    from miner.store import open_db

    with (CORPUS / "reviews.csv").open(encoding="utf-8") as fh:
        texts = [row["review"] for row in csv.DictReader(fh)][:40]
    (tmp_path / "undated.csv").write_text("comment\n" + "".join(f'"{t}"\n' for t in texts), encoding="utf-8")
    db = open_db(tmp_path / "u.db")
    mine(db, [tmp_path / "undated.csv"], MineOptions(embedder=get_embedder("fake"), segmenter=segmenter))
    report = build_report(db)
    page = render_html(report)
    assert "No item has a date, so there are no trends to show" in " ".join(page.split())
    assert 'id="chart-trends"' not in page and "Change = items mentioning" not in page
    assert any("No item has a date" in w for w in report["quality"]["warnings"])


def test_one_complaint_is_singular_in_a_touchpoints_header(sample):
    import copy

    one = copy.deepcopy(build_report(sample))
    one["touchpoints"][0]["complaints"] = 1  # "1 complaints · 33% · after purchase"
    page = render_html(one)
    assert ">1 complaint ·" in page and ">1 complaints" not in page


def test_the_shares_whole_is_stated(sample):
    """The shares are of complaint mentions, a number the report gave nowhere (88 of 163 complaints read 44%)."""
    report = build_report(sample)
    mentions = report["overview"]["mentions"]
    assert mentions >= report["overview"]["complaints"]
    for tp in report["touchpoints"]:
        assert tp["share"] == pytest.approx(tp["complaints"] / mentions)
    assert f"all {mentions:,} complaint" in render_html(report)


def test_the_trends_table_keeps_a_touchpoint_that_fell_silent(sample):
    """None in the latest period nor the one before, after many earlier: the largest touchpoint was left out."""
    import copy

    from miner.report.trends import change

    silent = copy.deepcopy(build_report(sample))
    silent["touchpoints"][0]["trend"] |= {"change": change(0, 11, 0, 13), "baseline": change(54, 141, 0, 13)}
    page = render_html(silent)
    assert "none in either" in page and "below earlier" in page
    calm = copy.deepcopy(silent)
    calm["touchpoints"][0]["trend"] |= {"baseline": change(2, 141, 0, 13)}
    assert "none in either" not in render_html(calm)


def test_a_latest_period_cut_short_is_named_in_the_chart_and_the_warnings(sample):
    """Data to the 14th of October: October's counts are half a month's, and the chart's dip said nothing of it."""
    cut = build_report(sample, Filters(until="2026-10-14"))
    assert cut["trends"]["partial"] == {"period": "2026-10", "days": 14, "of_days": 31, "last_day": "2026-10-14"}
    assert any("The latest month, 2026-10, holds 14 of its 31 days" in w for w in cut["quality"]["warnings"])
    from miner.report.charts import trends_chart

    assert trends_chart(cut)["data"][0]["x"][-1] == "2026-10 (14 of 31 days)"
    whole = build_report(sample)  # the demo's data ends on 30 October: a day short is no partial month
    assert whole["trends"]["partial"] is None and not any("holds" in w for w in whole["quality"]["warnings"])


def test_a_window_past_the_data_ends_its_periods_on_the_last_item(sample):
    """A quarter asked for of data that ends before it does (the sample's on Wednesday 28 October) ran its weeks to
    the window's last day: nine weeks of no items closed it, every change "too few items", and the week the data
    ends in, 3 of its 7 days, was called whole, where a window ending on that day names it."""
    past = build_report(sample, Filters("2026-10-01", "2026-12-31"), granularity="week")["trends"]
    assert past["periods"][-1] == "2026-W44" and past["items"][-1] > 0
    assert past["partial"] == {"period": "2026-W44", "days": 3, "of_days": 7, "last_day": "2026-10-28"}
    assert past == build_report(sample, Filters("2026-10-01", "2026-10-28"), granularity="week")["trends"]


def test_a_first_period_cut_short_is_named_in_the_chart_and_the_warnings(sample):
    """From March 15th: March's counts are half a month's beside whole months, and neither the JSON, the chart nor
    Data quality said so (`partial` looks at the latest period only). The step from it compares rates of items."""
    from miner.report.charts import trends_chart
    from miner.report.html import chart_texts

    cut = build_report(sample, Filters("2026-03-15", "2026-06-30"), granularity="month")
    trends = cut["trends"]
    assert trends["periods"][0] == "2026-03" and trends["partial"] is None
    assert trends["partial_first"] == {"period": "2026-03", "days": 17, "of_days": 31, "first_day": "2026-03-15"}
    assert any("The first month, 2026-03, holds 17 of its 31 days" in w for w in cut["quality"]["warnings"])
    assert trends_chart(cut)["data"][0]["x"][0] == "2026-03 (17 of 31 days)"
    assert "2026-03 (17 of its 31 days) to 2026-06" in chart_texts(cut)["trends"]
    for tp in cut["touchpoints"]:
        if (step := tp["trend"]["steps"][1]) and step["status"] not in ("too few", "none"):
            assert step["items_previous"] == trends["items"][0]  # a rate of March's items, not a count
            assert step["rate_previous"] == step["previous"] / trends["items"][0]
    whole = build_report(sample, Filters("2026-03-01", "2026-06-30"), granularity="month")
    assert whole["trends"]["partial_first"] is None and not any("The first" in w for w in whole["quality"]["warnings"])


def test_each_chart_has_a_text_alternative_naming_its_largest_values(sample, report):
    """A screen reader found four blank boxes: each chart is an image labelled with what it shows."""
    import html as html_lib

    page = render_html(report)
    labels = {
        name: html_lib.unescape(text)
        for name, text in re.findall(r'<div id="chart-(\w+)" class="chart" role="img" aria-label="([^"]*)"', page)
    }
    assert set(labels) == {"journey", "touchpoints", "trends", "impact"}
    top = report["touchpoints"][0]
    assert f"most first: {top['name']} {top['complaints']:,};" in labels["touchpoints"]
    assert labels["trends"].startswith(f"Complaints per month and touchpoint, {report['trends']['periods'][0]} to")
    leader = max((t for t in report["touchpoints"] if t["trend"]), key=lambda t: t["trend"]["complaints"][-1])
    assert f"most first: {leader['name']} {leader['trend']['complaints'][-1]};" in labels["trends"]
    worst = min((t for t in report["touchpoints"] if t["impact"]), key=lambda t: t["impact"]["points"])
    assert f"most lost first: {worst['name']} +" in labels["impact"]  # points lost, signed as the table gives them
    stage = report["journey"][0]
    assert f"{stage['complaints']:,} (" in labels["journey"]


def test_the_table_shows_as_many_pain_points_as_asked(sample, capsys):
    # `top --pain-points 5` printed 3 a touchpoint (the JSON and CSV had 5): the fourth and fifth were never shown
    from miner.report.render import print_table
    from miner.report.top import top_pain_points

    result = top_pain_points(sample, pain_points=5, limit=100)
    assert max(len(t["pain_points"]) for t in result["touchpoints"]) > 3, "the sample needs a large touchpoint"
    print_table(result)
    quoted = sum(1 for t in result["touchpoints"] for p in t["pain_points"] if p["examples"])
    assert capsys.readouterr().out.count("“") == quoted  # one quote a pain point, every pain point shown


def test_touchpoints_complained_about_together_more_than_chance(sample, tmp_path):
    # the case study's chain: items about the website that also complain about the contact centre; per-touchpoint
    # counts could not show it
    from miner.report.html import write_report
    from miner.report.model import build_report
    from miner.report.together import complained_together

    docs = {
        "website": {f"d{i}" for i in range(20)},
        "contact_center": {f"d{i}" for i in range(10, 30)},  # 10 of the website's items: 5 times chance
        "billing": {f"d{i}" for i in range(100, 140)},  # no item shared
        "delivery": {f"d{i}" for i in range(16, 19)} | {f"d{i}" for i in range(140, 180)},  # 3 shared: too few
        "none": {f"d{i}" for i in range(20)},
    }
    names = {"website": "Website", "contact_center": "Contact centre", "billing": "Billing", "delivery": "Delivery"}
    [pair], tests = complained_together(docs, names, 200)
    assert (pair["first"], pair["second"], pair["items"], tests) == ("website", "contact_center", 10, 6)
    assert pair["of_first"] == pair["of_second"] == 0.5 and pair["lift"] == 5.0
    assert pair["p_value"] < pair["p_adjusted"] < 0.05 and pair["tests"] == 6
    # one clause (or sentence) filed under both touchpoints is one complaint: 4 of the 10 shared items hold only that
    filed = {(tp, d): {int(d[1:])} for tp, ds in docs.items() for d in ds}  # each item: one sentence, filed under each
    for d in range(10, 14):
        filed["contact_center", f"d{d}"] = {1000 + d}  # four items complain about the contact centre apart
    assert complained_together(docs, names, 200, filed) == ([], 6)  # 4 items: too few for a pattern
    for d in range(14, 17):
        filed["contact_center", f"d{d}"] = {1000 + d}
    [apart], _ = complained_together(docs, names, 200, filed)
    assert apart["items"] == 7
    report = build_report(sample)
    for p in report["overview"]["together"]:
        assert p["items"] >= 5 and p["lift"] >= 1.5 and p["p_adjusted"] < 0.05
        assert p["sentence"].startswith(f"{p['first_name']} and ")
    page = write_report(sample, tmp_path / "r.html").read_text(encoding="utf-8")
    assert ("Complained about together" in page) == bool(report["overview"]["together_tests"])


def test_the_notes_count_what_was_tested_in_words(sample):
    """A 29-item survey's report said "of the 1 pairs tested" and "adjusted for the 0 touchpoints compared"."""
    report = build_report(sample)
    trends = dict(report["trends"], correction=dict(report["trends"]["correction"] or {}, touchpoints=0, pain_points=1))
    overview = dict(report["overview"], together=[], together_tests=1)
    page = " ".join(render_html(dict(report, trends=trends, overview=overview)).split())
    assert "the 0 touchpoints" not in page and "adjusted for the touchpoints compared" in page
    assert "of the 1 pair tested" in page and "(1 pain point tested" in page and "1 pairs" not in page


def test_where_no_pair_is_significant_the_nearest_is_named_as_such(sample):
    """The demo's Website and Contact centre (28 items at 1.7 times chance, p = 0.0007 alone, 0.068 once adjusted
    for 120 pairs) vanished from the report as if no two touchpoints went together: the nearest large pair is named,
    with both p-values, and said to be not significant."""
    from miner.report.together import together

    docs = {"website": {f"d{i}" for i in range(20)}, "contact_center": {f"d{i}" for i in range(14, 34)}}  # 6 shared
    docs |= {f"t{k}": {f"e{k}-{i}" for i in range(6)} for k in range(10)}  # ten more: 66 pairs tested
    names = {t: t.replace("_", " ").capitalize() for t in docs}

    def clauses(docs: dict) -> dict:  # each complaint a clause of its own
        return {(t, d): {hash((t, d))} for t, ds in docs.items() for d in ds}

    pairs, tests, near = together(docs, clauses(docs), names, 200)
    assert pairs == [] and tests == 66 and near is not None
    assert (near["first"], near["second"], near["items"], near["lift"]) == ("website", "contact_center", 6, 3.0)
    assert near["p_value"] < 0.05 <= near["p_adjusted"] and near["sentence"].startswith("Website and Contact center: 6")
    more = {**docs, "contact_center": {f"d{i}" for i in range(10, 34)}}
    listed, _, none_near = together(more, clauses(more), names, 200)
    assert listed and none_near is None  # 10 shared: significant, listed, and no "nearest" beside it
    report = build_report(sample)
    page = " ".join(render_html({**report, "overview": {**report["overview"], "together": [], "together_tests": 66,
                                                        "together_nearest": near}}).split())  # fmt: skip
    assert "The nearest: Website and Contact center: 6 items complain about both" in page
    assert "once adjusted for the 66 pairs: not significant" in page


def test_a_pair_complained_about_together_takes_clauses_of_their_own_and_beats_chance_among_all_pairs():
    """A clause filed under two touchpoints is one complaint, not a chain; and 5 items at 1.5 times chance, one pair
    of 100 looked at, is what chance gives (a tester's report listed such pairs as "where one failure sends customers
    to another")."""
    from miner.report.together import complained_together
    from miner.report.trends import exact_test

    assert round(exact_test(19 - 7, 240 - 40, 7, 40, alternative="greater"), 3) == 0.023
    # 13 items about billing and follow-up, each in one clause filed under both: no pair
    docs = {"billing": {f"d{i}" for i in range(25)}, "follow_up": {f"d{i}" for i in range(12, 42)}}
    docs |= {f"tp{k}": {f"x{k}-{i}" for i in range(8)} for k in range(12)}  # 14 touchpoints: 91 pairs
    names = {tp: tp for tp in docs}
    one_clause = {(tp, d): {0} for tp, ds in docs.items() for d in ds}
    assert complained_together(docs, names, 240, one_clause) == ([], 91)
    # the same items, each complaining about the two in clauses of their own: 13 at 4.2 times chance stands
    # two clauses of one sentence count ("couldn't see the fee on the site so I rang and waited"): the chain itself
    two_clauses = {(tp, d): {i} for i, tp in enumerate(docs) for d in docs[tp]}
    assert complained_together(docs, names, 240, two_clauses)[0][0]["items"] == 13
    [pair], tests = complained_together(docs, names, 240)
    assert (pair["items"], round(pair["lift"], 1), tests) == (13, 4.2, 91) and pair["p_adjusted"] < 0.05
    # 7 shared items at 2.2 times chance: p = 0.023 alone, not significant once adjusted for the 91 pairs (5 at 1.6
    # times chance, which the rule of 5 items and 1.5 times chance listed, has p = 0.19 alone)
    weak = docs | {"billing": {f"d{i}" for i in range(40)}, "follow_up": {f"d{i}" for i in range(33, 52)}}
    assert complained_together(weak, names, 240) == ([], 91)
    weak["follow_up"] = {f"d{i}" for i in range(35, 54)}
    assert complained_together(weak, names, 240) == ([], 91)


def test_an_export_named_without_an_extension_gets_its_formats(sample, tmp_path):
    """`--out fn/pp` wrote an xlsx named pp."""
    db = sample.conn.execute("PRAGMA database_list").fetchone()[2]
    for args, name in (([], "pp.xlsx"), (["--format", "csv"], "pp.csv")):
        result = CliRunner().invoke(app, ["export", "--db", db, *args, "--out", str(tmp_path / "pp")])
        assert result.exit_code == 0 and (tmp_path / name).exists() and f"Exported: {tmp_path / name}" in result.output
    assert not (tmp_path / "pp").exists()


def test_an_nps_questions_points_lost_are_named_as_score_points_not_nps():
    """ "NPS points lost +0.68" was the mean 0-10 answer lost; Net Promoter Score points were ~14.6 (%promoters less
    %detractors): an analyst read it 20 times too small."""
    from miner.report.impact import _native_scale

    assert _native_scale({"nps"}) == {"native_name": "Score points", "native_range": "0–10"}
    assert _native_scale({"stars5"})["native_name"] == "Stars"


def test_a_report_says_when_one_item_makes_much_of_the_counts():
    """A 2,800-word review made 156 of a run's 298 complaints and 40 of 'Staff & agents' 45, with no warning."""
    from miner.report.model import one_item_heavy

    rows = [{"document_id": "long", "touchpoint": "agents"}] * 40 + [
        {"document_id": f"d{i}", "touchpoint": "agents" if i < 5 else "delivery"} for i in range(60)
    ]
    entries = [{"id": "agents", "name": "Staff & agents", "complaints": 45, "thin": False},
               {"id": "delivery", "name": "Delivery", "complaints": 55, "thin": False}]  # fmt: skip
    said = one_item_heavy(rows, entries)
    assert said[0].startswith("One feedback item makes 40 of the 100 complaint mentions (40%)")
    assert said[1] == "Half or more of a touchpoint's complaints come from one item: Staff & agents (40 of 45)."
    spread = [{"document_id": f"d{i}", "touchpoint": "delivery"} for i in range(60)]
    assert one_item_heavy(spread, entries[1:]) == []


def test_the_exact_test_gives_scipys_fisher_p_values():
    """Summed in numpy: scipy's fisher_exact took 23 of a period request's 29 ms (one test per pain point)."""
    import random

    from scipy.stats import fisher_exact

    from miner.report.trends import exact_test

    rng = random.Random(0)
    cases = [(0, 30, 0, 30), (1, 30, 3, 30), (5, 100, 0, 50), (30, 30, 0, 30), (3465, 15047, 3000, 15047)]
    cases += [(rng.randint(0, n1), n1, rng.randint(0, n2), n2) for n1, n2 in
              ((rng.randint(1, 300), rng.randint(1, 300)) for _ in range(300))]  # fmt: skip
    for x1, n1, x2, n2 in cases:
        for alternative, table in (("two-sided", [[x1, n1 - x1], [x2, n2 - x2]]),
                                   ("greater", [[x2, n2 - x2], [x1, n1 - x1]])):  # fmt: skip
            expected = fisher_exact(table, alternative=alternative).pvalue
            assert exact_test(x1, n1, x2, n2, alternative) == pytest.approx(expected, rel=1e-8, abs=1e-12)
