"""`GET /v1/touchpoints`, `/v1/touchpoints/{id}` and `/v1/trends` count from memory (the run's index with its table
per touchpoint and item, miner/store/touchpoint_items.py; the run's respondents, miner/report/respondent_table.py)
and answer exactly what the SQL they ran per request answers (3-4 s and 4-5 s a request on 1M segments), on the
small database the real pipeline wrote for tests/test_api_perf_contract.py (three runs, odd dates), with kept
columns, survey respondents whose answers span files, kinds and markets, re-exported answers, scores of respondents
who wrote nothing and NPS answers added, over a grid of filters. No timings here."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from api.queries.common import run_public
from api.queries.touchpoints import touchpoint, touchpoints
from api.queries.trends import trends
from miner.report.model import trend_span
from miner.report.nps import nps_trend
from miner.report.rating_trend import rating_trend
from miner.report.respondent_table import build_respondent_table
from miner.report.respondents import group
from miner.report.trends import partial_first_period, partial_period, period_of, period_range
from miner.store import index as ri
from miner.store.filters import Filters, run_items
from miner.store.reads import JOIN, count_by, total_complaints, touchpoint_documents
from miner.store.report import load_documents
from miner.store.runs import find_run, run_taxonomy
from miner.store.scores import load_silent
from miner.store.unread import read_by_day
from miner.touchpoints.taxonomy import NONE
from tests.test_api_perf_contract import _filters, mined  # noqa: F401  (the fixture, for this module)

MARKETS = ("DE", "FR", "UK")


@pytest.fixture(scope="module")
def workspace(mined):  # noqa: F811
    """`mined`, with a market kept by most items; respondents of two answers in two files (other kinds, other
    markets, the same question answered again in a later file), NPS answers, and scores of respondents who wrote
    nothing (some of a respondent with answers, some undated, most of a market)."""
    db, runs = mined
    with db.atomic():
        db.execute("""UPDATE documents SET meta = json_set(coalesce(meta, '{}'), '$.Market',
                      CASE rowid % 3 WHEN 0 THEN 'DE' WHEN 1 THEN 'FR' ELSE 'UK' END) WHERE rowid % 7 != 0""")
        db.execute("""UPDATE documents SET rating_scale = 'nps', rating_raw = rowid % 11, rating = (rowid % 11) / 10.0
                      WHERE rowid % 5 = 0 AND source = 'reviews.csv'""")
        pairs = db.execute("""SELECT a.id, b.id FROM documents a JOIN documents b
                              ON substr(a.date, 1, 10) = substr(b.date, 1, 10) AND a.source < b.source
                              WHERE a.date IS NOT NULL AND a.date != '' GROUP BY a.id""").fetchall()
        assert len(pairs) > 20
        for n, (a, b) in enumerate(pairs):
            sql = "UPDATE documents SET meta = json_set(coalesce(meta, '{}'), '$.response_id', ?) WHERE id IN (?, ?)"
            db.execute(sql, [f"P{n}", a, b])
            if n % 4 == 0:  # the same answer in a later file: its file's version counts
                db.execute("UPDATE documents SET source_id = 'Q1' WHERE id IN (?, ?)", [a, b])
        survey = db.execute("SELECT import_id FROM documents WHERE source = 'survey.csv' LIMIT 1").fetchone()[0]
        days = [d for (d,) in db.execute("SELECT DISTINCT substr(date, 1, 10) FROM documents WHERE source = "
                                         "'survey.csv' AND date IS NOT NULL ORDER BY 1")]  # fmt: skip
        for n, day in enumerate(days[:: max(1, len(days) // 30)]):
            rid = f"P{n}" if n % 3 == 0 else f"silent{n}"
            scale, raw = ("nps", n % 11) if n % 2 else ("csat5", 1 + n % 5)
            market = json.dumps({"Market": MARKETS[n % 3]}) if n % 4 != 3 else None  # some stored before markets
            db.execute("""INSERT INTO silent_scores (id, import_id, source, kind, response_id, date, rating, rating_raw,
                          rating_scale, meta) VALUES (?, ?, 'survey.csv', 'survey', ?, ?, ?, ?, ?, ?)""",
                       [f"s{n}", survey, rid, None if n % 10 == 9 else day, raw / 10, raw, scale, market])  # fmt: skip
    ri.clear()
    yield db, runs
    ri.clear()


def _grid(db) -> list[Filters]:
    uk, two = [("Market", "UK")], [("Market", ["DE", "FR"])]
    out = _filters(db)
    out += [Filters(kept=uk), Filters(kept=two), Filters(date(2026, 1, 1), date(2026, 3, 31), kept=two),
            Filters(source="survey.csv", kept=uk), Filters(kind="review", kept=[("Market", "DE")]),
            Filters(kept=[("Market", "nowhere")])]  # fmt: skip
    return out


def test_counts_per_touchpoint_item_sub_touchpoint_and_day_equal_the_direct_sql(workspace):
    db, runs = workspace
    checked = 0
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        for f in _grid(db):
            index = ri.run_index(db, run, f.kept)
            inside = index.touchpoint_items(f)
            assert inside.documents() == touchpoint_documents(db, run_id, f), (run_id, f)
            days = {day: i for i, day in enumerate(index.days)}  # a period per day: the SQL's rows as they are
            mentions, documents = inside.per_period(days.get, len(days))
            for row in _daily_counts(db, run_id, f):
                tp, at = row["touchpoint"], days[row["day"]]
                assert (mentions[tp][at], documents[tp][at]) == (row["mentions"], row["documents"]), (run_id, f)
                mentions[tp][at] = documents[tp][at] = 0
            assert not any(n for per_day in [*mentions.values(), *documents.values()] for n in per_day), (run_id, f)
            for tp in [*index.touchpoint_ids, "nope"]:
                expected = count_by(db, run_id, "a.subtouchpoint", f, " AND a.touchpoint = ?", [tp])
                assert inside.subtouchpoints(tp) == expected, (run_id, f, tp)
                checked += bool(expected)
    assert checked > 100


def test_touchpoint_answers_equal_the_direct_sql(workspace):
    db, runs = workspace
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        taxonomy = run_taxonomy(run)
        for f in _grid(db)[::2]:
            counts, total = count_by(db, run_id, "a.touchpoint", f), total_complaints(db, run_id, f)
            docs = touchpoint_documents(db, run_id, f)
            got = touchpoints(db, run, taxonomy, f)
            assert got["total_complaints"] == total, (run_id, f)
            for entry in [*got["touchpoints"], got["unmapped"]]:
                n = counts.get(entry["id"], 0)
                assert (entry["complaints"], entry["documents"]) == (n, docs.get(entry["id"], 0)), (run_id, f)
                assert entry["share"] == (round(n / total, 4) if total else 0.0)
            assert [e["id"] for e in got["touchpoints"]] == sorted(
                (t.id for t in taxonomy.touchpoints), key=lambda t: (-counts.get(t, 0), t)
            )
            for tp in [t.id for t in taxonomy.touchpoints[:6]] + [NONE]:
                one = touchpoint(db, run, taxonomy, tp, f)
                subs = count_by(db, run_id, "a.subtouchpoint", f, " AND a.touchpoint = ?", [tp])
                n = counts.get(tp, 0)
                assert (one["complaints"], one["documents"]) == (n, docs.get(tp, 0)), (run_id, f, tp)
                assert one["subtouchpoints"] == [_sub(c, subs, n) for c in one["subtouchpoints"]], (run_id, f, tp)


def test_trends_equal_the_direct_sql(workspace):
    db, runs = workspace
    answered = split = 0
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        for f in _grid(db):
            for unit in ("month", "week"):
                expected, got = _outcome(_reference_trends, db, run, f, unit), _outcome(trends, db, run, f, unit)
                assert got == expected, (run_id, f, unit)
                answered += got[0] == "answer" and bool(got[1]["ratings"]) and bool(got[1]["nps"])
        table = build_respondent_table(db, run)
        split += sum(len(set(s.tolist())) > 1 for s in np.split(table.answers["source"], table.offset[1:-1]))
    assert answered > 50 and split > 20  # answers with ratings and NPS; respondents a source filter splits


def test_a_markets_trend_reads_the_runs_respondents_not_its_own(workspace):
    """A market's ratings and NPS come from the run's respondent table in memory and a mask over its items (the
    equality with the SQL: test_trends_equal_the_direct_sql's kept filters), not from its items read and made into
    respondents again."""
    db, runs = workspace
    run = find_run(db, run_id=runs[0])
    trends(db, run, Filters())  # the run's own tables, as the job that made the run builds them
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        got = trends(db, run, Filters(kept=[("Market", "UK")]))
    finally:
        db.conn.set_trace_callback(None)
    assert got["ratings"] and not [s for s in statements if "d.rating" in s], statements


def _outcome(answer, *args) -> tuple:
    """An answer, or the error it raised: a run with undated or odd dates ('', '05/03/2026') has none for some
    filters, either way."""
    try:
        return "answer", answer(*args)
    except ValueError as err:
        return "error", str(err)


def _sub(child: dict, counts: dict, parent: int) -> dict:
    """A sub-touchpoint of an answer counted from the SQL's counts, its own subs included."""
    ids = [child["id"], *_ids(child["subtouchpoints"])]
    n = sum(counts.get(i, 0) for i in ids)
    return {**child, "complaints": n, "share": round(n / parent, 4) if parent else 0.0,
            "subtouchpoints": [_sub(c, counts, parent) for c in child["subtouchpoints"]]}  # fmt: skip


def _ids(children: list[dict]) -> list[str]:
    return [i for c in children for i in (c["id"], *_ids(c["subtouchpoints"]))]


def _daily_counts(db, run_id: int, filters: Filters) -> list[dict]:
    """Per day and touchpoint the complaints and the items with one, dated items only: the SQL `GET /v1/trends`
    ran per request before the run's index held them."""
    fsql, fparams = filters.sql()
    sql = f"""SELECT substr(d.date, 1, 10) AS day, a.touchpoint AS touchpoint, COUNT(*) AS mentions,
                     COUNT(DISTINCT d.id) AS documents
              {JOIN} WHERE a.run_id = ? AND d.date IS NOT NULL{fsql} GROUP BY 1, 2"""
    return list(db.query(sql, [run_id, *fparams]))


def _reference_trends(db, run: dict, filters: Filters, period: str) -> dict:
    """`GET /v1/trends` as it read everything in SQL per request: its items per day, its counts per day and
    touchpoint, and its documents and scores grouped into respondents."""
    fsql, fparams = filters.sql()
    rsql, rparams = run_items(run)
    sql = f"""SELECT substr(d.date, 1, 10) AS day, COUNT(*) AS n FROM documents d
              WHERE d.date IS NOT NULL{fsql}{rsql} GROUP BY 1"""
    items_by_day = {r["day"]: r["n"] for r in db.query(sql, [*fparams, *rparams])}
    base = {"run": run_public(run), "period": period, "periods": [], "items": [], "read_items": [], "unread_items": [],
            "unread_languages": None, "touchpoints": [], "partial": None, "partial_first": None, "ratings": [],
            "rating_range": None, "nps": []}  # fmt: skip
    if not items_by_day:
        return base
    first, last = trend_span(db, run, filters, min(items_by_day), max(items_by_day))
    periods = period_range(first, last, period)
    position = {p: i for i, p in enumerate(periods)}
    read_days, languages = read_by_day(db, run, filters)
    items, read = [0] * len(periods), [0] * len(periods)
    for per_day, per_period in ((items_by_day, items), (read_days, read)):
        for day, n in per_day.items():
            if (i := position.get(period_of(day, period))) is not None:
                per_period[i] += n
    mentions: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    documents: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    for row in _daily_counts(db, run["id"], filters):
        if (i := position.get(period_of(row["day"], period))) is not None:
            mentions[row["touchpoint"]][i] += row["mentions"]
            documents[row["touchpoint"]][i] += row["documents"]
    names = {tp.id: tp.name for tp in run_taxonomy(run).touchpoints} | {NONE: "No touchpoint (none)"}
    order = sorted(mentions, key=lambda t: (-sum(mentions[t]), t))
    respondents = group(load_documents(db, filters, run) | load_silent(db, filters, run))
    return (
        base
        | rating_trend(respondents, periods, period)
        | {
            "nps": nps_trend(respondents, periods, period),
            "periods": periods,
            "items": items,
            "read_items": read,
            "unread_items": [n - r for n, r in zip(items, read, strict=True)],
            "unread_languages": languages,
            "partial": partial_period(last, period) if len(periods) >= 2 else None,
            "partial_first": partial_first_period(first, period) if len(periods) >= 2 else None,
            "touchpoints": [
                {"id": t, "name": names.get(t, t), "complaints": mentions[t], "documents": documents[t]} for t in order
            ],
        }
    )


def test_the_fixture_holds_what_it_says(workspace):
    db, _ = workspace
    markets = {json.loads(m or "{}").get("Market") for (m,) in db.execute("SELECT meta FROM documents")}
    assert markets == {*MARKETS, None}
    assert db.execute("SELECT count(*) FROM silent_scores WHERE date IS NULL").fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM silent_scores WHERE json_extract(meta, '$.Market') = 'UK'").fetchone()[0]


def test_a_second_request_reads_no_assignment_nor_item(workspace):
    """Once the run's tables are in memory, the three routes read neither its assignments nor its items again: in
    SQL per request they took 3-4 s (touchpoints) and 2-8 s (trends) on the 1M-segment workspace."""
    db, runs = workspace
    run = find_run(db, run_id=runs[0])
    taxonomy = run_taxonomy(run)

    def answers(f: Filters) -> list[dict]:
        return [touchpoints(db, run, taxonomy, f), touchpoint(db, run, taxonomy, "delivery", f),
                trends(db, run, f, "month"), trends(db, run, f, "week")]  # fmt: skip

    for f in (Filters(), Filters(date(2026, 1, 1), date(2026, 3, 31), "survey.csv"), Filters(kept=[("Market", "UK")])):
        first = answers(f)
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        try:
            again = answers(f)
        finally:
            db.conn.set_trace_callback(None)
        assert again == first
        assert not [s for s in statements if "assignments" in s or "documents" in s or "silent_scores" in s], statements
