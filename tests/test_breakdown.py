"""A rate per market: `top --by Market` gives each value of a kept column its items, those read, those with a
complaint and the rate over those read (the overview's), and `--where Market=UK` filters everything `top` shows. A
fashion retailer mining five markets in one file had the complaints per market in the export and no base, and was
told to mine one file per market (miner/store/breakdown.py). Fake embedder: plumbing, not quality."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from miner.cli import app
from miner.store.filters import Filters

# (market, brand, text): UK and US in English, DE all in German (read by nothing), FR small, two rows without a market
ROWS = [
    ("UK", "Northline", "I was charged twice for one order"),
    ("UK", "Northline", "The courier was two hours late and rude"),
    ("UK", "Southway", "Lovely staff and quick help"),
    ("UK", "Southway", "The app crashed when I tried to pay"),
    ("UK", "Northline", "The refund never arrived on my card"),
    ("US", "Northline", "The box arrived crushed and wet"),
    ("US", "Southway", "Great fit and fast delivery, very happy"),
    ("US", "Southway", "Beautiful colours and the size was right"),
    ("DE", "Northline", "Die Lieferung kam nicht an und niemand hat mir geantwortet"),
    ("DE", "Southway", "Die Jacke war zu klein und der Umtausch hat drei Wochen gedauert"),
    ("DE", "Northline", "Ich wurde zweimal für eine Bestellung belastet und keiner hilft mir"),
    ("FR", "Northline", "The website does not show the delivery charge"),
    ("", "Northline", "The packaging was torn open"),
    ("", "Southway", "Soft fabric and a quick exchange"),
]


@pytest.fixture
def retail(tmp_path, db, mini_taxonomy, fake_embedder, segmenter):
    """The retailer's file of four markets and two brands, mined; its path."""
    import csv

    from miner.pipeline import MineOptions, mine

    path = tmp_path / "retail.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "date", "text", "Market", "Brand"])
        for i, (market, brand, text) in enumerate(ROWS):
            writer.writerow([i, f"2026-03-{i + 1:02d}", text, market, brand])
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    return tmp_path / "t.db"


def _top(path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["top", "--db", str(path), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_by_market_gives_each_markets_base_and_its_rate_over_the_items_read(retail, db):
    from miner.report.model import build_report

    got = _top(retail, "--by", "Market")
    rows = {row["value"]: row for row in got["rows"]}
    assert [r["value"] for r in got["rows"]] == ["UK", "DE", "US", "FR", "(none)"]  # most items first, none last
    assert [rows[m]["items"] for m in ("UK", "DE", "US", "FR", "(none)")] == [5, 3, 3, 1, 2]
    assert (rows["DE"]["read_items"], rows["DE"]["unread_items"], rows["DE"]["read_complaint_rate"]) == (0, 3, None)
    assert rows["UK"]["read_items"] == 5 and rows["UK"]["complaint_items"] >= 3
    assert sum(r["items"] for r in got["rows"]) == got["items"] == len(ROWS)
    for market in ("UK", "US", "FR"):  # the rate is the overview's, of the market's report
        overview = build_report(db, Filters(kept=[("Market", market)]))["overview"]
        row = rows[market]
        assert (row["items"], row["read_items"]) == (overview["items"], overview["read_items"])
        assert row["read_complaint_items"] == overview["read_complaint_items"]
        assert row["read_complaint_rate"] == round(overview["read_complaint_rate"], 4)
    uk = rows["UK"]
    if uk["top_touchpoint"]:  # its top touchpoint is the one `top --where Market=UK` lists first
        first = _top(retail, "--where", "Market=UK")["touchpoints"][0]
        assert (uk["top_touchpoint"], uk["top_touchpoint_complaints"]) == (first["id"], first["complaints"])


def test_where_filters_everything_top_shows(retail, db):
    from miner.store.reads import JOIN

    got = _top(retail, "--where", "Market=UK", "--pain-points", "20")
    assert got["filter"] == "Market = UK" and got["items"] == 5 and got["read_items"] == 5
    sql = f"""SELECT a.touchpoint, COUNT(*) {JOIN} WHERE a.run_id = 1
              AND json_extract(d.meta, '$.Market') = 'UK' GROUP BY 1"""
    expected = {tp: n for tp, n in db.execute(sql) if tp != "none"}
    assert {tp["id"]: tp["complaints"] for tp in got["touchpoints"]} == expected
    quoted = {q["document_id"] for tp in got["touchpoints"] for p in tp["pain_points"] for q in p["examples"]}
    markets = {json.loads(db.execute("SELECT meta FROM documents WHERE id = ?", [d]).fetchone()[0])["Market"]
               for d in quoted}  # fmt: skip
    assert markets <= {"UK"}
    # a column's values are alternatives, columns all apply
    both = _top(retail, "--by", "Brand", "--where", "Market=UK", "--where", "Market=US", "--where", "Brand=Southway")
    assert [(r["value"], r["items"]) for r in both["rows"]] == [("Southway", 4)]
    assert both["filter"] == "Brand = Southway; Market = UK or US"


def test_a_german_market_is_no_happiest_market_in_the_table(retail):
    result = CliRunner().invoke(app, ["top", "--db", str(retail), "--by", "Market"])
    assert result.exit_code == 0, result.output
    de = next(line for line in result.output.splitlines() if "│ DE" in line)
    assert [cell.strip() for cell in de.split("│")[2:6]] == ["3", "0", "0", "-"]  # items, read, complained, rate
    assert "DE 3 of 3" in " ".join(result.output.split())
    csv_out = CliRunner().invoke(app, ["top", "--db", str(retail), "--by", "Market", "--format", "csv"]).output
    assert csv_out.startswith("value,group,values,items,read_items") and "\nDE,value,1,3,0,3," in csv_out


def test_values_beyond_the_shown_are_summed_as_other(retail, db, monkeypatch):
    from miner.store import breakdown
    from miner.store.runs import find_run

    monkeypatch.setattr(breakdown, "SHOWN_VALUES", 2)
    got = breakdown.breakdown(db, find_run(db), Filters(), "Market")
    assert [(r["value"], r["group"], r["values"], r["items"]) for r in got["rows"]] == [
        ("UK", "value", 1, 5), ("DE", "value", 1, 3), ("other", "other", 2, 4), ("(none)", "none", 0, 2)]  # fmt: skip
    assert got["values"] == 4 and got["items"] == len(ROWS)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--by", "Markt"], "unknown --by column 'Markt': the items kept Market, Brand"),
        (["--where", "Markt=UK"], "unknown --where column 'Markt': the items kept Market, Brand"),
        (["--where", "Market"], "--where 'Market' is not COLUMN=VALUE"),
        (["--where", "=UK"], "--where '=UK' is not COLUMN=VALUE"),
        (["--where", "Market=XX"], "no feedback matches Market = XX"),
        (["--by", "Market", "--touchpoint", "billing"], "--by counts the complaints of every touchpoint"),
        (["--by", 'Mark"et'], "--by 'Mark\"et': a column whose name holds a double quote cannot be read"),
    ],
)
def test_a_column_no_item_kept_or_a_malformed_where_is_refused_in_one_sentence(retail, args, said):
    result = CliRunner().invoke(app, ["top", "--db", str(retail), *args])
    assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output


def test_the_tables_in_memory_of_some_kept_values_count_as_the_sql(retail, db):
    """The run's index, item and read tables hold the whole run's items: a filter on a kept column reads tables of
    its matching items of their own, equal to the SQL; the whole run's refuses such a filter rather than ignore it."""
    from miner.store.index import run_index
    from miner.store.item_table import item_table
    from miner.store.reads import count_by, items_inside
    from miner.store.runs import find_run
    from miner.store.top import pain_point_counts
    from miner.store.unread import read_counts, read_items

    run = find_run(db)
    for f in (Filters(kept=[("Market", "UK")]), Filters(kept=[("Market", ["DE", "US"])], since="2026-03-07"),
              Filters(kept=[("Brand", "Southway")], source="retail.csv")):  # fmt: skip
        assert item_table(db, run, f.kept) is not None  # a file: the tables answer below
        fsql, params = f.sql()
        n = db.execute(f"SELECT COUNT(*) FROM documents d WHERE 1 = 1{fsql}", params).fetchone()[0]
        assert items_inside(db, run, f) == n > 0
        assert read_counts(db, run, f, n)["read_items"] == read_items(db, run, f)
        counts, total = pain_point_counts(db, run, f)
        assert counts == {k: v for k, v in count_by(db, run["id"], "a.pain_point_id", f).items() if k}
        assert total == sum(count_by(db, run["id"], "a.touchpoint", f).values())
    with pytest.raises(ValueError, match="kept values"):
        run_index(db, run).counts(Filters(kept=[("Market", "UK")]))


def test_a_previous_period_keeps_the_kept_values(retail, db):
    from miner.store.runs import find_run

    f = Filters("2026-03-08", "2026-03-14", kept=[("Market", "DE")])
    # DE ends on the 11th: a window of 4 days, against the 4 before (the whole file ends on the 14th)
    assert f.previous(db, find_run(db)) == Filters("2026-03-04", "2026-03-07", kept=[("Market", "DE")])


def test_report_and_export_take_where_as_top(retail, tmp_path):
    import csv

    out = tmp_path / "uk.csv"
    args = ["export", "--db", str(retail), "--table", "assignments", "--out", str(out), "--where", "Market=UK"]
    assert CliRunner().invoke(app, args).exit_code == 0
    with out.open(encoding="utf-8") as fh:
        markets = {row["Market"] for row in csv.DictReader(fh)}
    assert markets == {"UK"}
    report = tmp_path / "de.json"
    result = CliRunner().invoke(app, ["report", "--db", str(retail), "--out", str(report), "--where", "Market=DE"])
    assert result.exit_code == 0, result.output
    overview = json.loads(report.read_text(encoding="utf-8"))["overview"]
    assert (overview["items"], overview["read_items"], overview["unread_banner"]) == (3, 0, True)


def test_a_kept_value_is_matched_as_text_whatever_the_files_type_and_name():
    """A JSON file keeps 12 as a number, a CSV as "12"; a survey's tag column may be named `Touchpoint/Channel`."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE documents (meta TEXT)")
    metas = [{"Store": 12}, {"Store": "12"}, {"Store": 120}, {"Touchpoint/Channel": "App"}, {"a.b": "x"}, None]
    conn.executemany("INSERT INTO documents VALUES (?)", [[json.dumps(m) if m else None] for m in metas])

    def matched(*pairs: tuple[str, str]) -> int:
        fsql, params = Filters(kept=pairs).sql()
        return conn.execute(f"SELECT COUNT(*) FROM documents d WHERE 1 = 1{fsql}", params).fetchone()[0]

    assert (matched(("Store", "12")), matched(("Touchpoint/Channel", "App")), matched(("a.b", "x"))) == (2, 1, 1)
    assert matched(("Store", "12"), ("Store", "120")) == 3 and matched(("Store", "12"), ("a.b", "x")) == 0


def test_tables_of_kept_values_do_not_push_the_runs_own_out():
    from collections import OrderedDict

    from miner.store.item_table import trim

    cache = OrderedDict((("f", run, ()), run) for run in range(3))
    cache |= OrderedDict((("f", 0, (("Market", (m,)),)), m) for m in "ABCDE")
    dropped = trim(cache, runs=2, subsets=3)
    assert dropped == [("f", 0, ()), ("f", 0, (("Market", ("A",)),)), ("f", 0, (("Market", ("B",)),))]
    assert list(cache.values()) == [1, 2, "C", "D", "E"]


def test_the_column_table_in_memory_counts_as_the_sql(retail, db):
    """A breakdown sums the run's table of the column, built once: 3-10 s a request in SQL on the 1M-segment
    workspace. Inside any dates, sources and kept values it counts what the SQL counts."""
    from miner.store.column_table import column_table
    from miner.store.reads import JOIN
    from miner.store.runs import find_run

    run = find_run(db)
    assert column_table(db, run, "Market") is column_table(db, run, "Market")  # a file: kept in memory
    for f in (Filters(), Filters("2026-03-03", "2026-03-10"), Filters(source="retail.csv", kind="review"),
              Filters(until="2026-03-06", kept=[("Brand", "Northline")]), Filters(since="2027-01-01")):  # fmt: skip
        fsql, params = f.sql()
        value = "json_extract(d.meta, '$.Market')"
        items = dict(db.execute(f"SELECT {value}, COUNT(*) FROM documents d WHERE 1 = 1{fsql} GROUP BY 1", params))
        complained = dict(db.execute(f"""SELECT {value}, COUNT(DISTINCT d.id) FROM segment_results r
            JOIN segments s ON s.id = r.segment_id JOIN documents d ON d.id = s.document_id
            WHERE r.complaint = 1{fsql} GROUP BY 1""", params))  # fmt: skip
        sql = f"SELECT {value}, a.touchpoint, COUNT(*) {JOIN} WHERE a.touchpoint != 'none'{fsql} GROUP BY 1, 2"
        mentions = {(v, tp): n for v, tp, n in db.execute(sql, params)}
        got = column_table(db, run, "Market", f.kept).tallies(f)
        assert {v: t.items for v, t in got.items()} == items
        assert {v: t.complained for v, t in got.items() if t.complained} == complained
        assert {(v, tp): n for v, t in got.items() for tp, n in t.touchpoints.items()} == mentions
