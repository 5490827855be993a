"""The fast path of `GET /v1/pain-points` (the run's in-memory index, miner/store/index.py) answers exactly what
the direct SQL over assignments JOIN segments JOIN documents answers, on a small database the real pipeline wrote
(fake embedder): counts, totals, trends and quotes, for every filter, on a full and an incremental run, with
dates that are plain days, times with offsets, missing or not ISO at all. No timings here: `make bench-api`."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from datetime import date

import pytest

from api.queries.common import with_dates
from api.queries.pain_points import cut_note, end_note, pain_points
from api.queries.pain_points import trend as _trend
from api.testing import ROOT
from miner.pipeline import MineOptions, mine
from miner.report.trends import change, correct
from miner.store import index as ri
from miner.store.documents import begin_import
from miner.store.filters import Filters
from miner.store.reads import JOIN, count_by, quote_rows, total_complaints
from miner.store.runs import find_run, run_taxonomy
from miner.store.top import matches as _matches
from miner.touchpoints import load_taxonomy

CORPUS = ROOT / "corpora" / "food_delivery"
ODD_DATES = ["2026-03-05", "2026-03-05T23:30:00+05:00", "05/03/2026", "2026-03", "", None]
COMPLAINTS = ["I was charged twice for my order", "the website does not show the delivery charge",
              "the box arrived crushed and wet", "the refund never arrived on my card"]  # fmt: skip


@pytest.fixture(scope="module")
def mined(tmp_path_factory, segmenter):
    from miner.embed.fake import HashingEmbedder
    from miner.store import open_db

    tmp = tmp_path_factory.mktemp("contract")
    db = open_db(tmp / "w.db")
    options = MineOptions(taxonomy=load_taxonomy(), embedder=HashingEmbedder(dim=128), segmenter=segmenter,
                          redact_pii=False)  # fmt: skip
    _, full = mine(db, [CORPUS / "reviews.csv", CORPUS / "survey.csv", CORPUS / "chats.jsonl"], options)
    # Documents with dates ingest never writes, stored directly, and a file without dates: the nightly run maps them.
    with db.atomic():
        odd = begin_import(db, CORPUS / "reviews.csv", stored_as=tmp / "odd.csv")
        for i, day in enumerate(ODD_DATES * 2):
            doc = f"odd{i}"
            text = f"{COMPLAINTS[i % len(COMPLAINTS)]}, order {i} was awful."
            db.execute("INSERT INTO documents (id, import_id, source, kind, text, date) VALUES (?, ?, 'odd.csv', "
                       "'review', ?, ?)", [doc, odd, text, day])  # fmt: skip
            db.execute(
                'INSERT INTO segments (document_id, idx, text, hash, start, "end") VALUES (?, 0, ?, ?, 0, ?)',
                [doc, text, hashlib.sha1(text.encode()).hexdigest(), len(text)],
            )
    undated = tmp / "undated.csv"
    with undated.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "rating", "review"])
        for i in range(12):
            w.writerow([f"U{i}", 1, f"{COMPLAINTS[i % len(COMPLAINTS)]}, again ({i})."])
    options.incremental = True
    _, nightly = mine(db, [undated], options)
    assert db["runs"].get(nightly)["mode"] == "incremental"
    # A run with complaints that wait for a pain point (NULL) or name one it lacks: in the total, not in the list.
    from miner.store.painpoints import carry_forward
    from miner.store.runs import start_run

    base = db["runs"].get(nightly)
    third = start_run(db, **{k: base[k] for k in ("embedding_model", "mapper", "taxonomy_name", "taxonomy_version",
                                                  "taxonomy_fingerprint", "taxonomy")})  # fmt: skip
    with db.atomic():
        carry_forward(db, nightly, third)
        db.execute("UPDATE assignments SET pain_point_id = NULL WHERE run_id = ? AND segment_id % 5 = 0", [third])
        db.execute("UPDATE assignments SET pain_point_id = 'gone-01' WHERE run_id = ? AND segment_id % 7 = 0", [third])
        db.execute("UPDATE runs SET status = 'complete', finished_at = started_at WHERE id = ?", [third])
    ri.clear()
    yield db, [full, nightly, third]
    ri.clear()


def _filters(db) -> list[Filters]:
    sources = [r[0] for r in db.execute("SELECT DISTINCT source FROM documents")] + ["nope.csv"]
    days = [None, date(2025, 11, 1), date(2026, 1, 15), date(2026, 3, 5), date(2026, 10, 31), date(2027, 1, 1)]
    out = []
    for since, until in itertools.product(days, days):
        if since and until and since > until:
            continue
        out.append(Filters(since, until))
    out += [Filters(source=s) for s in sources] + [Filters(kind=k) for k in ("review", "survey", "transcript")]
    out += [Filters(date(2026, 1, 1), date(2026, 3, 31), s, k) for s in sources[:3] for k in (None, "review")]
    out += [Filters(date(2026, 3, 5), date(2026, 3, 5), "odd.csv"), Filters(until=date(2026, 3, 4), source="odd.csv")]
    return out


def _reference_quotes(db, run_id: int, point: dict, filters: Filters, n: int = 3) -> list[dict]:
    """The SQL the endpoint ran before the index, one pain point at a time."""
    reps = json.loads(point["representatives"] or "[]")
    fsql, fparams = filters.sql()
    if reps and fsql:
        marks = ",".join("?" * len(reps))
        sql = f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks}){fsql}"
        inside = {r[0] for r in db.execute(sql, [*reps, *fparams])}
        reps = [r for r in reps if r in inside]
    ids = reps[:n]
    sql = f"SELECT s.id {JOIN} WHERE a.run_id = ? AND a.pain_point_id = ?{fsql} ORDER BY a.score DESC, s.id LIMIT ?"
    ids += [sid for (sid,) in db.execute(sql, [run_id, point["id"], *fparams, n * 3]) if sid not in ids]
    rows = quote_rows(db, ids)

    def high(i: int) -> bool:  # rated 4-5 of 5, or as high on its scale: quoted after every other clause
        row = rows.get(i) or {}
        low, top = {"stars5": (1, 5), "csat5": (1, 5), "csat7": (1, 7), "nps": (0, 10)}.get(
            row.get("rating_scale"), (0, 0)
        )
        return row.get("rating") is not None and top > low and (row["rating"] - low) / (top - low) >= 0.75

    ids = [i for i in ids if not high(i)] + [i for i in ids if high(i)]
    picked, items = [], set()  # one clause per feedback item, best first
    for i in ids:
        if i in rows and rows[i]["document_id"] not in items and len(picked) < n:
            picked.append(i)
            items.add(rows[i]["document_id"])
    keys = ("text", "document_id", "source", "kind", "date", "rating", "rating_scale", "question")
    normalised = dict(db.execute("SELECT id, rating FROM documents"))  # the exports' 0-1 rating, as stored
    return [{**with_dates({k: rows[i][k] for k in keys}), "rating_normalised": normalised[rows[i]["document_id"]]}
            for i in picked]  # fmt: skip


def _reference(db, run: dict, filters: Filters, touchpoint=None, stage=None, limit=10) -> tuple[list[tuple], int]:
    """(id, complaints, share, share_of_total, trend, quotes) of the pain points the direct SQL ranks first, and
    the total."""
    taxonomy = run_taxonomy(run)
    has_point = " AND a.pain_point_id IS NOT NULL"
    counts = count_by(db, run["id"], "a.pain_point_id", filters, has_point)
    span = filters.previous_span(db, run)
    previous = span[0] if span else None
    cut = (cut_note(*span) or end_note(filters, filters.ends_early(db, run))) if span else None
    before = count_by(db, run["id"], "a.pain_point_id", previous, has_point) if previous else None
    total = total_complaints(db, run["id"], filters)
    by_touchpoint = count_by(db, run["id"], "a.touchpoint", filters)
    points = {r["id"]: r for r in db.query("SELECT * FROM pain_points WHERE run_id = ?", [run["id"]])}
    wanted = [(n, points[pid]) for pid, n in counts.items() if pid in points]
    wanted = [(n, p) for n, p in wanted if _matches(p["touchpoint"], touchpoint)]
    wanted = [(n, p) for n, p in wanted if not stage or taxonomy.stage_of(p["touchpoint"]) == stage]
    chosen = sorted(wanted, key=lambda item: (-item[0], item[1]["id"]))[:limit]
    items = _items(db, run, filters), _items(db, run, previous) if previous else 0
    # the trends' family: every pain point with a complaint inside the filters, whatever the touchpoint and page
    family = {pid: change(_documents(db, run["id"], pid, previous), items[1], _documents(db, run["id"], pid, filters),
                          items[0]) for pid in counts if pid in points} if previous else {}  # fmt: skip
    correct(family.values())
    out = []
    for n, p in chosen:
        earlier = before.get(p["id"], 0) if before is not None else None
        docs = _documents(db, run["id"], p["id"], filters) if previous else 0
        docs_before = _documents(db, run["id"], p["id"], previous) if previous else 0
        trend = _trend(n, earlier, docs, docs_before, *items, cut)
        if trend is not None:
            judged = family[p["id"]]
            trend |= {"p_adjusted": judged["p_adjusted"], "significant_adjusted": judged["significant"],
                      "tests": judged["tests"]}  # fmt: skip
        of_touchpoint = by_touchpoint.get(p["touchpoint"].split("/")[0], 0)
        shares = (round(n / of_touchpoint, 4) if of_touchpoint else 0.0, round(n / total, 4) if total else 0.0)
        out.append((p["id"], n, *shares, trend, _reference_quotes(db, run["id"], p, filters)))
    return out, total


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "binary-search"])
def test_counts_equal_the_direct_sql(mined, monkeypatch, dense):
    db, runs = mined
    monkeypatch.setattr(ri, "DENSE_CELLS", ri.DENSE_CELLS if dense else 0)
    for run_id in runs:
        index = ri.build(db, run_id)
        assert (index.below is not None) == dense
        for f in _filters(db):
            has_point = " AND a.pain_point_id IS NOT NULL"
            expected = count_by(db, run_id, "a.pain_point_id", f, has_point)
            assert index.counts(f) == (expected, total_complaints(db, run_id, f)), (run_id, f)
            assert index.touchpoint_counts(f) == count_by(db, run_id, "a.touchpoint", f), (run_id, f)
    no_point = db.execute("SELECT count(*) FROM assignments WHERE run_id = ? AND pain_point_id IS NULL", [runs[2]])
    assert no_point.fetchone()[0] > 0


def test_quote_candidates_equal_the_direct_sql(mined):
    db, runs = mined
    for run_id in runs:
        index = ri.run_index(db, find_run(db, run_id=run_id))
        points = list(db.query("SELECT id, representatives FROM pain_points WHERE run_id = ?", [run_id]))
        for f in _filters(db)[::3]:
            fsql, fparams = f.sql()
            for p in points:
                sql = f"SELECT s.id {JOIN} WHERE a.run_id = ? AND a.pain_point_id = ?{fsql} ORDER BY a.score DESC, s.id"
                expected = [r[0] for r in db.execute(sql, [run_id, p["id"], *fparams])]
                assert index.top_segments(p["id"], f, 10**6) == expected, (run_id, p["id"], f)
                reps = json.loads(p["representatives"] or "[]")
                inside, unknown = index.segments_inside(p["id"], reps, f)
                assert not unknown or run_id == runs[2]  # the pipeline's representatives are the point's complaints
                if reps:
                    marks = ",".join("?" * len(reps))
                    sql = (
                        f"SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE s.id IN ({marks})"
                    )
                    direct = {r[0] for r in db.execute(sql + fsql, [*reps, *fparams])}
                    assert inside == direct - set(unknown) and set(unknown) <= set(reps) - set(expected)


def _documents(db, run_id: int, point_id: str, filters: Filters) -> int:
    """Items inside the filters with a complaint in the pain point, as the endpoint ran it before the index."""
    fsql, fparams = filters.sql()
    sql = f"SELECT COUNT(DISTINCT s.document_id) {JOIN} WHERE a.run_id = ? AND a.pain_point_id = ?{fsql}"
    return db.execute(sql, [run_id, point_id, *fparams]).fetchone()[0]


def _items(db, run: dict, filters: Filters) -> int:
    """Items the run analysed inside the filters, read row by row in Python: the reference for the trend's
    denominators. The run's are those of the imports up to its `last_import` (all, for the run written by hand)."""
    out = 0
    for day, source, kind, imported in db.execute("SELECT substr(date, 1, 10), source, kind, import_id FROM documents"):
        if run["last_import"] is not None and imported > run["last_import"]:
            continue
        if (filters.since or filters.until) and day is None:
            continue
        if (filters.since and day < filters.since.isoformat()) or (filters.until and day > filters.until.isoformat()):
            continue
        out += (not filters.source or source in filters.source) and (not filters.kind or kind in filters.kind)
    return out


def test_pain_points_equal_the_unoptimised_answer(mined):
    db, runs = mined
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        cases = [(f, {}) for f in _filters(db)[::2]]
        cases += [(Filters(), {"touchpoint": t}) for t in ("delivery", "website", "billing", "none")]
        cases += [(Filters(date(2026, 1, 1)), {"stage": s, "limit": 50}) for s in ("pre-purchase", "post-purchase")]
        cases += [(Filters(), {"limit": 200}), (Filters(kind="transcript"), {"touchpoint": "contact_center"})]
        adjusted = 0  # trends adjusted over more pain points than the page shows
        for f, kw in cases:
            got = pain_points(db, run, f, **kw)
            expected, total = _reference(db, run, f, **kw)
            assert got["total_complaints"] == total, (run_id, f, kw)
            assert [(p["id"], p["complaints"], p["share"], p["share_of_total"], p["trend"], p["quotes"])
                    for p in got["pain_points"]] == expected, (run_id, f, kw)  # fmt: skip
            page = got["pain_points"]
            adjusted += sum(bool(p["trend"] and p["trend"]["tests"] > len(page)) for p in page)
        assert any(pain_points(db, run, Filters(), limit=200)["pain_points"]) and adjusted


def test_index_is_rebuilt_for_another_run_and_kept_for_the_same(mined):
    db, runs = mined
    first, second = (ri.run_index(db, find_run(db, run_id=r)) for r in runs[:2])
    assert first is not second and first.run_id == runs[0] and second.run_id == runs[1]
    assert ri.run_index(db, find_run(db, run_id=runs[0])) is first


def test_pool_rolls_back_what_a_request_left_open_and_drops_replaced_files(tmp_path):
    from api.db import ConnectionPool
    from miner.store.db import connect

    path = tmp_path / "p.db"
    pool = ConnectionPool(per_file=2, check_every_s=0)
    db = pool.open(path, connect, path)
    db.execute("CREATE TABLE t (x INTEGER)")
    db.conn.execute("INSERT INTO t VALUES (1)")  # an implicit transaction, never committed
    pool.give(path, db)
    again = pool.take(path)
    assert again is db and not db.conn.in_transaction
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    pool.give(path, again)
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"p.db{suffix}").unlink(missing_ok=True)
    connect(path).close()  # a new file at the same path
    assert pool.take(path) is None  # the connection to the old file was closed, not lent
    assert pool.take(tmp_path / "other.db") is None


def test_item_counts_and_last_days_equal_the_direct_sql(mined):
    """The run's item table (miner/store/item_table.py) answers the denominators and the trend's first and last days
    as the SQL over documents does (30-50 ms a query on 1M segments, twice or three times a request)."""
    from miner.store.filters import first_day, last_day, run_items
    from miner.store.item_table import item_table

    db, runs = mined
    for run_id in runs:
        run = find_run(db, run_id=run_id)
        table = item_table(db, run)
        assert table is not None
        rsql, rparams = run_items(run)
        for f in _filters(db):
            fsql, fparams = f.sql()
            sql = f"SELECT COUNT(*) FROM documents d WHERE 1 = 1{fsql}{rsql}"
            assert table.count(f) == db.execute(sql, [*fparams, *rparams]).fetchone()[0], (run_id, f)
            ksql, kparams = Filters(source=f.source, kind=f.kind).sql()
            sql = f"SELECT max(substr(d.date, 1, 10)) FROM documents d WHERE d.date IS NOT NULL{ksql}{rsql}"
            latest = db.execute(sql, [*kparams, *rparams]).fetchone()[0]
            assert last_day(db, f, run) == (date.fromisoformat(latest) if latest else None), (run_id, f)
            # the earliest valid day: '', '05/03/2026' and '2026-03' sort before every ISO day, and are none
            sql = f"SELECT DISTINCT substr(d.date, 1, 10) FROM documents d WHERE d.date IS NOT NULL{ksql}{rsql}"
            valid = [day for (day,) in db.execute(sql, [*kparams, *rparams]) if _iso_day(day)]
            assert first_day(db, f, run) == (date.fromisoformat(min(valid)) if valid else None), (run_id, f)


def _iso_day(day: str) -> bool:
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True
