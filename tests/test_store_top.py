"""One top pain points query (miner.store.top) behind `touchpoints top`, the report and GET /v1/pain-points: the
three give the same pain points, counts and quotes on the same database, for the same filters; and the far dates
that were a 500 on the API's read routes are plain bounds. Fake embedder: plumbing, not quality."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli_app
from miner.report.model import build_report
from miner.store.filters import Filters

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "food_delivery"
WINDOWS = [Filters(), Filters("2026-02-01", "2026-04-30"), Filters(until="9999-12-31"), Filters(since="0001-01-01"),
           Filters(source="reviews.csv", kind="review"), Filters(since="9999-12-31")]  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory, segmenter):
    """A workspace file mined from a quarter of the demo corpus's reviews and surveys, and the API over it."""
    from api.db import open_control, open_workspace
    from api.keys import create_key
    from api.main import create_app
    from api.settings import Settings
    from miner.embed import get_embedder
    from miner.pipeline import MineOptions, mine

    folder = tmp_path_factory.mktemp("top")
    with (CORPUS / "reviews.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[::4]
    with (folder / "reviews.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = (CORPUS / "survey.csv").read_text(encoding="utf-8").splitlines()
    (folder / "survey.csv").write_text("\n".join(lines[:1] + lines[1::4]) + "\n", encoding="utf-8")
    settings = Settings(db=folder / "main.db", embedding_model="fake", rate_limit=0)
    db = open_workspace(settings.workspaces_dir, "w")
    mine(db, [folder / "reviews.csv", folder / "survey.csv"], MineOptions(embedder=get_embedder("fake"),
                                                                         segmenter=segmenter))  # fmt: skip
    key = create_key(open_control(settings.db), "w")
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {key}"}) as client:
        yield db, settings.workspaces_dir / "w.db", client


def _query(f: Filters) -> dict:
    out = {"since": f.since, "until": f.until, "source": f.source[0] if f.source else None,
           "kind": f.kind[0] if f.kind else None}  # fmt: skip
    return {k: str(v) for k, v in out.items() if v is not None}


def _cli(path: Path, f: Filters, empty: bool = False) -> dict:
    """`top`'s JSON; for an `empty` window (no item inside), its refusal, as `report`'s, and no touchpoint."""
    args = ["top", "--db", str(path), "--format", "json", "--limit", "100", "--pain-points", "100"]
    for name, value in _query(f).items():
        args += [f"--{name}", value]
    result = CliRunner().invoke(cli_app, args)
    if empty:
        assert result.exit_code == 2 and "no feedback matches" in result.stderr, result.output
        return {"touchpoints": [], "filter": f.describe()}
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("f", WINDOWS, ids=lambda f: f.describe())
def test_cli_api_and_report_show_the_same_pain_points(service, f):
    db, path, client = service
    resp = client.get("/v1/pain-points", params={**_query(f), "limit": 200})
    assert resp.status_code == 200, resp.text
    api = {p["id"]: (p["complaints"], [q["document_id"] for q in p["quotes"]]) for p in resp.json()["pain_points"]}
    top = _cli(path, f, empty=not resp.json()["total_items"])
    cli = {p["id"]: (p["complaints"], [q["document_id"] for q in p["examples"]])
           for t in top["touchpoints"] for p in t["pain_points"]}  # fmt: skip
    report = build_report(db, f)
    rep = {p["id"]: (p["complaints"], [q["document_id"] for q in p["quotes"]])
           for t in report["touchpoints"] for p in t["pain_points"]}  # fmt: skip
    assert api == cli == rep
    assert bool(api) == (f != Filters(since="9999-12-31"))
    # one quote per feedback item: a quote is shown inside its item, so two clauses of one item read as one twice
    assert all(len(set(docs)) == len(docs) for _, docs in api.values())
    assert top["filter"] == f.describe()  # the JSON says what it counts (the run's header counts stay the run's)
    # The report's touchpoint counts are the CLI's too.
    assert {t["id"]: t["complaints"] for t in report["touchpoints"]} == {
        t["id"]: t["complaints"] for t in top["touchpoints"]
    }


def test_without_filters_the_counts_are_the_stored_pain_point_sizes(service):
    db, path, client = service
    stored = {p["id"]: p["complaints"] for t in _cli(path, Filters())["touchpoints"] for p in t["pain_points"]}
    run = client.get("/v1/pain-points").json()["run"]["id"]
    sizes = {r["id"]: r["complaints"] for r in db.query("SELECT id, complaints FROM pain_points WHERE run_id = ?",
                                                        [run]) if r["id"] in stored}  # fmt: skip
    assert stored and stored == sizes


@pytest.mark.parametrize("route", ["/v1/pain-points", "/v1/touchpoints", "/v1/report", "/v1/touchpoints/website"])
@pytest.mark.parametrize(
    "params",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
        {"since": "9999-12-31"},
        {"until": "0001-01-01"},
    ],  # fmt: skip
)
def test_far_dates_are_plain_bounds_not_a_500(service, route, params):
    _, _, client = service
    resp = client.get(route, params=params)
    assert resp.status_code in (200, 404), resp.text  # 404: /v1/report with nothing inside the window
    if route == "/v1/pain-points":
        everything = client.get(route).json()
        shown = lambda body: [(p["id"], p["complaints"], p["quotes"]) for p in body["pain_points"]]  # noqa: E731
        inside = params.get("since", "0001-01-01") == "0001-01-01" and params.get("until", "9999-12-31") == "9999-12-31"
        if inside:  # every document of the corpus is dated 2026
            assert shown(resp.json()) == shown(everything) != []
            assert resp.json()["total_complaints"] == everything["total_complaints"]
        else:
            assert resp.json()["pain_points"] == [] and resp.json()["total_complaints"] == 0


@pytest.mark.parametrize("f", WINDOWS[:3], ids=lambda f: f.describe())
def test_touchpoints_route_lists_the_same_top_pain_points(service, f):
    _, path, client = service
    cli = {t["id"]: [(p["id"], p["complaints"]) for p in t["pain_points"][:3]] for t in _cli(path, f)["touchpoints"]}
    got = client.get("/v1/touchpoints", params=_query(f)).json()["touchpoints"]
    api = {t["id"]: [(p["id"], p["complaints"]) for p in t["pain_points"]] for t in got if t["complaints"]}
    assert api == cli and any(api.values())


@pytest.mark.parametrize("f", WINDOWS[:2], ids=lambda f: f.describe())
def test_a_pain_points_share_means_one_thing_in_the_api_and_the_cli(service, f):
    """`share` is of the pain point's touchpoint's complaints (the glossary's) and `share_of_total` of all, in
    GET /v1/pain-points as in `touchpoints top --format json` (the API's `share` was of all, 4.6x the CLI's)."""
    _, path, client = service
    got = client.get("/v1/pain-points", params={**_query(f), "limit": 200}).json()
    touchpoints = client.get("/v1/touchpoints", params=_query(f)).json()
    of_touchpoint = {t["id"]: t["complaints"] for t in [*touchpoints["touchpoints"], touchpoints["unmapped"]]}
    top = _cli(path, f)
    cli = {p["id"]: (p["share"], p["share_of_total"]) for t in top["touchpoints"] for p in t["pain_points"]}
    api = {p["id"]: (p["share"], p["share_of_total"]) for p in got["pain_points"]}
    assert api == cli and len({share for share, _ in api.values()}) > 1
    for p in got["pain_points"]:
        assert p["share"] == round(p["complaints"] / of_touchpoint[p["touchpoint"]], 4)
        assert p["share_of_total"] == round(p["complaints"] / got["total_complaints"], 4) < p["share"]


def test_pain_points_page_with_offset(service):
    _, _, client = service
    everything = client.get("/v1/pain-points", params={"limit": 200}).json()
    ids = [p["id"] for p in everything["pain_points"]]
    pages = [client.get("/v1/pain-points", params={"limit": 4, "offset": o}).json() for o in range(0, len(ids), 4)]
    assert [p["id"] for page in pages for p in page["pain_points"]] == ids and len(pages) > 1
    assert {page["total"] for page in pages} == {len(ids)} and pages[1]["offset"] == 4
    assert client.get("/v1/pain-points", params={"offset": len(ids)}).json()["pain_points"] == []


def test_touchpoints_take_stage_and_count_documents_as_the_cli(service):
    _, path, client = service
    f = Filters("2026-02-01", "2026-04-30")
    everything = client.get("/v1/touchpoints", params=_query(f)).json()
    cli = {t["id"]: t["documents"] for t in _cli(path, f)["touchpoints"]}
    assert {t["id"]: t["documents"] for t in everything["touchpoints"] if t["complaints"]} == cli
    assert all(0 < t["documents"] <= t["complaints"] for t in everything["touchpoints"] if t["complaints"])
    post = client.get("/v1/touchpoints", params={**_query(f), "stage": "post-purchase"})
    assert post.status_code == 200, post.text
    kept = post.json()["touchpoints"]
    assert kept and {t["stage"] for t in kept} == {"post-purchase"}
    assert kept == [t for t in everything["touchpoints"] if t["stage"] == "post-purchase"]
    assert post.json()["total_complaints"] == everything["total_complaints"]


def test_examples_take_the_list_routes_filters(service):
    """GET /v1/pain-points/{id}/examples?since=...: the clauses inside the window, as many as the list counts."""
    _, _, client = service
    march = {"since": "2026-03-01", "until": "2026-03-31", "kind": "review"}
    point = client.get("/v1/pain-points", params=march).json()["pain_points"][0]
    resp = client.get(f"/v1/pain-points/{point['id']}/examples", params={**march, "limit": 200})
    assert resp.status_code == 200, resp.text
    got = resp.json()
    everything = client.get(f"/v1/pain-points/{point['id']}/examples").json()
    assert got["total"] == len(got["examples"]) == point["complaints"] < everything["total"]
    assert all("2026-03-01" <= e["date"][:10] <= "2026-03-31" and e["kind"] == "review" for e in got["examples"])


def test_a_calendar_month_is_compared_with_the_month_before(service):
    _, _, client = service
    march = client.get("/v1/pain-points", params={"since": "2026-03-01", "until": "2026-03-31", "limit": 200}).json()
    assert march["period"]["previous_since"] == "2026-02-01" and march["period"]["previous_until"] == "2026-02-28"
    february = client.get("/v1/pain-points", params={"since": "2026-02-01", "until": "2026-02-28", "limit": 200})
    before = {p["id"]: p["complaints"] for p in february.json()["pain_points"]}
    assert [p["trend"]["previous_complaints"] for p in march["pain_points"]] == [
        before.get(p["id"], 0) for p in march["pain_points"]
    ]


def test_a_previous_period_before_the_first_item_starts_on_it(service):
    """Data from 2025-11-01: December and January were compared with October and November, October holding no
    feedback, and the counts of 30 days against 62 said "+73%" beside "down". The previous period starts on the
    first item's day; no count change is given against the share's direction, in any window."""
    _, _, client = service
    got = client.get("/v1/pain-points", params={"since": "2025-12-01", "until": "2026-01-31", "limit": 200}).json()
    assert (got["period"]["previous_since"], got["period"]["previous_until"]) == ("2025-11-01", "2025-11-30")
    november = client.get("/v1/pain-points", params={"since": "2025-11-01", "until": "2025-11-30"}).json()
    assert got["pain_points"]
    for p in got["pain_points"]:
        t = p["trend"]
        assert t["previous_items"] == november["total_items"] and t["items"] == got["total_items"]
        assert t["change"] is None and t["change_pct"] is None and "2025-11-01" in t["change_note"]
    for since, until in [("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-04-30"), ("2026-05-04", "2026-05-31")]:
        page = client.get("/v1/pain-points", params={"since": since, "until": until, "limit": 200}).json()
        for p in page["pain_points"]:
            t = p["trend"]
            assert (t["change"] is None) == (t["change_note"] is not None), (since, p["id"])
            if t["change"] is not None:
                assert not (t["direction"] == "up" and t["change"] < 0), (since, p["id"], t)
                assert not (t["direction"] == "down" and t["change"] > 0), (since, p["id"], t)


def test_a_report_of_an_empty_period_is_a_404_naming_the_filters(service):
    """As `touchpoints report`, which exits 2: not a 200 with a page of zeros."""
    _, _, client = service
    resp = client.get("/v1/report", params={"since": "2024-01-01", "until": "2024-12-31"})
    assert resp.status_code == 404 and resp.json()["code"] == "no_feedback"
    assert "2024-01-01 to 2024-12-31" in resp.json()["message"]
    # and where the feedback lies, in the query's words (a CLI `--since` means nothing to an API client)
    days = sorted(r[0][:10] for r in service[0].execute("SELECT date FROM documents WHERE date IS NOT NULL"))
    first, last = days[0], days[-1]
    assert f"the feedback runs from {first} to {last}; widen since/until" in resp.json()["message"], resp.json()
    # the JSON routes answer such a window with zero counts, as a dashboard's month without feedback: not an error
    empty = client.get("/v1/pain-points", params={"since": "2024-01-01", "until": "2024-12-31"})
    assert empty.status_code == 200 and empty.json()["total_items"] == 0 and empty.json()["pain_points"] == []


def test_dates_are_served_in_one_form_with_the_offset_apart(service):
    from api.queries.common import served_date

    assert served_date("2026-03-31T23:30:00-05:00") == ("2026-03-31T23:30:00", "-05:00")
    assert served_date("2026-04-01T00:30:00+02:00") == ("2026-04-01T00:30:00", "+02:00")
    assert served_date("2026-03-31T00:00:00") == ("2026-03-31T00:00:00", None)
    assert served_date("2026-03-31T21:00:00.250000+00:00") == ("2026-03-31T21:00:00", "+00:00")
    assert served_date("2026-03") == ("2026-03", None) and served_date(None) == (None, None)
    _, _, client = service
    point = client.get("/v1/pain-points").json()["pain_points"][0]
    examples = client.get(f"/v1/pain-points/{point['id']}/examples").json()["examples"]
    for item in [*point["quotes"], *examples]:
        assert len(item["date"]) == 19 and item["date"][10] == "T" and "utc_offset" in item


@pytest.mark.parametrize("period", ["month", "week"])
@pytest.mark.parametrize("f", WINDOWS[:3], ids=lambda f: f.describe())
def test_trends_route_gives_the_report_s_series_in_one_request(service, f, period):
    """A dashboard's 12-month chart took 12 calls; /v1/trends gives the report's trend series for the filters."""
    db, _, client = service
    resp = client.get("/v1/trends", params={**_query(f), "period": period})
    assert resp.status_code == 200, resp.text
    got = resp.json()
    report = build_report(db, f, granularity=period)
    assert got["periods"] == report["trends"]["periods"] and got["items"] == report["trends"]["items"]
    assert got["partial"] == report["trends"]["partial"]  # both say whether the latest period is whole
    assert got["partial_first"] == report["trends"]["partial_first"]  # and the first
    # the mean rating per period, which only an NPS survey had (the report's trends.nps), for stars and CSAT too
    assert got["ratings"] and got["ratings"] == report["trends"]["ratings"]
    assert got["rating_range"] == report["trends"]["rating_range"]
    series = {t["id"]: t for t in got["touchpoints"]}
    for tp in report["touchpoints"]:
        if tp["trend"]:
            assert series[tp["id"]]["complaints"] == tp["trend"]["complaints"], tp["id"]
            assert series[tp["id"]]["documents"] == tp["trend"]["items"], tp["id"]
    assert sum(sum(t["complaints"]) for t in got["touchpoints"]) == client.get(
        "/v1/touchpoints", params=_query(f)
    ).json()["total_complaints"] - _undated(db, f)


def test_trends_route_flags_a_first_period_the_window_starts_inside(service):
    """since=2026-03-15: periods ['2026-03', ...] with March half a month and `partial` null, as the report did."""
    db, _, client = service
    got = client.get("/v1/trends", params={"since": "2026-03-15", "until": "2026-06-30", "period": "month"}).json()
    assert got["periods"][0] == "2026-03" and got["partial"] is None
    assert got["partial_first"] == {"period": "2026-03", "days": 17, "of_days": 31, "first_day": "2026-03-15"}
    assert (
        got["partial_first"]
        == build_report(db, Filters("2026-03-15", "2026-06-30"), granularity="month")["trends"]["partial_first"]
    )


def _undated(db, f: Filters) -> int:
    """Complaint mentions of undated items: in /v1/touchpoints' total, in no period."""
    if f.since or f.until:
        return 0
    sql = """SELECT COUNT(*) FROM assignments a JOIN segments s ON s.id = a.segment_id
             JOIN documents d ON d.id = s.document_id WHERE d.date IS NULL AND a.run_id = (SELECT MAX(id) FROM runs)"""
    return db.execute(sql).fetchone()[0]


def test_a_clause_of_a_praised_item_is_quoted_only_when_nothing_else_is():
    """The demo quoted "Like that the receipt breaks down every fee clearly now." (4 stars) as a hidden fee."""
    from miner.store.top import _one_per_item, praised

    rows = {
        1: {"document_id": "a", "rating": 4, "rating_scale": "stars5"},  # praise, and the best match
        2: {"document_id": "b", "rating": 1, "rating_scale": "stars5"},
        3: {"document_id": "c", "rating": None, "rating_scale": None},
        4: {"document_id": "d", "rating": 6, "rating_scale": "nps"},
    }
    assert _one_per_item([1, 2, 3, 4], rows, 2) == [2, 3]
    assert _one_per_item([1, 2, 3, 4], rows, 4) == [2, 3, 4, 1]  # too few others: quoted last
    assert [praised(rows[i]) for i in (1, 2, 3, 4)] == [True, False, False, False]
    assert praised({"rating": 9, "rating_scale": "nps"}) and praised({"rating": 6, "rating_scale": "csat7"})
