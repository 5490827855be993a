"""`run=` reads the run it names as it was: a tester's run 1 of 99 reviews (33 a month, January to March), read
after a second run on 6 more, gave March 38 items against February's 34, and after its dataset was deleted 0
documents but 38 items. On a real server on 127.0.0.1 with the fake embedder (tests/test_run_items.py holds the
store's reads to the same)."""

from __future__ import annotations

import pytest

from api.db import workspace_path
from api.settings import Settings
from api.testing import serve, wait_for_run
from miner.pipeline import MineOptions, import_paths
from miner.store import open_db
from tests.test_run_items import MORE, _months, _write

MARCH = "since=2026-03-01&until=2026-03-31"


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    """A client of workspace 'runs' and the dataset ids: run 1 on the 99 reviews, run 2 on them and 6 more."""
    tmp = tmp_path_factory.mktemp("api")
    with serve(tmp / "main.db", {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("runs")) as client:
            datasets, numbers = [], []
            for path in (_months(tmp), _write(tmp / "more.csv", MORE)):
                with path.open("rb") as fh:
                    resp = client.post("/v1/datasets", files={"file": (path.name, fh, "text/csv")})
                assert resp.status_code == 201, resp.text
                datasets.append(resp.json()["id"])
                final, _ = wait_for_run(client, client.post("/v1/runs", json={"dataset_id": datasets[-1]}).json()["id"])
                assert final["status"] == "complete", final
                numbers.append(final["run_number"])
            assert numbers == [1, 2]
            yield client, server, datasets


def _march(client, query: str = "") -> dict:
    resp = client.get(f"/v1/pain-points?{MARCH}&limit=200{query}")
    assert resp.status_code == 200, resp.text
    return resp.json()


def _trends(answer: dict) -> set[tuple[int, int]]:
    return {(p["trend"]["items"], p["trend"]["previous_items"]) for p in answer["pain_points"]}


def test_an_older_run_reads_the_items_it_analysed(c):
    client, _, _ = c
    first = _march(client, "&run=1")
    assert first["run"]["id"] == 1 and first["run"]["documents"] == 99
    assert first["total_items"] == 33 and _trends(first) == {(33, 33)}
    assert client.get("/v1/trends?run=1").json()["items"] == [33, 33, 33]
    # its last item is on March 31st: from March 1st is March against February, not 33 days before an April 2nd
    period = client.get("/v1/pain-points?run=1&since=2026-03-01").json()["period"]
    assert (period["previous_since"], period["previous_until"]) == ("2026-02-01", "2026-02-28")
    latest = _march(client)
    assert latest["run"]["id"] == 2 and latest["total_items"] == 37 and _trends(latest) == {(37, 34)}
    assert client.get("/v1/trends").json()["items"] == [33, 34, 37, 1]


def test_a_window_past_the_data_ends_the_trend_on_the_runs_last_item(c):
    """January to June of data to April 2nd ran the months to June, two months of no items closing them, and April's
    2 days were a whole month where the unfiltered trend says "2 of 30 days". Each run ends on its own last item:
    run 1's, March 31st."""
    client, _, _ = c
    whole = client.get("/v1/trends").json()
    wide = client.get("/v1/trends?since=2026-01-01&until=2026-06-30").json()
    assert wide["periods"] == whole["periods"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert wide["partial"] == whole["partial"] == {"period": "2026-04", "days": 2, "of_days": 30,
                                                   "last_day": "2026-04-02"}  # fmt: skip
    assert client.get("/v1/trends?since=2026-01-01&until=2026-06-30&run=1").json()["items"] == [33, 33, 33]


def test_whole_months_the_data_ends_inside_give_no_complaint_count_change(c):
    """March and April of data to April 2nd gave each pain point's complaint counts against January and February's
    as a change: 33 days of complaints against 59 (a telecom's November and December of data to December 6th said
    "-58%" where the share of items fell 31%). `direction` still compares the shares of items."""
    client, _, _ = c
    cut = client.get("/v1/pain-points?since=2026-03-01&until=2026-04-30&limit=200").json()
    assert cut["period"]["previous_since"] == "2026-01-01" and cut["pain_points"]
    for point in cut["pain_points"]:
        trend = point["trend"]
        assert (trend["change"], trend["change_pct"]) == (None, None) and trend["direction"] != "too few"
        assert trend["change_note"].startswith(
            "the period ends on 2026-04-02, the last item's day, not 2026-04-30: it covers 33 of its 61 days"
        )
    for window in ("since=2026-03-01&until=2026-03-31", "since=2026-03-15&until=2026-04-30"):  # whole; as many days
        page = client.get(f"/v1/pain-points?{window}&limit=200").json()
        assert not any((p["trend"]["change_note"] or "").startswith("the period ends") for p in page["pain_points"])


def test_items_imported_by_no_completed_run_are_in_no_run(c, segmenter):
    """What a cancelled run or a `mine` that crashed after its import stored in the workspace's file."""
    client, server, _ = c
    before = [(_march(client, q), client.get(f"/v1/trends?{q}").json()) for q in ("&run=1", "")]
    db = open_db(workspace_path(Settings(db=server.db).workspaces_dir, "runs"))
    pending = _write(server.db.parent / "pending.csv", [("P1", "2026-03-20"), ("P2", "2026-04-20")])
    import_paths(db, [pending], MineOptions(segmenter=segmenter, redact_pii=False))
    assert db["documents"].count == 107
    assert [(_march(client, q), client.get(f"/v1/trends?{q}").json()) for q in ("&run=1", "")] == before


def test_a_page_names_its_run_to_pin(c):
    """Pain point ids are a run's: each page says which run it read, for the next page's `run=`."""
    client, _, _ = c
    page = client.get("/v1/pain-points?limit=1&offset=1").json()
    assert page["run"]["id"] == 2 and page["pain_points"]
    point = page["pain_points"][0]["id"]
    again = client.get(f"/v1/pain-points?limit=1&offset=1&run={page['run']['id']}").json()
    assert again["pain_points"][0]["id"] == point
    examples = client.get(f"/v1/pain-points/{point}/examples?limit=1&run=2").json()
    assert examples["run"]["id"] == 2 and examples["examples"]


def test_a_run_whose_dataset_was_deleted_counts_none_of_its_items(c):
    client, _, datasets = c
    assert client.delete(f"/v1/datasets/{datasets[0]}").status_code in (200, 204)
    first = _march(client, "&run=1")
    assert first["run"]["documents"] == 0 and first["total_items"] == 0
    assert client.get("/v1/trends?run=1").json()["items"] == []
    latest = _march(client)
    assert latest["run"]["documents"] == 6 and latest["total_items"] == 4
