"""A run's denominators and period bounds are the items it analysed: run 1 of 99 items (33 a month, January to
March) read after a second run on 6 more gave March 38 items against February's 34 (its rate 10/38, not 10/33), and
the latest run counted an import no run had analysed yet (fake embedder: plumbing only)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from api.queries.pain_points import pain_points
from api.queries.trends import trends
from miner.pipeline import MineOptions, import_paths, mine
from miner.report.top import top_pain_points
from miner.store.erasure import forget_files
from miner.store.filters import Filters, last_day
from miner.store.reads import daily_items, items_inside
from miner.store.report import load_run_data
from miner.store.runs import find_run
from tests.conftest import COMPLAINTS

MARCH = Filters("2026-03-01", "2026-03-31")


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A review export: (id, date) rows, each a one-star complaint."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "date", "rating", "review"])
        for i, (rid, day) in enumerate(rows):
            w.writerow([rid, day, 1, f"{COMPLAINTS[i % len(COMPLAINTS)]}, order {rid} was awful."])
    return path


def _months(tmp_path: Path) -> Path:
    """99 reviews, 33 a month from January to March 2026; March's last on the 31st."""
    last = {1: 31, 2: 28, 3: 31}
    rows = [(f"R{m}-{i}", f"2026-{m:02d}-{min(i + 1, last[m]):02d}") for m in (1, 2, 3) for i in range(33)]
    return _write(tmp_path / "reviews.csv", rows)


# 6 more: one in February, four in March, one in April (past run 1's last day)
MORE = [("M1", "2026-02-10"), ("M2", "2026-03-10"), ("M3", "2026-03-11"), ("M4", "2026-03-12"),
        ("M5", "2026-03-13"), ("M6", "2026-04-02")]  # fmt: skip


@pytest.fixture
def options(mini_taxonomy, fake_embedder, segmenter):
    return MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)


@pytest.fixture(params=[False, True], ids=["full", "incremental"])
def two_runs(request, db, tmp_path, options):
    """Run 1 on the 99 reviews, run 2 (full or incremental) on them and 6 more."""
    _, first = mine(db, [_months(tmp_path)], options)
    options.incremental = request.param
    _, second = mine(db, [_write(tmp_path / "more.csv", MORE)], options)
    assert db["runs"].get(second)["mode"] == ("incremental" if request.param else "full")
    return db, find_run(db, first), find_run(db, second)


def _reads(db, run: dict) -> dict:
    """Every denominator and period bound a read of `run` takes, over March and its month before."""
    answer = pain_points(db, run, MARCH, limit=1)
    trend = answer["pain_points"][0]["trend"]
    open_ended = pain_points(db, run, Filters("2026-03-01"), limit=1)["period"]
    return {
        "items": items_inside(db, run, MARCH),
        "all": items_inside(db, run, Filters()),
        "days": sum(daily_items(db, run, MARCH).values()),
        "last_day": last_day(db, None, run),
        "previous": MARCH.previous(db, run),
        "open_previous": (open_ended["previous_since"], open_ended["previous_until"]),
        "total_items": answer["total_items"],
        "trend": (trend["items"], trend["previous_items"]),
        "monthly": trends(db, run, Filters())["items"],
        "top": top_pain_points(db, run_id=run["id"], filters=MARCH)["items"],
        "report": len(load_run_data(db, MARCH, run["id"]).documents),
    }


def test_an_older_run_reads_the_items_it_analysed(two_runs):
    db, first, second = two_runs
    feb = Filters("2026-02-01", "2026-02-28")
    assert first["documents"] == 99 and second["documents"] == 105
    assert _reads(db, first) == {
        "items": 33, "all": 99, "days": 33, "last_day": date(2026, 3, 31), "previous": feb,
        "open_previous": (date(2026, 2, 1), date(2026, 2, 28)),  # not the 33 days before an April 2nd it never read
        "total_items": 33, "trend": (33, 33), "monthly": [33, 33, 33], "top": 33, "report": 33,
    }  # fmt: skip
    assert _reads(db, second) == {
        "items": 37, "all": 105, "days": 37, "last_day": date(2026, 4, 2), "previous": feb,
        "open_previous": (date(2026, 1, 27), date(2026, 2, 28)),  # March 1st to April 2nd: 33 days before
        "total_items": 37, "trend": (37, 34), "monthly": [33, 34, 37, 1], "top": 37, "report": 37,
    }  # fmt: skip


def test_an_import_no_run_analysed_is_in_no_run(two_runs, tmp_path, options):
    """What a cancelled run, or a `mine` that crashed after its import, stored: in no run's reads until one runs."""
    db, first, second = two_runs
    before = {run["id"]: _reads(db, run) for run in (first, second)}
    import_paths(db, [_write(tmp_path / "pending.csv", [("P1", "2026-03-20"), ("P2", "2026-04-20")])], options)
    assert db["documents"].count == 107
    assert {run["id"]: _reads(db, run) for run in (first, second)} == before
    assert top_pain_points(db, filters=MARCH)["items"] == 37  # the latest run's, with no run named


def test_a_deleted_newest_import_gives_its_id_to_no_later_one(two_runs, tmp_path, options):
    """SQLite numbers a new import past the largest id stored: with the newest dataset deleted, the next import took
    its number, and run 2, which had read the deleted one, counted the new one's items."""
    db, first, second = two_runs
    forget_files(db, [str(tmp_path / "more.csv")])
    second = find_run(db, second["id"])
    assert items_inside(db, second, Filters()) == 99 == items_inside(db, first, Filters())
    import_paths(db, [_write(tmp_path / "later.csv", [("L1", "2026-03-20"), ("L2", "2026-03-21")])], options)
    assert items_inside(db, second, MARCH) == 33 == items_inside(db, first, MARCH)
    assert db.execute("SELECT max(id) FROM imports").fetchone()[0] > second["last_import"]


def test_a_runs_items_are_counted_from_the_date_index_alone(two_runs):
    """The bound on the run's imports is in the date index (m012), so a window's items are read from it, never from
    the documents' rows, which hold their texts."""
    db, first, _ = two_runs
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        items_inside(db, first, MARCH), items_inside(db, first, Filters()), daily_items(db, first, MARCH)
        last_day(db, MARCH, first)
    finally:
        db.conn.set_trace_callback(None)
    reads = [sql for sql in statements if "FROM documents" in sql]
    # items_inside, daily_items and last_day from the run's table: one read, then memory
    assert len(reads) == 1, statements
    for sql in reads:
        plan = " ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX idx_documents_date_import" in plan, (sql, plan)
