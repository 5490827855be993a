"""A pain point's trend says whether its change is significant once adjusted for the others compared, as the report's
trends do: `significant` (p < 0.05 alone) called about one steady pain point in twenty a change. The family is every
pain point of the period inside the filters, not the page: adjusted per page, `limit=1` would give each its own p.
On a real server on 127.0.0.1 over `make bench-api`'s synthetic workspace (20,000 segments, 285 pain points over
two years, their rates steady: every "significant" change is chance)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from api.testing import serve

ROOT = Path(__file__).resolve().parent.parent
QUARTER = "since=2026-01-01&until=2026-03-31"


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("api_load", ROOT / "bench" / "api_load.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    workdir = tmp_path_factory.mktemp("bench")
    bench.build(workdir, 20_000)
    return bench._paths(workdir, 20_000)[0]


@pytest.fixture(scope="module")
def c(bench_db):
    with serve(bench_db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("bench")) as client:
            yield client


def _points(client, query: str) -> list[dict]:
    """Every pain point of the answer, page after page of 200."""
    out: list[dict] = []
    while True:
        resp = client.get(f"/v1/pain-points?{query}&limit=200&offset={len(out)}")
        assert resp.status_code == 200, resp.text
        out += resp.json()["pain_points"]
        if len(out) >= resp.json()["total"]:
            return out


def _bh(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg, written out here apart from miner/report/stats.py: p x m / rank, made monotone from the
    largest p down, capped at 1, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i], reverse=True)
    out, running = [1.0] * m, 1.0
    for seen, i in enumerate(order):
        running = min(running, p_values[i] * m / (m - seen))
        out[i] = running
    return out


@pytest.fixture(scope="module")
def family(c) -> dict[str, dict]:
    """The quarter's pain points, of every touchpoint and of none, by id."""
    return {p["id"]: p for p in [*_points(c, QUARTER), *_points(c, f"{QUARTER}&touchpoint=none")]}


def test_the_adjustment_is_over_every_pain_point_of_the_period(family):
    ids = sorted(family)
    assert len(ids) > 200  # more than a page: the family is not the page's
    expected = _bh([family[i]["trend"]["p_value"] for i in ids])
    for pid, p in zip(ids, expected, strict=True):
        trend = family[pid]["trend"]
        assert trend["tests"] == len(ids)
        assert trend["p_adjusted"] == float(f"{p:.4g}")
        assert trend["significant_adjusted"] == (trend["p_adjusted"] < 0.05)
    # steady rates: the unadjusted test calls some "significant" by chance, the adjusted one does not
    assert any(family[i]["trend"]["significant"] for i in ids)
    assert not any(family[i]["trend"]["significant_adjusted"] for i in ids)


def test_a_page_of_one_gives_the_whole_familys_answer(c, family):
    differs = 0
    for offset in range(0, 40, 3):
        resp = c.get(f"/v1/pain-points?{QUARTER}&limit=1&offset={offset}")
        (point,) = resp.json()["pain_points"]
        trend = point["trend"]
        assert (trend["p_adjusted"], trend["tests"]) == (family[point["id"]]["trend"]["p_adjusted"], len(family))
        differs += trend["p_adjusted"] != trend["p_value"]  # what a family of the page alone would give
    assert differs
    for query in ("touchpoint=website", "stage=purchase", "touchpoint=none"):
        for point in c.get(f"/v1/pain-points?{QUARTER}&{query}&limit=5").json()["pain_points"]:
            assert point["trend"]["p_adjusted"] == family[point["id"]]["trend"]["p_adjusted"]


def test_the_adjusted_values_are_the_reports_over_the_same_changes(family):
    """The report's functions (miner/report/trends.py `change` and `correct`) over the counts the API gives."""
    from miner.report.trends import change, correct

    changes = {pid: change(t["previous_documents"], t["previous_items"], t["documents"], t["items"])
               for pid, t in ((pid, p["trend"]) for pid, p in family.items())}  # fmt: skip
    correct(changes.values())
    for pid, judged in changes.items():
        trend = family[pid]["trend"]
        assert (trend["p_value"], trend["p_adjusted"]) == (judged["p_value"], judged["p_adjusted"])
        assert trend["significant_adjusted"] == judged["significant"]


def test_a_source_makes_another_family_and_too_few_items_none(c, family):
    source = _points(c, f"{QUARTER}&source=trustpilot.json")
    assert {p["trend"]["tests"] for p in source} == {len(source) + _count(c, f"{QUARTER}&source=trustpilot.json")}
    week = _points(c, "since=2025-03-03&until=2025-03-09&source=csat_survey.xlsx")  # 3 items, 4 the week before
    assert week and all(p["trend"]["direction"] == "too few" for p in week)
    assert {(p["trend"]["p_adjusted"], p["trend"]["tests"], p["trend"]["significant_adjusted"]) for p in week} == {
        (None, 0, False)
    }


def _count(client, query: str) -> int:
    """The pain points of `none` inside the filters."""
    return client.get(f"/v1/pain-points?{query}&touchpoint=none&limit=1").json()["total"]


def test_the_family_is_computed_once_per_run_and_filters(bench_db):
    """Its 285 exact tests and items per pain point cost 50-140 ms a request on 1M segments: kept per run and
    filters, as the run's index is."""
    from api.queries.significance import family
    from miner.store.db import connect
    from miner.store.filters import Filters
    from miner.store.runs import find_run
    from miner.store.top import pain_point_items

    db = connect(bench_db.with_name(bench_db.stem + ".workspaces") / "bench.db")
    run = find_run(db)
    quarter = Filters("2026-01-01", "2026-03-31")
    previous = quarter.previous_span(db, run)[0]
    first = family(db, run, quarter, previous)
    assert family(db, run, quarter, previous) is first and len(first.p_adjusted) > 200
    # its items per pain point in one pass over the index (the page's trends read them too), as SQL counts them
    for filters in (quarter, previous, Filters(source="trustpilot.json"), Filters("2025-06-01", kind="survey")):
        every = pain_point_items(db, run, filters)
        assert len(every) > 100
        fsql, fparams = filters.sql()
        for pid in sorted(every)[:: len(every) // 3]:
            sql = f"""SELECT COUNT(DISTINCT s.document_id) FROM assignments a JOIN segments s ON s.id = a.segment_id
                      JOIN documents d ON d.id = s.document_id WHERE a.run_id = ? AND a.pain_point_id = ?{fsql}"""
            assert every[pid] == db.execute(sql, [run["id"], pid, *fparams]).fetchone()[0], (pid, filters)
