"""The run index of a market (`Filters.kept`) is cut from the run's own index's rows (miner/store/index_rows.py), not
read again over the join, and answers what the SQL answers: counts, totals, touchpoints, quotes and items per pain
point, on the workspace of tests/test_api_touchpoints_contract.py (three runs, odd dates, a market kept by most
items), in both count layouts."""

from __future__ import annotations

import json
from datetime import date

import pytest

from miner.store import index as ri
from miner.store.column_table import column_table
from miner.store.filters import DOCUMENT_VALUE, Filters, kept_path
from miner.store.reads import JOIN, count_by, total_complaints
from miner.store.runs import find_run
from miner.touchpoints.taxonomy import NONE
from tests.test_api_perf_contract import mined  # noqa: F401  (the fixtures, for this module)
from tests.test_api_touchpoints_contract import workspace  # noqa: F401

KEPT = [(), (("Market", ("UK",)),), (("Market", ("DE", "FR")),), (("Market", ("nowhere",)),)]


def _filters(kept: tuple) -> list[Filters]:
    days = [(None, None), (date(2026, 1, 1), date(2026, 3, 31)), (date(2026, 3, 5), None), (None, date(2026, 3, 4))]
    out = [Filters(since, until, kept=kept) for since, until in days]
    return out + [Filters(source="survey.csv", kept=kept), Filters(kind="review", kept=kept),
                  Filters(date(2026, 1, 1), None, "reviews.csv", "review", kept=kept)]  # fmt: skip


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "binary-search"])
def test_a_markets_index_answers_what_the_sql_does(workspace, monkeypatch, dense):  # noqa: F811
    db, runs = workspace
    monkeypatch.setattr(ri, "DENSE_CELLS", ri.DENSE_CELLS if dense else 0)
    ri.clear()
    checked = 0
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        points = list(db.query("SELECT id, representatives FROM pain_points WHERE run_id = ?", [run_id]))
        for kept in KEPT:
            index = ri.run_index(db, run, kept)
            assert (index.below is not None) == (dense or not len(index.key_point)) and index.kept == kept
            for f in _filters(kept):
                expected = count_by(db, run_id, "a.pain_point_id", f, " AND a.pain_point_id IS NOT NULL")
                assert index.counts(f) == (expected, total_complaints(db, run_id, f)), (run_id, f)
                assert index.touchpoint_counts(f) == count_by(db, run_id, "a.touchpoint", f), (run_id, f)
                fsql, fparams = f.sql()
                sql = f"SELECT a.pain_point_id, COUNT(DISTINCT s.document_id) {JOIN} WHERE a.run_id = ?{fsql}"
                sql += " GROUP BY 1"
                items = dict(db.execute(sql, [run_id, *fparams]).fetchall())
                known = {p["id"] for p in points}  # ids the run's pain points lack count in the totals only
                assert index.all_documents(f) == {p: n for p, n in items.items() if p in known}, (run_id, f)
                for p in points:
                    sql = f"SELECT s.id {JOIN} WHERE a.run_id = ? AND a.pain_point_id = ?{fsql}"
                    sql += " ORDER BY a.score DESC, s.id"
                    quotes = [r[0] for r in db.execute(sql, [run_id, p["id"], *fparams])]
                    assert index.top_segments(p["id"], f, 10**6) == quotes, (run_id, p["id"], f)
                    reps = json.loads(p["representatives"] or "[]")
                    inside, _ = index.segments_inside(p["id"], reps, f)
                    assert inside == set(reps) & set(quotes), (run_id, p["id"], f)
                    checked += bool(kept) and bool(quotes)
    assert checked > 50
    ri.clear()


def test_a_markets_index_reads_no_complaint_again(workspace):  # noqa: F811
    """Once the run's own index is in memory, a market's reads the matching items' ids and nothing of the join."""
    db, runs = workspace
    run = find_run(db, run_id=runs[0])
    ri.clear()
    ri.run_index(db, run)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        index = ri.run_index(db, run, (("Market", ("UK",)),))
    finally:
        db.conn.set_trace_callback(None)
    assert index.counts(Filters(kept=[("Market", "UK")]))[1] > 0
    assert statements and not [s for s in statements if "assignments" in s], statements
    ri.clear()


def test_a_columns_second_market_reads_nothing(workspace):  # noqa: F811
    """The items' values of a column are read once per run: the next market's index is a mask, no read at all."""
    db, runs = workspace
    run = find_run(db, run_id=runs[1])
    ri.clear()
    ri.run_index(db, run, (("Market", ("UK",)),))
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        index = ri.run_index(db, run, (("Market", ("DE", "FR")),))
    finally:
        db.conn.set_trace_callback(None)
    assert index.counts(Filters(kept=[("Market", ["DE", "FR"])]))[1] > 0
    assert not [s for s in statements if "documents" in s], statements
    ri.clear()


def test_a_breakdowns_touchpoints_come_from_the_runs_index(workspace):  # noqa: F811
    """`GET /v1/breakdown`'s complaint mentions per value and touchpoint are counted from the run index's rows (no
    join over the run's assignments again) and equal the SQL's, inside filters and kept values."""
    db, runs = workspace
    ri.clear()
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        ri.run_index(db, run)
        for column, kept in (("Market", ()), ("Market", (("Market", ("DE", "FR")),)), ("channel", KEPT[1])):
            statements: list[str] = []
            db.conn.set_trace_callback(statements.append)
            try:
                table = column_table(db, run, column, kept)
            finally:
                db.conn.set_trace_callback(None)
            assert not [s for s in statements if "assignments" in s], statements
            for f in _filters(kept):
                fsql, fparams = f.sql()
                sql = f"""SELECT {DOCUMENT_VALUE}, a.touchpoint, COUNT(*) {JOIN}
                          WHERE a.run_id = ? AND a.touchpoint != ?{fsql} GROUP BY 1, 2"""
                expected: dict = {}
                for value, touchpoint, n in db.execute(sql, [kept_path(column), run_id, NONE, *fparams]):
                    expected.setdefault(value, {})[touchpoint] = n
                got = {v: dict(t.touchpoints) for v, t in table.tallies(f).items() if t.touchpoints}
                assert got == expected, (run_id, column, f)
    ri.clear()
