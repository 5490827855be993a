"""The HTTP API over a real uvicorn server on 127.0.0.1, on the fake embedder (plumbing, not quality)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from api.testing import ROOT, serve, wait_for_run

CORPUS = ROOT / "corpora" / "food_delivery"
DATA = Path(__file__).parent / "data"
LIMIT = 200_000
B_RECORDS = [
    {"id": "b1", "date": "2026-01-02", "rating": 1, "text": "The courier was two hours late and the food was cold."},
    {"id": "b2", "date": "2026-01-03", "rating": 1, "text": "I was charged twice and nobody answers the phone."},
    {"id": "b3", "date": "2026-01-04", "rating": 2, "text": "The app crashes at checkout every single time."},
    {"id": "b4", "date": "2026-01-05", "rating": 5, "text": "Lovely food, friendly driver."},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("api") / "main.db"
    # Every route is tried with a wrong key: the limit on wrong keys is tested apart (tests/test_api_limits.py).
    env = {
        "TOUCHPOINTS_EMBEDDING_MODEL": "fake",
        "TOUCHPOINTS_MAX_UPLOAD_BYTES": str(LIMIT),
        "TOUCHPOINTS_AUTH_FAILURES": "0",
    }
    with serve(db, env) as srv:
        yield srv


@pytest.fixture(scope="module")
def alice(server):
    """Workspace 'alice': the demo corpus's reviews, uploaded and mined."""
    proc = subprocess.run(
        [sys.executable, "-m", "miner", "keys", "create", "--workspace", "alice", "--db", str(server.db)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    key = proc.stdout.strip()
    with server.client(key) as client:
        with (CORPUS / "reviews.csv").open("rb") as fh:
            resp = client.post("/v1/datasets", files={"file": ("reviews.csv", fh, "text/csv")})
        assert resp.status_code == 201, resp.text
        dataset = resp.json()
        run = client.post("/v1/runs", json={"dataset_id": dataset["id"]})
        assert run.status_code == 202, run.text
        second = client.post("/v1/runs", json={"dataset_id": dataset["id"]})
        final, states = wait_for_run(client, run.json()["id"])
    assert final["status"] == "complete", final
    return {"key": key, "dataset": dataset, "run": final, "states": states, "second": second}


@pytest.fixture(scope="module")
def bob(server):
    """Workspace 'bob': four JSON records, mined."""
    key = server.key("bob")
    with server.client(key) as client:
        resp = client.post("/v1/datasets", json={"name": "bob-records", "records": B_RECORDS})
        assert resp.status_code == 201, resp.text
        final, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
    assert final["status"] == "complete", final
    return {"key": key, "dataset": resp.json(), "run": final}


@pytest.fixture
def a(server, alice):
    with server.client(alice["key"]) as client:
        yield client


@pytest.fixture
def b(server, bob):
    with server.client(bob["key"]) as client:
        yield client


def assert_error(resp: httpx.Response, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) >= {"code", "message"} and body["message"]
    if code:
        assert body["code"] == code, body
    return body


# --- health, keys -----------------------------------------------------------------------------------------


def test_healthz_needs_no_key(server):
    resp = httpx.get(f"{server.url}/healthz")
    assert resp.status_code == 200 and resp.json()["status"] == "ok"


ROUTES = [
    ("GET", "/v1/datasets"),
    ("POST", "/v1/datasets"),
    ("GET", "/v1/datasets/ds_0"),
    ("GET", "/v1/runs"),
    ("POST", "/v1/runs"),
    ("GET", "/v1/runs/run_0"),
    ("DELETE", "/v1/runs/run_0"),
    ("GET", "/v1/pain-points"),
    ("GET", "/v1/pain-points/website-01/examples"),
    ("GET", "/v1/touchpoints"),
    ("GET", "/v1/touchpoints/website"),
    ("GET", "/v1/taxonomy"),
    ("PUT", "/v1/taxonomy"),
    ("GET", "/v1/review"),
    ("GET", "/v1/stats"),
    ("GET", "/v1/report"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_a_valid_key(server, method, path):
    for headers in ({}, {"Authorization": "Bearer tpm_wrong"}, {"Authorization": "Basic abc"}):
        resp = httpx.request(method, server.url + path, headers=headers, json={})
        body = assert_error(resp, 401, "unauthorized")
        assert "Bearer" in resp.headers["www-authenticate"], body
        assert body["field"] is None  # every error body has the three keys docs/guide/api.md names


def test_cli_key_is_printed_once_stored_hashed_and_revocable(server):
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "miner", "keys", *a, "--db", str(server.db)], capture_output=True, text=True, cwd=ROOT
    )
    key = run("create", "--workspace", "carol").stdout.strip()
    assert key.startswith("tpm_") and len(key) > 40
    listing = run("list").stdout
    assert "carol" in listing and key not in listing and key[:10] in listing
    raw = server.db.read_bytes() + (server.db.with_name(server.db.name + "-wal").read_bytes() if
                                    server.db.with_name(server.db.name + "-wal").exists() else b"")  # fmt: skip
    assert key.encode() not in raw
    with server.client(key) as client:
        assert client.get("/v1/stats").status_code == 200
        assert run("revoke", key[:10]).returncode == 0
        assert_error(client.get("/v1/stats"), 401)
    assert run("create", "--workspace", "Bad Name!").returncode != 0


# --- datasets ---------------------------------------------------------------------------------------------


def test_upload_counts_rows(alice, a):
    ds = alice["dataset"]
    assert ds["rows"] == ds["accepted"] == 260 and ds["rejected"] == [] and ds["name"] == "reviews.csv"
    pending = {"imported_at": None, "new_items": None, "kept_apart": None}
    # the columns it is read by, as `mine` prints them: an API consumer saw no more than the row counts
    columns = {"text": ["review"], "title": "title", "rating": "rating", "rating_scale": "stars5", "date": "date",
               "id": "review_id", "kept": ["author"]}  # fmt: skip
    files = [{"name": "reviews.csv", "rows": 260, "accepted": 260, "columns": columns, **pending}]
    assert ds["files"] == files
    # The run imported it: the file's items are stored (all of them new) and the raw upload is gone.
    [file] = a.get(f"/v1/datasets/{ds['id']}").json()["files"]
    assert file["imported_at"] >= ds["created_at"] and file["new_items"] == 260, file


def test_upload_lists_rejected_rows(a):
    csv = "id,date,text\nx1,2026-01-01,the box was crushed\nx2,2026-01-02,\nx3,not a date,late again\n"
    resp = a.post("/v1/datasets?name=bad-rows", files={"file": ("bad.csv", csv.encode(), "text/csv")})
    assert resp.status_code == 201, resp.text
    ds = resp.json()
    assert (ds["rows"], ds["accepted"], ds["rejected_count"]) == (3, 1, 2)
    assert [(r["file"], r["line"], r["field"]) for r in ds["rejected"]] == [
        ("bad.csv", 3, "text"),
        ("bad.csv", 4, "date"),
    ]
    assert a.get(f"/v1/datasets/{ds['id']}").json() == ds
    assert ds["id"] in {d["id"] for d in a.get("/v1/datasets").json()}


def test_upload_json_records(b, bob):
    assert bob["dataset"]["rows"] == 4 and bob["dataset"]["name"] == "bob-records"
    assert_error(b.post("/v1/datasets", json={"records": []}), 422, "invalid")
    empty = assert_error(b.post("/v1/datasets", json={"records": [{"text": ""}]}), 400, "invalid_file")
    assert empty["field"] == "records"  # what is at fault: the body's records (null before)
    # a rejected record is named by its index in the body, not by a line of the file the server wrote it to
    some = b.post("/v1/datasets", json={"name": "r", "records": [{"text": "late again"}, {"text": ""}]}).json()
    [bad] = some["rejected"]
    assert bad["record"] == 1 and bad["line"] is None and bad["message"].startswith("records[1]"), bad
    assert b.delete(f"/v1/datasets/{some['id']}").status_code == 200  # bob's workspace stays as other tests read it
    named = b.post("/v1/datasets", json={"name": "march.jsonl", "records": [{"text": "late again"}]}).json()
    assert [f["name"] for f in named["files"]] == ["march.jsonl"]  # not "march.jsonl.jsonl"
    assert b.delete(f"/v1/datasets/{named['id']}").status_code == 200


def test_upload_errors(a):
    body = assert_error(a.post("/v1/datasets", files={"file": ("x.csv", b"", "text/csv")}), 400, "invalid_file")
    assert "x.csv" in body["message"] and "/" not in body["message"].split(":")[0] and body["field"] == "file"
    body = assert_error(a.post("/v1/datasets", files={"file": ("notes.pdf", b"%PDF", "application/pdf")}), 400)
    assert body["code"] == "unsupported_format" and ".csv" in body["message"]
    assert_error(a.post("/v1/datasets", content=b"text", headers={"Content-Type": "text/plain"}), 415)
    csv = b"id,comment\n1,hello there\n"
    body = assert_error(a.post("/v1/datasets?text_col=nope", files={"file": ("c.csv", csv)}), 400, "invalid_file")
    assert "nope" in body["message"]
    typo = assert_error(a.post("/v1/datasets?datecol=date", files={"file": ("c.csv", csv)}), 422, "invalid")
    assert typo["field"] == "datecol"
    extra = assert_error(a.post("/v1/datasets", json={"records": [{"text": "late"}], "extra": 1}), 422)
    assert extra["field"] == "extra"
    assert_error(a.post("/v1/datasets?kind=tweet", files={"file": ("c.csv", csv)}), 422, "invalid")


def test_upload_errors_name_the_upload_and_the_query_parameter(a):
    """The upload's own name, never where the server keeps it, and this API's parameters, not the CLI's flags."""
    csv = b"id,author,text\n1,Fiona E.,late again\n2,Alan T.,cold food\n"
    resp = a.post("/v1/datasets?date_col=author", files={"file": ("r5.csv", csv, "text/csv")})
    body = assert_error(resp, 400, "invalid_file")
    assert body["message"].startswith("r5.csv: no usable rows") and "uploads" not in body["message"], body
    assert "--" not in body["message"] and "date_col" in body["message"] and body["field"] == "date_col"
    body = assert_error(a.post("/v1/datasets?text_col=nope", files={"file": ("c.csv", csv)}), 400, "invalid_file")
    assert "--" not in body["message"] and body["field"] == "text_col", body
    bad = b"id,date,text\n1,2026-01-01,late again\n2,someday,cold food\n3,2026-01-02,\n"
    ds = a.post("/v1/datasets", files={"file": ("bad.csv", bad, "text/csv")}).json()
    messages = [r["message"] for r in ds["rejected"]]
    assert len(messages) == 2 and not any("--" in m for m in messages), messages
    assert "date_col" in messages[0] and messages[1].endswith("the text is empty (fill it in)"), messages


def test_upload_over_the_limit_is_413(a, server):
    big = b"id,text\n" + b"".join(b"%d,the delivery was late again and again\n" % i for i in range(LIMIT // 30))
    assert len(big) > LIMIT
    assert_error(a.post("/v1/datasets", files={"file": ("big.csv", big, "text/csv")}), 413, "too_large")

    def chunks():  # no Content-Length: the limit is enforced while streaming
        for start in range(0, len(big), 16384):
            yield big[start : start + 16384]

    resp = a.post("/v1/datasets", content=chunks(), headers={"Content-Type": "application/json"})
    assert_error(resp, 413, "too_large")
    uploads = server.db.parent / "main.workspaces" / "alice.uploads"
    assert not any("big" in p.name for p in uploads.rglob("*"))


def test_an_upload_keeps_its_unicode_name_as_the_cli_does(server):
    """'отзывы.csv' was refused as file type 'csv', and 'été avis.csv' stored as 't_avis.csv', so a `source=`
    filter with the name the analysts' CLI output shows was a 400."""
    csv = "id,date,text\n{0}1,2026-01-01,The courier was two hours late.\n{0}2,2026-01-02,I was charged twice.\n"
    with server.client(server.key("names")) as client:
        files = [("file", (name, csv.format(name[0]).encode(), "text/csv")) for name in ("отзывы.csv", "été avis.csv")]
        resp = client.post("/v1/datasets", files=files)
        assert resp.status_code == 201, resp.text
        assert [f["name"] for f in resp.json()["files"]] == ["отзывы.csv", "été avis.csv"]
        final, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
        assert final["status"] == "complete", final
        assert client.get("/v1/stats").json()["by_source"] == {"отзывы.csv": 2, "été avis.csv": 2}
        assert client.get("/v1/touchpoints", params={"source": "été avis.csv"}).status_code == 200


# --- runs -------------------------------------------------------------------------------------------------


def test_run_reports_progress_and_stages(alice):
    states = alice["states"]
    progress = [s["progress"] for s in states]
    assert all(0 <= p <= 1 for p in progress) and progress == sorted(progress) and progress[-1] == 1.0
    stages = {s["stage"] for s in states if s["stage"]}
    assert stages, states
    assert alice["run"]["error"] is None and alice["run"]["finished_at"]
    assert alice["run"]["stage"] is None  # a finished run is in no stage


def test_a_run_names_the_taxonomy_version_it_used(a, alice):
    """On the default taxonomy the job was queued with no version; it names the one its run read."""
    run_id = alice["run"]["id"]
    used = a.get(f"/v1/pain-points?run={run_id}").json()["run"]["taxonomy_version"]
    assert used and alice["run"]["taxonomy_version"] == used
    assert next(r for r in a.get("/v1/runs").json() if r["id"] == run_id)["taxonomy_version"] == used


def test_second_run_while_one_is_in_progress_is_409(alice):
    assert_error(alice["second"], 409, "run_in_progress")


def test_cancel_a_run(a, alice):
    run = a.post("/v1/runs", json={"dataset_id": alice["dataset"]["id"]})
    assert run.status_code == 202, run.text
    resp = a.delete(f"/v1/runs/{run.json()['id']}")
    assert resp.status_code == 200 and resp.json()["status"] in ("cancelled", "cancelling"), resp.text
    final, _ = wait_for_run(a, run.json()["id"])
    assert final["status"] == "cancelled"
    assert_error(a.delete(f"/v1/runs/{run.json()['id']}"), 409, "run_finished")
    # The latest completed run is still the one the pain points come from.
    assert a.get("/v1/pain-points").json()["run"]["id"] == a.get("/v1/stats").json()["latest_run"]["id"]


def test_a_run_and_its_pain_points_say_how_well_the_corpus_fits(a, alice):
    run_id = alice["run"]["id"]
    fit = a.get(f"/v1/runs/{run_id}").json()["fit"]
    assert fit is not None and fit["verdict"] in ("fits", "weak fit", "does not fit", "not judged")
    assert fit["complaints"] > 0 and 0 <= fit["none_share"] <= 1 and isinstance(fit["warnings"], list)
    assert a.get(f"/v1/pain-points?run={run_id}").json()["run"]["fit"] == fit
    assert next(r for r in a.get("/v1/runs").json() if r["id"] == run_id)["fit"] == fit


def test_a_run_is_found_by_its_stored_number_too(a, alice):
    """`run.id` in the pain points is the stored run's number; GET /v1/runs/{that} answers with its job."""
    number = a.get(f"/v1/pain-points?run={alice['run']['id']}").json()["run"]["id"]
    assert a.get(f"/v1/runs/{alice['run']['id']}").json()["run_number"] == number
    assert a.get(f"/v1/runs/{number}").json()["id"] == alice["run"]["id"]
    assert_error(a.get("/v1/runs/99999"), 404, "not_found")
    # "³" is a digit to str.isdigit() but no number to int(): a 500 the schema fuzzer found
    assert_error(a.get("/v1/runs/%C2%B3"), 404, "not_found")
    assert a.get("/v1/pain-points?run=%C2%B3").status_code < 500
    # a number past SQLite's integers (2**63 - 1) could not be bound: an OverflowError and a 500 (the fuzzer again)
    huge = "9" * 30
    assert_error(a.get(f"/v1/runs/{huge}"), 404, "not_found")
    assert_error(a.delete(f"/v1/runs/{huge}"), 404, "not_found")
    assert_error(a.get(f"/v1/pain-points?run={huge}"), 404, "not_found")
    assert_error(a.get(f"/v1/touchpoints?run={2**63}"), 404, "not_found")


def test_runs_the_cli_made_in_a_workspace_file_are_listed_and_found(server):
    """GET /v1/runs listed only the API's jobs and GET /v1/runs/1 was a 404 for a run `touchpoints mine` made in the
    workspace's file, though run=1 read it; /v1/stats counted the jobs only."""
    key = server.key("mixed")
    workspace_db = server.db.with_name("main.workspaces") / "mixed.db"
    subprocess.run(
        [sys.executable, "-m", "miner", "mine", str(DATA / "reviews_small.csv"), "--db", str(workspace_db),
         "--embedding-model", "fake", "--segmenter", "rules"], check=True, capture_output=True, cwd=ROOT,
    )  # fmt: skip
    with server.client(key) as client:
        client.post("/v1/datasets", json={"records": B_RECORDS})
        job, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
        assert job["status"] == "complete" and job["run_number"] == 2, job
        listed = client.get("/v1/runs").json()
        assert [(r["id"], r["run_number"]) for r in listed] == [(job["id"], 2), ("1", 1)]
        cli = client.get("/v1/runs/1").json()
        assert cli == listed[1] and cli["status"] == "complete" and cli["finished_at"] and cli["fit"], cli
        assert cli["taxonomy_version"] == client.get("/v1/pain-points?run=1").json()["run"]["taxonomy_version"]
        assert client.get("/v1/stats").json()["runs"] == {"complete": 2}
        assert_error(client.delete("/v1/runs/1"), 409, "not_a_job")
        assert_error(client.get("/v1/runs/3"), 404, "not_found")


def test_run_errors(a):
    assert_error(a.get("/v1/runs/run_nope"), 404, "not_found")
    assert_error(a.post("/v1/runs", json={"dataset_id": "ds_nope"}), 404, "not_found")
    assert_error(a.post("/v1/runs", json={"dataset_id": 5}), 422, "invalid")
    unknown = assert_error(a.post("/v1/runs", json={"profile": "turbo"}), 422, "invalid")
    assert "use one of default, batch" in str(unknown)
    # a misspelt field is refused, not ignored (ignored, it would start a run over every dataset)
    typo = assert_error(a.post("/v1/runs", json={"datasetid": "ds_nope"}), 422, "invalid")
    assert typo["field"] == "datasetid" and "unknown field" in typo["message"]
    broken = a.post("/v1/runs", content=b"{bad", headers={"Content-Type": "application/json"})
    assert assert_error(broken, 422, "invalid")["field"] == "body" and "not valid JSON" in broken.json()["message"]


def test_a_run_records_its_profile(alice):
    assert alice["run"]["profile"] == "default"  # no profile asked for: the server's configured models


# --- pain points ------------------------------------------------------------------------------------------


def test_pain_points_match_the_report(a, server):
    from miner.report import top_pain_points
    from miner.store import open_db

    got = a.get("/v1/pain-points?limit=200").json()
    points = got["pain_points"]
    assert points and [p["complaints"] for p in points] == sorted((p["complaints"] for p in points), reverse=True)
    report = top_pain_points(open_db(server.db.parent / "main.workspaces" / "alice.db"), limit=100, pain_points=100)
    expected = {p["id"]: p["complaints"] for t in report["touchpoints"] for p in t["pain_points"]}
    assert {p["id"]: p["complaints"] for p in points} == expected
    assert got["run"]["id"] == report["run"]["id"]
    for p in points:
        assert {"id", "label", "touchpoint", "stage", "complaints", "share", "trend", "quotes"} <= set(p)
        assert 1 <= len(p["quotes"]) <= 3 and p["trend"] is None and 0 < p["share"] <= 1


def test_report_is_served_for_the_workspace(a, b, server):
    page = a.get("/v1/report")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Touchpoint report" in page.text and "<script src=" not in page.text
    everything_before_2000 = a.get("/v1/report?until=1999-01-01")
    assert everything_before_2000.status_code in (200, 404)
    shell = httpx.get(server.url + "/")
    assert shell.status_code == 200 and "v1/report" in shell.text and "Authorization" in shell.text


def test_pain_points_filters(a):
    everything = a.get("/v1/pain-points?limit=200").json()
    website = a.get("/v1/pain-points?touchpoint=website&limit=200").json()["pain_points"]
    assert website and all(p["touchpoint"] == "website" for p in website)
    post = a.get("/v1/pain-points?stage=post-purchase&limit=200").json()["pain_points"]
    assert post and all(p["stage"] == "post-purchase" for p in post)
    assert a.get("/v1/pain-points?kind=survey").json()["pain_points"] == []
    same = a.get("/v1/pain-points?source=reviews.csv&limit=200").json()
    assert same["pain_points"] == everything["pain_points"]
    unknown = assert_error(a.get("/v1/pain-points?source=other.csv"), 400, "unknown_source")
    assert unknown["field"] == "source" and "the database holds reviews.csv" in unknown["message"]
    assert a.get("/v1/touchpoints?source=REVIEWS.CSV").status_code == 400  # names are exact
    assert len(a.get("/v1/pain-points?limit=2").json()["pain_points"]) == 2
    # repeated filters are all kept, as the CLI's repeatable --source and --kind; an empty one is no filter
    twice = a.get("/v1/pain-points?source=reviews.csv&source=reviews.csv&limit=200").json()
    assert twice["pain_points"] == everything["pain_points"]
    assert a.get("/v1/pain-points?kind=review&kind=survey&limit=200").json()["pain_points"] == everything["pain_points"]
    assert a.get("/v1/pain-points?source=&limit=200").json()["pain_points"] == everything["pain_points"]


def test_the_run_id_of_an_answer_reads_that_run(a, alice):
    latest = a.get("/v1/pain-points?limit=5").json()
    pinned = a.get(f"/v1/pain-points?limit=5&run={latest['run']['id']}").json()
    assert pinned == latest
    assert a.get(f"/v1/pain-points?limit=5&run={alice['run']['id']}").json()["run"]["id"] == latest["run"]["id"]
    assert assert_error(a.get("/v1/pain-points?run=999"), 404, "not_found")["field"] == "run"  # the parameter at fault


def test_pain_points_period_and_trend(a):
    window = a.get("/v1/pain-points?since=2026-03-01&until=2026-03-31&limit=200").json()
    # a whole calendar month is held against the calendar month before, as the report's monthly trends are
    assert window["period"]["previous_since"] == "2026-02-01" and window["period"]["previous_until"] == "2026-02-28"
    before = a.get("/v1/pain-points?since=2026-02-01&until=2026-02-28&limit=200").json()
    before_counts = {p["id"]: p["complaints"] for p in before["pain_points"]}
    assert window["pain_points"]
    for p in window["pain_points"]:
        for q in p["quotes"]:
            assert "2026-03-01" <= q["date"][:10] <= "2026-03-31"
        t = p["trend"]
        assert t["previous_complaints"] == before_counts.get(p["id"], 0)
        # the counts' change where it does not contradict the direction (else null, and `change_note` says why)
        assert t["change"] in (p["complaints"] - t["previous_complaints"], None)
        assert (t["change"] is None) == (t["change_note"] is not None)
        # judged per item, as the report's trends: the two months' item counts are the rates' denominators
        assert (t["items"], t["previous_items"]) == (window["total_items"], before["total_items"])
    total = sum(p["complaints"] for p in a.get("/v1/pain-points?limit=200").json()["pain_points"])
    assert sum(p["complaints"] for p in window["pain_points"]) < total


def test_a_pain_point_trend_is_a_rate_and_needs_an_earlier_period_with_feedback():
    """The tester's API said 'up' for delivery (14 to 19 complaints) when a survey only added items (the rate fell),
    'new' for every pain point of a first month, whose previous month held no feedback at all, and 'significant'
    (p = 0.019) for chats that said it in three turns each: 12 complaints against 3, in 4 items against 1."""
    from api.queries.pain_points import trend

    more_items = trend(19, 14, 19, 14, 200, 100)
    assert more_items["direction"] == "down" and more_items["rate_change_pct"] == -0.3214
    assert not more_items["significant"] and 0.05 < more_items["p_value"] < 1
    repeated = trend(3, 12, 1, 4, 21, 20)  # judged on the items, as the report's trends: p = 0.18
    assert repeated["direction"] == "down" and not repeated["significant"] and repeated["p_value"] > 0.15
    assert trend(5, 0, 5, 0, 40, 0)["direction"] == "too few"  # no feedback the month before: not "new"
    assert trend(5, 0, 5, 0, 40, 40)["direction"] == "new" and trend(0, 6, 0, 6, 40, 40)["direction"] == "down"
    doubled = trend(40, 20, 40, 20, 100, 100)
    assert doubled["direction"] == "up" and doubled["significant"] and doubled["rate_change_pct"] == 1.0


def test_a_pain_point_trend_gives_no_count_change_against_its_direction():
    """The tester's API said "change +8, change_pct +0.7273" beside "down" (rate -21%), on a previous period of 31
    days of feedback against 59, and +900% on one of 14 days against 31: counts of a previous period cut short by the
    first item, or counts that moved against the share's direction, are not given as a change; `change_note` says
    why, and the counts themselves stay (`previous_complaints`, `documents`, `items`)."""
    from api.queries.pain_points import cut_note, trend
    from miner.store.filters import Filters

    cut = cut_note(Filters("2026-01-01", "2026-01-31"), date(2025, 12, 1))
    assert cut is not None and "2026-01-01" in cut and "31 of its 62 days" in cut
    assert cut_note(Filters("2026-02-01", "2026-02-28"), date(2026, 2, 1)) is None
    short = trend(19, 11, 17, 10, 134, 66, cut)
    assert (short["change"], short["change_pct"], short["change_note"]) == (None, None, cut)
    assert short["previous_complaints"] == 11 and short["direction"] == "down" and short["rate_change_pct"] < 0
    more_items = trend(19, 14, 19, 14, 200, 100)  # more complaints, a smaller share of many more items: "down"
    assert more_items["direction"] == "down" and more_items["change"] is None and more_items["change_pct"] is None
    assert "14 of 100 items to 19 of 200" in more_items["change_note"]
    fewer = trend(10, 11, 8, 9, 62, 73)  # fewer mentions, a larger share of fewer items: "up"
    assert fewer["direction"] == "up" and fewer["change"] is None and fewer["change_note"]
    agreed = trend(8, 3, 8, 3, 62, 73)
    assert (agreed["change"], agreed["change_pct"], agreed["change_note"]) == (5, 1.6667, None)
    too_few = trend(5, 2, 5, 2, 9, 9)  # no direction: the counts of two whole periods stand
    assert too_few["direction"] == "too few" and too_few["change"] == 3


def test_pain_points_errors(a):
    assert assert_error(a.get("/v1/pain-points?touchpoint=nope"), 400, "unknown_touchpoint")["field"] == "touchpoint"
    # a value no request could use is a 422 `invalid` naming it, as a malformed one: since after until was a 400
    # `bad_period`, alone among them; an impossible time after the day was read as the day
    body = assert_error(a.get("/v1/pain-points?since=2026-02-01&until=2026-01-01"), 422, "invalid")
    assert body["field"] == "since" and body["message"].startswith("since: 2026-02-01 is after until 2026-01-01")
    body = assert_error(a.get("/v1/trends?since=2026-04-01&until=2026-03-01"), 422, "invalid")
    assert body["field"] == "since"
    for bad, time in (("2026-06-30T25:00", "25:00"), ("2026-06-30T23:60:00", "23:60:00")):
        body = assert_error(a.get(f"/v1/pain-points?until={bad}"), 422, "invalid")
        assert body["field"] == "until" and f"{time} is not a time of day" in body["message"], body
    assert assert_error(a.get("/v1/pain-points?since=yesterday"), 422, "invalid")["field"] == "since"
    assert "YYYY-MM-DD" in assert_error(a.get("/v1/pain-points?since=20260301"), 422)["message"]
    # read as the CLI reads --since: a time after the day is that day (T00:00:00 passed and T23:59:59 was a 422),
    # anything else refused, and empty is no bound (as an empty source= is no filter; since= was a 422)
    day = a.get("/v1/pain-points?since=2026-03-01&until=2026-03-31").json()
    timed = a.get("/v1/pain-points?since=2026-03-01T08:00:00Z&until=2026-03-31T23:59:59").json()
    assert timed["pain_points"] == day["pain_points"] and timed["period"]["until"] == "2026-03-31"
    assert a.get("/v1/pain-points?since=&until=").json() == a.get("/v1/pain-points").json()
    assert assert_error(a.get("/v1/pain-points?until=2026-03-31garbage"), 422, "invalid")["field"] == "until"
    # an empty kind= is no filter, as source= is (a form's "any"); an unknown kind is refused naming it
    assert a.get("/v1/pain-points?kind=&source=").json() == a.get("/v1/pain-points").json()
    assert "'podcast' is not a kind" in assert_error(a.get("/v1/pain-points?kind=podcast"), 422, "invalid")["message"]
    # a misspelt parameter is refused, not read as no filter; a repeatable one's bad value names the parameter
    typo = assert_error(a.get("/v1/pain-points?touchpont=website"), 422, "invalid")
    assert typo["field"] == "touchpont" and "unknown parameter" in typo["message"] and "touchpoint" in typo["message"]
    assert assert_error(a.get("/v1/pain-points?kind=foo"), 422)["field"] == "kind"
    assert assert_error(a.get("/v1/pain-points?limit=0"), 422)["field"] == "limit"
    assert assert_error(a.get("/v1/pain-points?stage=later"), 422)["field"] == "stage"
    assert_error(a.get("/v1/pain-points?run=run_nope"), 404, "not_found")


def test_examples_page_through_a_pain_point(a):
    top = a.get("/v1/pain-points?limit=1").json()["pain_points"][0]
    first = a.get(f"/v1/pain-points/{top['id']}/examples?limit=3").json()
    assert first["total"] == top["complaints"] and len(first["examples"]) == min(3, top["complaints"])
    rest = a.get(f"/v1/pain-points/{top['id']}/examples?limit=3&offset=3").json()
    assert not {e["segment_id"] for e in first["examples"]} & {e["segment_id"] for e in rest["examples"]}
    # A clause of the review body is marked in it (a title's clause in the title: tests/test_api_answers.py).
    page = first["examples"] + rest["examples"]
    spans = [e for e in page if e["match"] is not None and e["match"]["field"] == "text"]
    assert spans, page
    ex = spans[0]
    assert ex["match"]["text"] == ex["text"][ex["match"]["start"] : ex["match"]["end"]]
    assert "<mark>" in ex["marked"] and ex["source"] == "reviews.csv" and ex["date"] and ex["rating"] is not None
    assert all("<mark>" not in e["marked"] for e in page if e["match"] is None)
    assert_error(a.get("/v1/pain-points/nope-01/examples"), 404, "not_found")
    assert_error(a.get(f"/v1/pain-points/{top['id']}/examples?offset=-1"), 422)


# --- touchpoints, stats -----------------------------------------------------------------------------------


def test_touchpoints(a):
    got = a.get("/v1/touchpoints").json()
    tps = got["touchpoints"]
    assert len(tps) == 19 and [t["complaints"] for t in tps] == sorted((t["complaints"] for t in tps), reverse=True)
    assert sum(t["complaints"] for t in tps) <= got["total_complaints"]
    assert all(len(t["pain_points"]) <= 3 and t["stage"] for t in tps)
    website = a.get("/v1/touchpoints/website").json()
    assert website["id"] == "website" and website["subtouchpoints"]
    listed = next(t for t in tps if t["id"] == "website")
    assert website["complaints"] == listed["complaints"]
    assert sum(s["complaints"] for s in website["subtouchpoints"]) <= website["complaints"]
    assert_error(a.get("/v1/touchpoints/nope"), 404, "not_found")


def test_stats(a, alice):
    stats = a.get("/v1/stats").json()
    assert stats["documents"] >= 260 and stats["by_source"]["reviews.csv"] == 260
    assert stats["latest_run"]["id"] and stats["runs"]["complete"] >= 1


# --- taxonomy ---------------------------------------------------------------------------------------------


def small_taxonomy(version: str, extra: str = "") -> dict:
    return {
        "version": version,
        "name": "tiny",
        "touchpoints": [
            {"id": "delivery", "name": "Delivery", "stage": "post-purchase", "description": "Getting the order.",
             "examples": ["the courier was late", "the food arrived cold", f"delivery took hours{extra}"]},
            {"id": "billing", "name": "Billing", "stage": "post-purchase", "description": "Charges.",
             "examples": ["I was charged twice", "wrong amount on the invoice"]},
        ],
    }  # fmt: skip


def test_taxonomy_versions(b):
    first = b.get("/v1/taxonomy").json()
    assert first["source"] == "default" and first["taxonomy"]["touchpoints"]
    body = assert_error(b.put("/v1/taxonomy", json={"version": "x", "touchpoints": [{"id": "Bad id"}]}), 422)
    assert body["code"] == "invalid_taxonomy" and body["field"] == "taxonomy"
    wrong = dict(small_taxonomy("tiny-0"), corrections=[{"text": "two charges", "touchpoint": "payments"}])
    body = assert_error(b.put("/v1/taxonomy", json=wrong), 422)
    assert "correction 1" in body["message"] and "'payments'" in body["message"]
    for version in ("", "v" * 65, "a b"):  # stored, none could be read back (?version= takes 64 URL-safe characters)
        body = assert_error(b.put("/v1/taxonomy", json=small_taxonomy(version)), 422)
        assert "is not a version" in body["message"]
    # the default's version with other content (corrections added) was stored under it, shadowing the default
    corrected = dict(first["taxonomy"], corrections=[{"text": "two charges on my card", "touchpoint": "billing"}])
    assert corrected["version"] == first["version"]
    assert_error(b.put("/v1/taxonomy", json=corrected), 409, "version_exists")
    resp = b.put("/v1/taxonomy", json=small_taxonomy("tiny-1"))
    assert resp.status_code == 201, resp.text
    remap = resp.json()["run"]
    assert remap is not None
    # Readers are not blocked by the run: the previous run still answers while the new one works.
    during = b.get("/v1/pain-points")
    assert during.status_code == 200 and during.elapsed.total_seconds() < 2
    final, _ = wait_for_run(b, remap["id"])
    assert final["status"] == "complete" and final["taxonomy_version"] == "tiny-1"
    assert b.put("/v1/taxonomy", json=small_taxonomy("tiny-1")).status_code == 200
    assert_error(b.put("/v1/taxonomy", json=small_taxonomy("tiny-1", " again")), 409, "version_exists")
    now = b.get("/v1/taxonomy").json()
    assert now["version"] == "tiny-1" and [v["version"] for v in now["versions"]] == ["tiny-1"]
    tps = b.get("/v1/touchpoints").json()
    assert {t["id"] for t in tps["touchpoints"]} == {"delivery", "billing"}
    assert tps["run"]["taxonomy_version"] == "tiny-1"
    # The old version stays queryable.
    old = b.get(f"/v1/touchpoints?taxonomy_version={first['version']}").json()
    assert old["run"]["taxonomy_version"] == first["version"] and len(old["touchpoints"]) == 19
    assert b.get(f"/v1/taxonomy?version={first['version']}").json()["version"] == first["version"]
    assert_error(b.get("/v1/pain-points?taxonomy_version=nope"), 404)


def test_review_lists_the_least_sure_complaints_and_a_taxonomy_put_back_with_them_is_learned(server):
    with server.client(server.key("dave")) as d:
        with (CORPUS / "reviews.csv").open("rb") as fh:
            dataset = d.post("/v1/datasets", files={"file": ("reviews.csv", fh, "text/csv")}).json()
        first, _ = wait_for_run(d, d.post("/v1/runs", json={"dataset_id": dataset["id"]}).json()["id"])
        assert first["status"] == "complete", first
        body = d.get("/v1/review?limit=4").json()
        assert len(body["complaints"]) == 4
        ids = {t["id"] for t in d.get("/v1/touchpoints").json()["touchpoints"]}
        for c in body["complaints"]:
            assert c["touchpoint"] in ids and c["runner_up"] in ids and c["touchpoint"] != c["runner_up"]
            assert c["text"] and c["margin"] >= 0
        assert_error(d.get("/v1/review?limit=0"), 422)
        # An analyst says the first two belong to their runner-up; a labelling tool PUTs that back.
        labelled = [{"text": c["text"], "touchpoint": c["runner_up"]} for c in body["complaints"][:2]]
        taxonomy = {**d.get("/v1/taxonomy").json()["taxonomy"], "version": "dave-1", "corrections": labelled}
        resp = d.put("/v1/taxonomy", json=taxonomy)
        assert resp.status_code == 201, resp.text
        remap, _ = wait_for_run(d, resp.json()["run"]["id"])
        assert remap["status"] == "complete" and remap["taxonomy_version"] == "dave-1"
        again = d.get("/v1/review?limit=50").json()
        assert again["run"]["taxonomy_version"] == "dave-1"
        assert not {c["text"] for c in labelled} & {c["text"] for c in again["complaints"]}


# --- isolation --------------------------------------------------------------------------------------------


def test_workspaces_are_isolated(a, b, alice, bob):
    for path in (f"/v1/datasets/{alice['dataset']['id']}", f"/v1/runs/{alice['run']['id']}"):
        assert_error(b.get(path), 404, "not_found")
        assert a.get(path).status_code == 200
    assert_error(b.delete(f"/v1/runs/{alice['run']['id']}"), 404)
    assert_error(b.post("/v1/runs", json={"dataset_id": alice["dataset"]["id"]}), 404)
    assert_error(b.get(f"/v1/pain-points?run={alice['run']['id']}"), 404)
    assert_error(a.get(f"/v1/datasets/{bob['dataset']['id']}"), 404)
    assert {d["id"] for d in b.get("/v1/datasets").json()} == {bob["dataset"]["id"]}
    assert alice["run"]["id"] not in {r["id"] for r in b.get("/v1/runs").json()}
    b_quotes = [q for p in b.get("/v1/pain-points?limit=200").json()["pain_points"] for q in p["quotes"]]
    assert b_quotes and {q["source"] for q in b_quotes} == {"bob-records.jsonl"}
    a_points = a.get("/v1/pain-points?limit=200").json()["pain_points"]
    assert {q["source"] for p in a_points for q in p["quotes"]} == {"reviews.csv"}
    for p in a_points:  # the same pain point id in bob's workspace is bob's own, if it exists at all
        resp = b.get(f"/v1/pain-points/{p['id']}/examples")
        if resp.status_code == 200:
            assert {e["source"] for e in resp.json()["examples"]} <= {"bob-records.jsonl"}
        else:
            assert_error(resp, 404)
    assert b.get("/v1/stats").json()["documents"] == 4
    assert b.get("/v1/touchpoints").json()["total_complaints"] < a.get("/v1/touchpoints").json()["total_complaints"]
    assert a.get("/v1/taxonomy").json()["source"] == "default"  # bob's PUT is bob's


# --- errors -----------------------------------------------------------------------------------------------


def test_unknown_routes_and_methods_are_json(a):
    assert_error(a.get("/v1/nothing"), 404, "not_found")
    assert_error(a.patch("/v1/stats"), 405, "method_not_allowed")


def test_rate_limit_is_per_workspace(tmp_path):
    with serve(tmp_path / "main.db", {"TOUCHPOINTS_RATE_LIMIT": "3", "TOUCHPOINTS_EMBEDDING_MODEL": "fake"}) as srv:
        one, two = srv.key("one"), srv.key("two")
        with srv.client(one) as c1, srv.client(two) as c2:
            assert [c1.get("/v1/stats").status_code for _ in range(3)] == [200, 200, 200]
            resp = c1.get("/v1/stats")
            assert_error(resp, 429, "rate_limited")
            assert int(resp.headers["retry-after"]) >= 1
            assert c2.get("/v1/stats").status_code == 200
            assert httpx.get(f"{srv.url}/healthz").status_code == 200


def test_head_answers_as_get_without_a_body(server, a):
    """HEAD was a 405 on every route, /healthz included, so a HEAD-based health check failed."""
    resp = httpx.head(f"{server.url}/healthz")
    assert resp.status_code == 200 and resp.content == b"" and resp.headers["content-type"] == "application/json"
    get = a.get("/v1/stats")
    head = a.head("/v1/stats")
    assert head.status_code == 200 and head.content == b"", head
    assert head.headers["content-length"] == get.headers["content-length"]
    assert httpx.head(f"{server.url}/v1/stats").status_code == 401
    assert a.head("/v1/datasets/ds_nope").status_code == 404


def test_cors_only_for_the_origins_set(server, tmp_path):
    """A browser dashboard on another origin gets CORS headers when TOUCHPOINTS_CORS_ORIGINS names it; by default
    nothing changes (a preflight was a 405 with no CORS headers)."""
    dash, other = "https://dash.example.com", "https://evil.example.com"
    preflight = {
        "Origin": dash,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    resp = httpx.options(f"{server.url}/v1/touchpoints", headers=preflight)
    assert "access-control-allow-origin" not in resp.headers
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_CORS_ORIGINS": f"{dash}/,http://localhost:3000"}
    with serve(tmp_path / "main.db", env) as srv:
        resp = httpx.options(f"{srv.url}/v1/touchpoints", headers=preflight)
        assert resp.status_code == 200 and resp.headers["access-control-allow-origin"] == dash, resp.headers
        assert "authorization" in resp.headers["access-control-allow-headers"].lower()
        got = httpx.get(f"{srv.url}/v1/stats", headers={"Origin": dash, "Authorization": f"Bearer {srv.key('c')}"})
        assert got.status_code == 200 and got.headers["access-control-allow-origin"] == dash
        assert "retry-after" in got.headers["access-control-expose-headers"].lower()
        refused = httpx.options(f"{srv.url}/v1/touchpoints", headers={**preflight, "Origin": other})
        assert "access-control-allow-origin" not in refused.headers
        # refused as every other error is: JSON with a code and a field (it was the text "Disallowed CORS origin")
        body = refused.json()
        assert refused.status_code == 400 and body["code"] == "cors_refused" and body["field"] is None
        assert "origin" in body["message"] and "TOUCHPOINTS_CORS_ORIGINS" in body["message"]


def test_openapi_documents_every_route(server):
    schema = httpx.get(f"{server.url}/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    for method, path in ROUTES:
        template = path.replace("ds_0", "{dataset_id}").replace("run_0", "{run_id}")
        template = template.replace("website-01", "{pain_point_id}").replace("/website", "/{touchpoint_id}")
        assert (method, template) in documented, (method, template)
    assert "multipart/form-data" in schema["paths"]["/v1/datasets"]["post"]["requestBody"]["content"]
    assert json.dumps(schema).count("ErrorPublic") > 10
    # every error answer is documented as what the handlers send: an ErrorPublic in JSON, never FastAPI's default
    # 422 body or an HTML route's text/html
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/json"], (method, path, status)
                    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorPublic")
    assert "HTTPValidationError" not in json.dumps(schema)
