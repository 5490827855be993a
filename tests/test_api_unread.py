"""Every answer that counts items says how many of them were read: /v1/pain-points and /v1/stats did, while
/v1/touchpoints, /v1/trends and /v1/runs gave a touchpoint's or a month's items with no word of those in another
language, so a dashboard's complaint rate over them could not say what it left out. On a real server on 127.0.0.1
with the fake embedder: run 1 on three months of English complaints and German, French or Spanish items (1, 2
and 3 a month, one undated), run 2 on them and a second file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from api.testing import serve, wait_for_run
from tests.conftest import COMPLAINTS
from tests.test_language import FOREIGN

MARCH = "since=2026-03-01&until=2026-03-31"
FIELDS = ("total_items", "read_items", "unread_items", "unread_languages")


def _export(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A review export of (id, date, text) rows, one star each."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review_id", "date", "rating", "review"])
        w.writerows([rid, day, 1, text] for rid, day, text in rows)
    return path


def _months(tmp: Path) -> Path:
    """12 English complaints a month, January to March 2026, and 1, 2 and 3 items in another language (Spanish,
    German, French); one more in Spanish with no date."""
    english = [(f"E{m}-{i}", f"2026-{m:02d}-{i + 1:02d}", f"{COMPLAINTS[i % 6]}, order {m}{i} was awful.")
               for m in (1, 2, 3) for i in range(12)]  # fmt: skip
    other = [(f"F{m}-{i}", f"2026-{m:02d}-{20 + i:02d}", FOREIGN[("es", "de", "fr")[i]])
             for m in (1, 2, 3) for i in range(m)]  # fmt: skip
    return _export(tmp / "reviews.csv", [*english, *other, ("F0", "", FOREIGN["es"])])


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    """A client of workspace 'unread': run 1 on `_months`, run 2 on it and 4 more items (2 Italian)."""
    tmp = tmp_path_factory.mktemp("api")
    more = _export(tmp / "more.csv", [("M1", "2026-03-05", "the site crashed at checkout, again"),
                                      ("M2", "2026-03-06", "the refund never arrived on my card, order 77"),
                                      ("M3", "2026-03-07", FOREIGN["it"]),
                                      ("M4", "2026-02-07", FOREIGN["it"])])  # fmt: skip
    with serve(tmp / "main.db", {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("unread")) as client:
            for path in (_months(tmp), more):
                with path.open("rb") as fh:
                    resp = client.post("/v1/datasets", files={"file": (path.name, fh, "text/csv")})
                assert resp.status_code == 201, resp.text
                job = client.post("/v1/runs", json={"dataset_id": resp.json()["id"]}).json()["id"]
                final, _ = wait_for_run(client, job)
                assert final["status"] == "complete", final
            yield client


def _get(client, path: str) -> dict:
    resp = client.get(path)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _counts(answer: dict) -> dict:
    return {k: answer[k] for k in FIELDS}


@pytest.mark.parametrize("query", ["", MARCH, "run=1", f"{MARCH}&run=1", "source=more.csv", "since=2026-02-01"])
def test_touchpoints_count_the_items_read_as_pain_points_do(c, query):
    points = _counts(_get(c, f"/v1/pain-points?{query}"))
    assert points["unread_items"] > 0
    assert _counts(_get(c, f"/v1/touchpoints?{query}")) == points
    assert _counts(_get(c, f"/v1/touchpoints?{query}&stage=purchase")) == points  # the stage chooses touchpoints only
    top = _get(c, f"/v1/touchpoints?{query}")["touchpoints"][0]["id"]
    assert _counts(_get(c, f"/v1/touchpoints/{top}?{query}")) == points
    assert _counts(_get(c, f"/v1/touchpoints/none?{query}")) == points


def test_march_leaves_three_items_unread_in_run_1_and_four_in_run_2(c):
    first = _counts(_get(c, f"/v1/touchpoints?{MARCH}&run=1"))
    assert first == {"total_items": 15, "read_items": 12, "unread_items": 3,
                     "unread_languages": {"Spanish": 1, "German": 1, "French": 1}}  # fmt: skip
    second = _counts(_get(c, f"/v1/touchpoints?{MARCH}"))
    assert (second["total_items"], second["read_items"], second["unread_items"]) == (18, 14, 4)
    assert second["unread_languages"]["Italian"] == 1


def test_trends_give_the_items_read_and_unread_per_period(c):
    first = _get(c, "/v1/trends?run=1")
    assert first["periods"] == ["2026-01", "2026-02", "2026-03"] and first["items"] == [13, 14, 15]
    assert (first["read_items"], first["unread_items"]) == ([12, 12, 12], [1, 2, 3])
    assert first["unread_languages"] == {"Spanish": 3, "German": 2, "French": 1}  # the undated one is in no period
    second = _get(c, "/v1/trends")
    assert second["unread_items"] == [1, 3, 4] and second["unread_languages"]["Italian"] == 2
    for answer in (first, second, _get(c, "/v1/trends?period=week&source=more.csv")):
        assert [r + u for r, u in zip(answer["read_items"], answer["unread_items"], strict=True)] == answer["items"]
    march = _counts(_get(c, f"/v1/pain-points?{MARCH}"))
    assert second["read_items"][-1] == march["read_items"] and second["unread_items"][-1] == march["unread_items"]


def test_runs_give_the_items_each_analysed_read_and_unread(c):
    listed = {r["run_number"]: r for r in _get(c, "/v1/runs")}
    assert set(listed) == {1, 2}
    for number, run in listed.items():
        whole = _counts(_get(c, f"/v1/pain-points?run={number}"))
        assert _counts(run) == whole == _counts(_get(c, f"/v1/runs/{number}"))
        assert _counts(_get(c, f"/v1/runs/{run['id']}")) == whole  # by the job's id as well
    assert (listed[1]["total_items"], listed[1]["unread_items"], listed[2]["unread_items"]) == (43, 7, 9)
    stats = _get(c, "/v1/stats")
    assert {k: stats[k] for k in FIELDS[1:]} == {k: listed[2][k] for k in FIELDS[1:]}


def test_a_runs_counts_come_from_memory_and_follow_an_erasure(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    """One table per import for the workspace, read once: GET /v1/runs lists up to 500 runs, and a read of each
    run's items and segments took 0.8 s on the 1M-segment workspace. An erasure (a dataset deleted) is seen."""
    from miner.pipeline import MineOptions, mine
    from miner.store.erasure import forget_files
    from miner.store.filters import Filters
    from miner.store.runs import find_run
    from miner.store.unread import read_by_day, run_read_counts

    options = MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter, redact_pii=False)
    first = _months(tmp_path)
    _, run = mine(db, [first], options)
    _, latest = mine(db, [_export(tmp_path / "more.csv", [("M3", "2026-03-07", FOREIGN["it"])])], options)
    assert run_read_counts(db, run)["unread_items"] == 7 and run_read_counts(db, latest)["unread_items"] == 8
    assert run_read_counts(db, 99) is None
    assert sum(read_by_day(db, find_run(db), Filters())[0].values()) == 36  # the English ones: every day
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    again = [run_read_counts(db, run), run_read_counts(db, latest), read_by_day(db, find_run(db), Filters())]
    db.conn.set_trace_callback(None)
    assert again[0]["total_items"] == 43 and again[2][1] == {"Spanish": 3, "German": 2, "French": 1, "Italian": 1}
    assert not [s for s in statements if "documents" in s], statements  # the runs' rows alone
    forget_files(db, [str(db.execute("SELECT path FROM imports WHERE source = 'more.csv'").fetchone()[0])])
    assert run_read_counts(db, latest)["unread_items"] == 7


def test_erasing_an_item_no_run_read_is_seen_by_every_count(tmp_path):
    """An erased item with no segment (the German one) took nothing out of a run's stored counts, so no run was
    stamped, and the run's tables in memory behind `total_items` and `unread_items` kept counting it until the server
    restarted, while GET /v1/runs (keyed on the erasures) saw it go."""
    with serve(tmp_path / "main.db", {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("erased")) as client:
            with _months(tmp_path).open("rb") as fh:
                dataset = client.post("/v1/datasets", files={"file": ("reviews.csv", fh, "text/csv")}).json()["id"]
            final, _ = wait_for_run(client, client.post("/v1/runs", json={"dataset_id": dataset}).json()["id"])
            assert final["status"] == "complete", final
            paths = (f"/v1/touchpoints?{MARCH}", f"/v1/pain-points?{MARCH}", f"/v1/touchpoints/none?{MARCH}")
            assert all(_counts(_get(client, p))["unread_languages"]["German"] == 1 for p in paths)  # now in memory
            assert _get(client, "/v1/trends")["unread_items"] == [1, 2, 3]
            erased = client.post("/v1/erasures", json={"customer": "F3-1"})  # March's German item, by its id
            assert erased.status_code == 200 and erased.json()["documents"] == 1, erased.text
            march = {"total_items": 14, "read_items": 12, "unread_items": 2,
                     "unread_languages": {"Spanish": 1, "French": 1}}  # fmt: skip
            assert [_counts(_get(client, p)) for p in paths] == [march] * 3
            trends = _get(client, "/v1/trends")
            assert (trends["items"], trends["unread_items"]) == ([13, 14, 14], [1, 2, 2])
            (run,) = _get(client, "/v1/runs")
            assert _counts(run) == _counts(_get(client, "/v1/pain-points"))
