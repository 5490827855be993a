"""Figures over items say how many of them were read: a retailer's 436 items, 164 in German, French, Spanish or
emoji only, showed "complaint rate 45%" where the 272 read gave 64%, `top` said "of 436 items" and the API had no
word of them (miner/store/unread.py)."""

from __future__ import annotations

import pytest

from tests.test_language import FOREIGN

ENGLISH = ["I was charged twice for one order", "The app crashed when I tried to pay", "Lovely staff and quick help"]


@pytest.fixture
def mixed(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """Three English items and six in other languages, mined."""
    from miner.pipeline import MineOptions, mine

    path = tmp_path / "mixed.csv"
    rows = [*ENGLISH, *FOREIGN.values()]
    path.write_text("id,text\n" + "".join(f"{i},{text}\n" for i, text in enumerate(rows)), encoding="utf-8")
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    return db


def test_the_overview_rate_is_over_the_items_read_with_the_unread_beside_it(mixed):
    from miner.report.html import render_html
    from miner.report.model import build_report

    report = build_report(mixed)
    o = report["overview"]
    assert (o["items"], o["read_items"], o["unread_items"]) == (9, 3, 6) == (9, 3, report["quality"]["unread_items"])
    assert o["read_complaint_items"] == o["complaint_items"] > 0
    assert o["read_complaint_rate"] == pytest.approx(o["complaint_items"] / 3)
    assert o["complaint_rate"] == pytest.approx(o["complaint_items"] / 9)  # over all items, as before
    html = render_html(report)
    assert 'id="unread"' in html and "6 of 9 feedback items (67%) were not read" in html
    assert "1 in Spanish" in html and "of the 3 items read have a complaint" in html


def test_top_says_under_its_table_how_many_items_were_not_read(mixed, capsys):
    from miner.report.render import print_table
    from miner.report.top import top_pain_points

    result = top_pain_points(mixed)
    assert (result["items"], result["read_items"], result["unread_items"]) == (9, 3, 6)
    assert sum(result["unread_languages"].values()) == 6
    print_table(result)
    out = " ".join(capsys.readouterr().out.split())
    assert "6 of the 9 items (67%) were not read (" in out and "the models read English only" in out


def test_the_apis_answers_carry_the_unread_items(mixed, tmp_path):
    from api.db import open_control
    from api.queries.pain_points import pain_points
    from api.queries.stats import stats
    from api.schemas import PainPointsPublic, StatsPublic
    from miner.store.filters import Filters
    from miner.store.runs import resolve_run

    answer = PainPointsPublic.model_validate(pain_points(mixed, resolve_run(mixed, None), Filters())).model_dump()
    assert (answer["total_items"], answer["read_items"], answer["unread_items"]) == (9, 3, 6)
    assert sum(answer["unread_languages"].values()) == 6
    got = StatsPublic.model_validate(stats(mixed, open_control(tmp_path / "control.db"), "w")).model_dump()
    assert (got["read_items"], got["unread_items"]) == (3, 6) and "Spanish" in got["unread_languages"]
    schema = PainPointsPublic.model_json_schema()["properties"]
    assert "another language" in schema["unread_items"]["description"]


def test_the_read_counts_come_from_the_runs_table_in_memory_as_sql_counts_them(mixed):
    """`read_counts` scanned every item and its segments per request: 400-700 ms on the 1M-segment workspace of
    `make bench-api`, where /v1/pain-points answered in 16 ms; it now reads the run's read table, built once."""
    from miner.store.filters import Filters
    from miner.store.read_table import read_table
    from miner.store.runs import find_run
    from miner.store.unread import read_counts, read_items, unread_texts

    run = find_run(mixed)
    assert read_table(mixed, run) is not None  # the database is a file: the table is what answers below
    for filters in (Filters(), Filters(source="mixed.csv"), Filters(kind="survey")):
        counted = read_counts(mixed, run, filters, 9)
        assert counted["read_items"] == read_items(mixed, run, filters)
        assert counted["unread_languages"] == dict(unread_texts(mixed, run, filters)[1].most_common())
    assert read_counts(mixed, run, Filters(), 9)["read_items"] == 3
