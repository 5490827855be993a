"""A market's read and item tables (`Market=DE`) are cut from the run's table of the column split by value
(miner/store/read_table.py `ColumnReads`), read once for all its values (those of two columns from their table split
by both), and count what a market's own read of its items counts, on the workspace of
tests/test_api_touchpoints_contract.py (three runs, odd dates, a market kept by most items)."""

from __future__ import annotations

from datetime import date

from miner.store import read_table as rt
from miner.store.breakdown import breakdown
from miner.store.filters import Filters
from miner.store.runs import find_run
from tests.test_api_perf_contract import mined  # noqa: F401  (the fixtures, for this module)
from tests.test_api_touchpoints_contract import workspace  # noqa: F401

KEPT = [
    (("Market", ("UK",)),),
    (("Market", ("DE", "FR")),),
    (("Market", ("nowhere",)),),
    (("Market", ("DE", "UK")), ("channel", ("chat",))),
]  # two columns: the items with both cut from their reads


def _counts(table: rt.ReadTable, kept: tuple) -> list:
    out = []
    for since, until, source in [(None, None, None), (date(2026, 1, 1), date(2026, 3, 31), None),
                                 (None, None, "survey.csv"), (date(2026, 3, 5), None, "reviews.csv")]:  # fmt: skip
        f = Filters(since, until, source, kept=kept)
        items = table.items
        out += [items.count(f), items.by_day(f), table.read_count(f), table.read_by_day(f), table.languages(f),
                table.languages(f, dated=True), items.edge_day(f), items.edge_day(f, last=False)]  # fmt: skip
    return out


def test_a_markets_tables_count_what_its_own_read_does(workspace):  # noqa: F811
    db, runs = workspace
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        for kept in KEPT:
            got = rt.read_table(db, run, kept)
            assert got is not None and rt.counted_items(db, run, kept) is got.items
            assert _counts(got, kept) == _counts(rt.build_read_table(db, run, kept), kept), (run_id, kept)


def test_a_columns_markets_read_its_items_once(workspace):  # noqa: F811
    db, runs = workspace
    run = find_run(db, run_id=runs[1])
    rt.read_table(db, run, (("Market", ("UK",)),))
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        table = rt.read_table(db, run, (("Market", ("DE",)),))
        other = rt.read_table(db, run, (("Market", ("FR",)),))
    finally:
        db.conn.set_trace_callback(None)
    assert table is not None and other is not None and table.items.count(Filters(kept=[("Market", "DE")])) > 0
    assert not [s for s in statements if "documents" in s], statements


def test_a_breakdown_by_the_column_reads_what_its_markets_tables_are_cut_from(workspace):  # noqa: F811
    """`GET /v1/breakdown?by=Market` and a later `where=Market=DE` read the run's items split by market once."""
    db, runs = workspace
    run = find_run(db, run_id=runs[0])
    for cache in (rt._tables, rt._by_column):  # no market's tables read yet
        cache._tables.clear()
    rows = {r["value"]: r["items"] for r in breakdown(db, run, Filters(), "Market")["rows"]}
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        table = rt.read_table(db, run, (("Market", ("DE",)),))
    finally:
        db.conn.set_trace_callback(None)
    assert table is not None and table.items.count(Filters(kept=[("Market", "DE")])) == rows["DE"] > 0
    assert not [s for s in statements if "documents" in s], statements
