"""What an API consumer hit (2026-12-06), on a real server on 127.0.0.1 with the fake embedder.

Requests that race: a check that no run is in progress and the act on it hold the workspace's lock
(`JobRunner.exclusive`), so two requests sent at once never both succeed where one excludes the other. Each race
was won both ways in 5 of 5 tries before (a run over a deleted dataset; taxonomy versions stored by PUTs answered
409). Then a cancelled run's number, what a file added, and a report asked of a workspace with no run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from api.testing import serve, wait_for_run
from tests.test_api import small_taxonomy

TRIES = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("races") / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_AUTH_FAILURES": "0"}) as srv:
        yield srv


def _at_once(*calls):
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def _records(n: int) -> list[dict]:
    return [{"id": f"r{n}-{i}", "date": "2026-05-21", "text": f"The box was crushed, order {n}-{i}."} for i in range(3)]


def test_a_dataset_deleted_while_a_run_starts_on_it(server):
    with server.client(server.key("dsrace")) as client:
        for n in range(TRIES):
            dataset = client.post("/v1/datasets", json={"name": f"d{n}", "records": _records(n)}).json()["id"]
            delete, run = _at_once(lambda: client.delete(f"/v1/datasets/{dataset}"),  # noqa: B023
                                   lambda: client.post("/v1/runs", json={"dataset_id": dataset}))  # noqa: B023  # fmt: skip
            assert (delete.status_code, run.status_code) in {(200, 404), (409, 202)}, (delete.text, run.text)
            if run.status_code == 202:
                final, _ = wait_for_run(client, run.json()["id"])
                assert final["status"] == "complete", final


def test_taxonomy_puts_at_once_store_only_what_they_answer(server):
    with server.client(server.key("taxrace")) as client:
        client.post("/v1/datasets", json={"name": "d", "records": _records(0)})
        final, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
        assert final["status"] == "complete", final
        for n in range(TRIES):
            versions = [f"t{n}-{k}" for k in range(4)]
            answers = _at_once(*[lambda v=v: client.put("/v1/taxonomy", json=small_taxonomy(v)) for v in versions])
            codes = {v: a.status_code for v, a in zip(versions, answers, strict=True)}
            stored = {v["version"] for v in client.get("/v1/taxonomy").json()["versions"]}
            assert {v for v, c in codes.items() if c == 201} == stored & set(versions), codes
            assert set(codes.values()) <= {201, 409} and 201 in codes.values(), codes  # changed, or refused
            for answer in answers:
                if answer.status_code == 201:  # each change starts its run (one at a time: later PUTs got 409)
                    final, _ = wait_for_run(client, answer.json()["run"]["id"])
                    assert final["status"] == "complete", final
            assert client.get("/v1/taxonomy").json()["version"] in {v for v, c in codes.items() if c == 201}


def test_a_run_cancelled_in_its_analysis_is_the_job_under_its_number(server):
    import time

    with server.client(server.key("cancelrace")) as client:
        cancelled_with_a_run = None
        for n in range(10):
            records = [
                dict(r, id=f"{r['id']}-{k}", text=f"{r['text']} Try {k}.") for k in range(60) for r in _records(n)
            ]
            dataset = client.post("/v1/datasets", json={"name": f"c{n}", "records": records}).json()["id"]
            job = client.post("/v1/runs", json={"dataset_id": dataset}).json()
            for _ in range(500):  # until the analysis has begun (its stages come after the import's)
                now = client.get(f"/v1/runs/{job['id']}").json()
                if now["status"] != "running" or (now["stage"] or "").startswith(
                    ("Embedding", "Fitting", "Clustering")
                ):
                    break
                time.sleep(0.01)
            client.delete(f"/v1/runs/{job['id']}")
            final, _ = wait_for_run(client, job["id"])
            if final["status"] == "cancelled" and final["run_number"] is not None:
                cancelled_with_a_run = final
                break
        assert cancelled_with_a_run is not None, "no try was cancelled inside its analysis"
        # its stored (failed) run answers as this job, not as a run 'made by touchpoints mine' the list lacks
        number = cancelled_with_a_run["run_number"]
        assert client.get(f"/v1/runs/{number}").json()["id"] == cancelled_with_a_run["id"]
        assert cancelled_with_a_run["id"] in {j["id"] for j in client.get("/v1/runs").json()}


def test_a_file_says_how_many_items_it_added(server):
    # the same rows under another name add nothing (they are stored under the first file's name): say so
    rows = b"id,date,text\n101,2026-05-30,The checkout page timed out three times in a row.\n102,2026-05-30,Rude.\n"
    with server.client(server.key("dupnames")) as client:
        first = client.post("/v1/datasets", files={"file": ("dupA.csv", rows, "text/csv")}).json()["id"]
        second = client.post("/v1/datasets", files={"file": ("dupB.csv", rows, "text/csv")}).json()["id"]
        assert client.get(f"/v1/datasets/{first}").json()["files"][0]["new_items"] is None  # not imported yet
        final, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
        assert final["status"] == "complete", final
        [a] = client.get(f"/v1/datasets/{first}").json()["files"]
        [b] = client.get(f"/v1/datasets/{second}").json()["files"]
        assert (a["accepted"], a["new_items"], b["accepted"], b["new_items"]) == (2, 2, 2, 0)


def test_a_report_before_any_run_says_what_to_call(server):
    with server.client(server.key("norun")) as client:
        resp = client.get("/v1/report")
        body = resp.json()
        assert resp.status_code == 404 and body["code"] == "no_report", body
        assert "POST /v1/runs" in body["message"] and "touchpoints mine" not in body["message"], body
