"""miner.store.filters: one date rule (since and until inclusive whole days, any valid date), the same in SQL and in
the run index, on a tiny run written by hand."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from miner.errors import MinerError
from miner.store.filters import Filters, check, last_day
from miner.store.index import build
from miner.store.reads import count_by, total_complaints
from miner.store.runs import finish_run, start_run

DATES = ["0001-01-01", "2026-03-04", "2026-03-05", "2026-03-05T23:30:00+05:00", "2026-03-06", "9999-12-31", None]


@pytest.fixture
def tiny(db, mini_taxonomy):
    """One document per date (source a.csv for the first half, b.csv after), one complaint each, all in pain
    point p1 except the undated one."""
    docs = [{"id": f"d{i}", "source": "a.csv" if i < 3 else "b.csv", "kind": "review", "text": f"text {i}",
             "date": day} for i, day in enumerate(DATES)]  # fmt: skip
    db.table("documents").insert_all(docs)
    segments = [{"id": i + 1, "document_id": d["id"], "idx": 0, "text": d["text"], "hash": f"h{i}", "start": 0,
                 "end": len(d["text"])} for i, d in enumerate(docs)]  # fmt: skip
    db.table("segments").insert_all(segments)
    run = start_run(db, taxonomy=mini_taxonomy.model_dump_json(), taxonomy_version=mini_taxonomy.version)
    tp = mini_taxonomy.touchpoints[0].id
    finish_run(
        db,
        run,
        segment_rows=[
            {"segment_id": s["id"], "complaint": 1, "complaint_score": 0.9, "touchpoint": tp, "touchpoint_score": 0.8}
            for s in segments
        ],  # fmt: skip
        assignment_rows=[
            {
                "segment_id": s["id"],
                "touchpoint": tp,
                "score": 0.5 + s["id"] / 100,
                "rank": 0,
                "pain_point_id": None if s["id"] == len(DATES) else "p1",
            }
            for s in segments
        ],  # fmt: skip
        pain_point_rows=[
            {
                "id": "p1",
                "touchpoint": tp,
                "label": "P1",
                "keywords": "[]",
                "complaints": 6,
                "representatives": json.dumps([1, 2]),
            }
        ],  # fmt: skip
        counts={"documents": len(docs), "segments": len(segments), "complaints": len(segments)},
    )
    return db, run


def _both(db, run: int, f: Filters) -> int:
    """The complaints inside `f`, checked to be the same from the SQL and from the run index."""
    sql = total_complaints(db, run, f)
    assert build(db, run).counts(f)[1] == sql, f
    assert sum(count_by(db, run, "a.pain_point_id", f, " AND a.pain_point_id IS NOT NULL").values()) <= sql
    return sql


def test_until_includes_its_whole_day_and_since_is_inclusive(tiny):
    db, run = tiny
    assert _both(db, run, Filters(date(2026, 3, 5), date(2026, 3, 5))) == 2  # the plain day and the one with a time
    assert _both(db, run, Filters(until="2026-03-05")) == 4
    assert _both(db, run, Filters(since="2026-03-05T12:00")) == 4  # a time after the day is ignored


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (None, date(9999, 12, 31), 6),  # every dated document; the undated one is outside a bounded window
        (date(1, 1, 1), None, 6),
        (date(1, 1, 1), date(9999, 12, 31), 6),
        (date(9999, 12, 31), date(9999, 12, 31), 1),
        (date(1, 1, 1), date(1, 1, 1), 1),
        (date(2026, 3, 7), date(9999, 12, 30), 0),
        (None, None, 7),
    ],
)
def test_dates_far_in_the_future_or_past_are_plain_bounds(tiny, since, until, expected):
    db, run = tiny
    assert _both(db, run, Filters(since, until)) == expected


def test_sources_and_kinds_take_one_name_or_several(tiny):
    db, run = tiny
    assert Filters(source="a.csv") == Filters(source=["a.csv"])
    assert _both(db, run, Filters(source="a.csv")) == 3
    assert _both(db, run, Filters(source=["a.csv", "b.csv"])) == 7
    assert _both(db, run, Filters(source=["a.csv", "nope.csv"], until="2026-03-04")) == 2
    assert _both(db, run, Filters(kind="survey")) == 0


def test_previous_window_stops_at_year_one(tiny):
    db, _ = tiny
    assert Filters(date(2026, 3, 5), date(2026, 3, 6)).previous(db) == Filters(date(2026, 3, 3), date(2026, 3, 4))
    assert Filters(date(1, 1, 1), date(1, 1, 5)).previous(db) is None
    assert Filters(until=date(2026, 3, 5)).previous(db) is None
    # Without until the window ends on the latest document's day, 9999-12-31: the one before would start before year 1.
    assert Filters(date(2026, 3, 6)).previous(db) is None
    assert Filters(date(9999, 12, 31)).previous(db) == Filters(date(9999, 12, 30), date(9999, 12, 30))
    assert last_day(db) == date(9999, 12, 31)


def test_a_bad_date_names_the_option_and_the_format():
    with pytest.raises(MinerError, match=r"--until 'soon' is not a date: use YYYY-MM-DD"):
        Filters(until="soon")
    # only the first ten characters were read: '2026-03-31garbage' counted March 31st
    for bad in ("2026-03-31garbage", "2026-03-31Z", "20260331", "2026-03-31T25", "2026-03-31T12:00+02:60"):
        with pytest.raises(MinerError, match="is not a date"):
            Filters(since=bad)
    # nor a time no day has: '2026-06-30T25:00' counted June 30th
    for bad, time in (("2026-06-30T25:00", "25:00"), ("2026-06-30 23:60", "23:60"), ("2026-06-30T24:00:00", "24:00:00"),
                      ("2026-06-30T23:59:60", "23:59:60"), ("2026-06-30T10:00+25:00", "10:00+25:00")):  # fmt: skip
        with pytest.raises(MinerError, match=re.escape(f"--until '{bad}' is not a date: {time} is not a time of day")):
            Filters(until=bad)
    # a time (and zone) after the day names that day, as items are counted by the day they were written on
    for timed in ("2026-03-31T23:59:59", "2026-03-31 12:00", "2026-03-31T23:30:00-05:00", "2026-03-31T00:00:00Z"):
        assert Filters(until=timed).until == date(2026, 3, 31)


def test_describe_and_where():
    assert Filters().describe() == "all feedback" and Filters().where() == ("1 = 1", [])
    f = Filters(since="2026-01-01", source=["a.csv", "b.csv"], kind="review")
    assert f.describe() == "2026-01-01 to end; source a.csv, b.csv; kind review"
    assert f.where()[1] == ["2026-01-01", "a.csv", "b.csv", "review"]


def test_check_refuses_filters_that_cannot_match(tiny):
    db, _ = tiny
    ok = Filters("2026-03-04", "2026-03-04", ["a.csv", "b.csv"], ["review", "survey"])
    assert check(db, ok) is ok
    with pytest.raises(MinerError, match=r"unknown --kind 'surveys': use one of review, survey, transcript"):
        check(db, Filters(kind="surveys"))
    with pytest.raises(MinerError, match=r"unknown --source 'nosuch.csv': the database holds a.csv, b.csv$"):
        check(db, Filters(source=["a.csv", "nosuch.csv"]))
    with pytest.raises(MinerError, match=r"--since 2026-03-01 is after --until 2026-01-01"):
        check(db, Filters("2026-03-01", "2026-01-01"))
    db.table("documents").insert_all(
        [{"id": f"x{i}", "source": f"s{i:02d}.csv", "kind": "review", "text": "t"} for i in range(25)]
    )
    with pytest.raises(MinerError, match=r"s17.csv and 7 more$"):  # the first 20 of 27 names
        check(db, Filters(source="nosuch.csv"))


def test_previous_of_whole_calendar_months_is_the_months_before(db):
    """March is compared with February (28 days), not the 31 days before it; a quarter with the quarter before;
    whole ISO weeks with the same weeks before; any other window with the same number of days before."""
    db.table("documents").insert({"id": "d", "source": "a.csv", "kind": "review", "text": "t", "date": "2026-10-31"})
    assert Filters("2026-03-01", "2026-03-31").previous(db) == Filters("2026-02-01", "2026-02-28")
    assert Filters("2026-03-01", "2026-05-31").previous(db) == Filters("2025-12-01", "2026-02-28")
    assert Filters("2026-01-01", "2026-01-31", "a.csv").previous(db) == Filters("2025-12-01", "2025-12-31", "a.csv")
    assert Filters("2026-03-02", "2026-03-15").previous(db) == Filters("2026-02-16", "2026-03-01")  # two ISO weeks
    assert Filters("2026-03-02", "2026-03-31").previous(db) == Filters("2026-01-31", "2026-03-01")
    assert Filters("0001-01-01", "0001-01-31").previous(db) is None


def test_previous_of_a_window_past_the_data_covers_the_days_up_to_the_latest(db):
    """Data ends 2026-10-31: October to December is October's data, compared with September, not with the 92 full
    days before; a window that starts after the data keeps its own length. (The data starts in January: a previous
    period before the first item starts on it, tested below.)"""
    db.table("documents").insert({"id": "d", "source": "a.csv", "kind": "review", "text": "t", "date": "2026-10-31"})
    db.table("documents").insert({"id": "j", "source": "a.csv", "kind": "review", "text": "t", "date": "2026-01-02"})
    assert Filters("2026-10-01", "2026-12-31").previous(db) == Filters("2026-09-01", "2026-09-30")
    assert Filters("2026-10-01").previous(db) == Filters("2026-09-01", "2026-09-30")
    assert Filters("2026-10-22", "2026-12-31").previous(db) == Filters("2026-10-12", "2026-10-21")
    assert Filters("2026-11-01", "2026-11-30").previous(db) == Filters("2026-10-01", "2026-10-31")
    # whole months asked for stay whole months when the last item is not on a month's last day
    db.table("documents").insert({"id": "e", "source": "a.csv", "kind": "review", "text": "t", "date": "2026-11-29"})
    assert Filters("2026-11-01", "2026-11-30").previous(db) == Filters("2026-10-01", "2026-10-31")
    assert Filters("2026-09-01", "2026-11-30").previous(db) == Filters("2026-06-01", "2026-08-31")
    assert Filters("2026-11-01", "2026-12-31").previous(db) == Filters("2026-10-01", "2026-10-31")
    assert Filters("2026-11-02", "2026-11-30").previous(db) == Filters("2026-10-05", "2026-11-01")  # days: to the 29th


def test_previous_starts_on_the_first_item_as_it_ends_on_the_last(db):
    """Data from 2026-01-01: February and March were compared with December and January (66 items against 134,
    December holding none), January 15th to February 14th with the 31 days from December 15th (14 of them with
    feedback); the previous period now starts on the first item's day, of the filtered sources, and `previous_span`
    says where it would have started. One that holds no item keeps its days."""
    db.table("documents").insert_all([
        {"id": "a", "source": "a.csv", "kind": "review", "text": "t", "date": "2026-01-01T09:00:00"},
        {"id": "b", "source": "b.csv", "kind": "review", "text": "t", "date": "2026-01-20"},
        {"id": "c", "source": "a.csv", "kind": "review", "text": "t", "date": "2026-03-31"},
    ])  # fmt: skip
    assert Filters("2026-02-01", "2026-03-31").previous(db) == Filters("2026-01-01", "2026-01-31")
    assert Filters("2026-02-01", "2026-03-31").previous_span(db) == (Filters("2026-01-01", "2026-01-31"),
                                                                     date(2025, 12, 1))  # fmt: skip
    assert Filters("2026-01-15", "2026-02-14").previous(db) == Filters("2026-01-01", "2026-01-14")
    assert Filters("2026-02-01", "2026-03-31", "b.csv").previous(db) == Filters("2026-01-20", "2026-01-31", "b.csv")
    assert Filters("2026-03-01", "2026-03-31").previous_span(db) == (Filters("2026-02-01", "2026-02-28"),
                                                                     date(2026, 2, 1))  # whole, not cut  # fmt: skip
    assert Filters("2026-01-01", "2026-01-31").previous(db) == Filters("2025-12-01", "2025-12-31")  # no item in it


def test_previous_reads_the_last_day_of_the_filtered_sources_and_none_past_the_data(db):
    """The API compared a source whose data ends on March 12th as if it ended with the workspace's (April 27th),
    and `since` past the last item gave a previous period ending before it started (2026-07-01 to 2026-05-31)."""
    db.table("documents").insert_all([
        {"id": "w", "source": "web.jsonl", "kind": "review", "text": "t", "date": "2026-03-12"},
        {"id": "c", "source": "chats.jsonl", "kind": "transcript", "text": "t", "date": "2026-04-27"},
    ])  # fmt: skip
    assert Filters("2026-03-01", source="web.jsonl").previous(db) == Filters("2026-02-17", "2026-02-28", "web.jsonl")
    assert Filters("2026-03-01").previous(db) == Filters("2026-01-02", "2026-02-28")  # to April 27th: 58 days
    assert Filters("2026-06-01").previous(db) is None and Filters("2026-05-01").previous(db) is None
