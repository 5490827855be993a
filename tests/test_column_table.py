"""A breakdown's table of a column (miner/store/column_table.py) counts what the SQL counts: its items and those read
from the run's `ColumnReads` of the column and the kept ones, its items with a complaint, those read and the
complaint mentions from the run index's rows, by a column alone, inside another column's values (`where=` with
`by=`) and inside two columns' values, over a grid of dates, sources and kinds, on the workspace of
tests/test_api_touchpoints_contract.py (three runs, an incremental one, odd dates, a market kept by most items) with
some items in another language."""

from __future__ import annotations

import pytest

from miner.store import index as ri
from miner.store import read_table as rt
from miner.store.column_table import column_table
from miner.store.filters import DOCUMENT_VALUE, Filters, kept_path, run_items
from miner.store.read_table import READ_SQL
from miner.store.reads import JOIN
from miner.store.runs import find_run
from miner.touchpoints.taxonomy import NONE
from tests.test_api_perf_contract import mined  # noqa: F401  (the fixtures, for this module)
from tests.test_api_touchpoints_contract import workspace  # noqa: F401
from tests.test_index_rows import _filters

MARKET, CHAT = ("Market", ("DE", "FR")), ("channel", ("chat",))
TABLES = [("Market", ()), ("Market", (("Market", ("UK",)),)), ("channel", (MARKET,)), ("Market", (CHAT,)),
          ("Market", (MARKET, CHAT)), ("channel", (("Market", ("nowhere",)),))]  # fmt: skip


@pytest.fixture(scope="module")
def languages(workspace):  # noqa: F811
    """The workspace with some items, complaints among them, in another language: not read."""
    db, runs = workspace
    with db.atomic():
        db.execute("UPDATE documents SET meta = json_set(coalesce(meta, '{}'), '$.language', 'de') WHERE rowid % 4 = 1")
    ri.clear()
    return db, runs


def _sql(db, run: dict, column: str, f: Filters) -> dict:
    """Per value of `column` inside the filters: items, those read, items with a complaint, those read, and the
    complaint mentions per touchpoint (the unmapped aside), in SQL, as the breakdown counted them before."""
    fsql, params = f.sql()
    rsql, rparams = run_items(run)
    path = kept_path(column)
    out: dict = {}
    sql = f"SELECT {DOCUMENT_VALUE}, COUNT(*), SUM({READ_SQL}) FROM documents d WHERE 1 = 1{fsql}{rsql} GROUP BY 1"
    for value, items, read in db.execute(sql, [path, *params, *rparams]):
        out[value] = [items, read, 0, 0, {}]
    sql = f"""SELECT {DOCUMENT_VALUE}, COUNT(DISTINCT d.id), COUNT(DISTINCT CASE WHEN {READ_SQL} THEN d.id END)
              FROM segment_results r JOIN segments s ON s.id = r.segment_id JOIN documents d ON d.id = s.document_id
              WHERE r.run_id = ? AND r.complaint = 1{fsql} GROUP BY 1"""
    for value, complained, read in db.execute(sql, [path, run["id"], *params]):
        out.setdefault(value, [0, 0, 0, 0, {}])[2:4] = [complained, read]
    sql = f"SELECT {DOCUMENT_VALUE}, a.touchpoint, COUNT(*) {JOIN} WHERE a.run_id = ? AND a.touchpoint != ?{fsql}"
    for value, touchpoint, n in db.execute(sql + " GROUP BY 1, 2", [path, run["id"], NONE, *params]):
        out.setdefault(value, [0, 0, 0, 0, {}])[4][touchpoint] = n
    return out


def test_a_columns_table_counts_what_the_sql_does(languages):
    db, runs = languages
    checked = 0
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        for column, kept in TABLES:
            table = column_table(db, run, column, kept)
            for f in _filters(kept):
                got = {v: [t.items, t.read, t.complained, t.read_complained, dict(t.touchpoints)]
                       for v, t in table.tallies(f).items()}  # fmt: skip
                assert got == _sql(db, run, column, f), (run_id, column, f)
                checked += sum(t[2] > t[3] > 0 for t in got.values())  # complaints read and not, both counted
    assert checked > 50


def test_a_breakdown_reads_no_complaint_and_its_next_markets_nothing(languages):
    """With the run's index in memory, a breakdown reads no complaint (its items with a complaint counted in SQL took
    1.2-1.8 s on 1M segments), and one inside the next market of its kept column reads nothing at all; nor does the
    read table of the next values of two columns (`where=Market=FR&where=response_id=P0`)."""
    db, runs = languages
    run = find_run(db, run_id=runs[0])
    ri.run_index(db, run)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        column_table(db, run, "response_id", (("Market", ("UK",)),))  # a column no other test here reads
        assert [s for s in statements if "documents" in s], statements
        assert not [s for s in statements if "segment_results" in s or "assignments" in s], statements
        statements.clear()
        table = column_table(db, run, "response_id", (("Market", ("DE",)),))
        assert not [s for s in statements if "documents" in s], statements
        rt.read_table(db, run, (("Market", ("UK",)), ("response_id", ("P1",))))
        statements.clear()
        two = Filters(kept=[("Market", "FR"), ("response_id", ["P0", "P3", "P6"])])
        read = rt.read_table(db, run, two.kept)
    finally:
        db.conn.set_trace_callback(None)
    assert not [s for s in statements if "documents" in s], statements
    assert table.tallies(Filters(kept=[("Market", "DE")])) and read is not None
    assert read.items.count(two) == rt.build_read_table(db, run, two.kept).items.count(two) > 0
