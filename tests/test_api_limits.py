"""Bounded resources in the HTTP service: failed keys, private database files, taxonomy and upload limits, the
fair run queue and the run budget (in-process apps on tmp_path databases, the fake embedder)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.db import open_control, open_workspace
from api.keys import create_key
from api.ratelimit import FailureLimiter
from api.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the reliability/ measurements, as other tests do


def _app(tmp_path, **settings):
    from api.main import create_app

    return create_app(Settings(db=tmp_path / "main.db", embedding_model="fake", **settings))


@pytest.fixture
def client_and_key(tmp_path):
    control = open_control(tmp_path / "main.db")
    key = create_key(control, "alpha")
    control.close()

    def make(**settings):
        return TestClient(_app(tmp_path, **settings)), key

    return make


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failure_limiter_blocks_after_the_limit_until_the_window_passes():
    clock = Clock()
    limiter = FailureLimiter(3, window_s=60, clock=clock)
    for _ in range(3):
        assert limiter.wait("1.2.3.4") == 0
        limiter.fail("1.2.3.4")
    assert limiter.wait("1.2.3.4") == 60
    assert limiter.wait("5.6.7.8") == 0
    clock.now += 45
    assert limiter.wait("1.2.3.4") == 15
    clock.now += 15
    assert limiter.wait("1.2.3.4") == 0


def test_failure_limiter_forgets_the_oldest_client_beyond_its_size():
    limiter = FailureLimiter(1, clock=Clock(), clients=2)
    for client in ("a", "b", "c"):
        limiter.fail(client)
    assert limiter.wait("a") == 0 and limiter.wait("b") > 0 and limiter.wait("c") > 0


def test_wrong_keys_are_rate_limited_per_client_with_retry_after(client_and_key):
    client, key = client_and_key(auth_failures=3)
    with client:
        wrong = {"Authorization": "Bearer tpm_guess"}
        assert [client.get("/v1/stats", headers=wrong).status_code for _ in range(3)] == [401, 401, 401]
        resp = client.get("/v1/stats", headers=wrong)
        assert resp.status_code == 429 and resp.json()["code"] == "rate_limited"
        assert "wrong API key" in resp.json()["message"] and int(resp.headers["retry-after"]) > 0
        # A right key still goes through: behind a proxy every team shares the address, and one team's stale key
        # locked the others out (a key is 256 random bits, so no guess succeeds for the block to hide).
        assert client.get("/v1/stats", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_right_keys_do_not_count_as_failures(client_and_key):
    client, key = client_and_key(auth_failures=2)
    with client:
        ok = {"Authorization": f"Bearer {key}"}
        assert {client.get("/v1/stats", headers=ok).status_code for _ in range(5)} == {200}


def test_uploads_are_kept_in_folders_of_their_owner_only(client_and_key, tmp_path):
    client, key = client_and_key()
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        assert client.post("/v1/datasets", files={"file": ("r.csv", _csv(5), "text/csv")}).status_code == 201
    folders = [tmp_path / "main.workspaces", *(tmp_path / "main.workspaces").glob("alpha.uploads*")]
    assert len(folders) == 2 and {stat.S_IMODE(os.stat(f).st_mode) for f in folders} == {0o700}


def test_databases_are_created_readable_by_their_owner_only(tmp_path):
    control = open_control(tmp_path / "new" / "main.db")
    create_key(control, "alpha")
    control.close()
    db = open_workspace(tmp_path / "new" / "main.workspaces", "alpha")
    db.execute("CREATE TABLE probe (x)")
    files = [tmp_path / "new" / "main.db", tmp_path / "new" / "main.workspaces" / "alpha.db"]
    files += [p for f in files for p in (f.with_name(f.name + "-wal"), f.with_name(f.name + "-shm")) if p.exists()]
    modes = {oct(stat.S_IMODE(os.stat(f).st_mode)) for f in files}
    db.close()
    assert len(files) >= 3 and modes == {"0o600"}
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "main.workspaces").st_mode) == 0o700


def _taxonomy(version: str, examples: int = 1, extra: str = "") -> dict:
    return {
        "version": version,
        "touchpoints": [
            {"id": "website", "name": "Website", "stage": "pre-purchase", "description": "The site." + extra,
             "examples": [f"the site hides fee number {i}" for i in range(examples)]},
        ],
    }  # fmt: skip


def test_a_taxonomy_body_over_the_limit_is_refused_with_the_limit(client_and_key):
    client, key = client_and_key(max_taxonomy_bytes=2_000)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        resp = client.put("/v1/taxonomy", json=_taxonomy("big", examples=100))
        assert resp.status_code == 413 and resp.json()["code"] == "too_large"
        assert "the taxonomy is over the limit of 2,000 bytes" in resp.json()["message"]
        # Without a Content-Length (chunked), the body is counted while it streams.
        chunks = iter([b'{"version": "big", "touchpoints": [', b" " * 3_000, b"]}"])
        resp = client.put("/v1/taxonomy", content=chunks, headers={"Content-Type": "application/json"})
        assert resp.status_code == 413 and "2,000 bytes" in resp.json()["message"]
        assert client.put("/v1/taxonomy", json=_taxonomy("small")).status_code == 201
        resp = client.put("/v1/taxonomy", content=b"{not json", headers={"Content-Type": "application/json"})
        assert resp.status_code == 422 and resp.json()["field"] == "body"


def test_too_many_examples_per_touchpoint_are_refused_naming_the_touchpoint(client_and_key):
    client, key = client_and_key(max_examples=5)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        resp = client.put("/v1/taxonomy", json=_taxonomy("many", examples=6))
        assert resp.status_code == 413 and resp.json()["code"] == "too_many_examples"
        assert "touchpoint 'website' has 6 examples, over the limit of 5" in resp.json()["message"]
        none = dict(_taxonomy("none", examples=5), none_examples=[f"meh {i}" for i in range(6)])
        assert "none_examples has 6" in client.put("/v1/taxonomy", json=none).json()["message"]
        assert client.put("/v1/taxonomy", json=_taxonomy("five", examples=5)).status_code == 201


def test_old_taxonomy_versions_beyond_the_cap_are_pruned_newest_kept(client_and_key):
    client, key = client_and_key(max_taxonomy_versions=3)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        for n in range(5):
            assert client.put("/v1/taxonomy", json=_taxonomy(f"v{n}", extra=str(n))).status_code == 201
        now = client.get("/v1/taxonomy").json()
        assert now["version"] == "v4"
        assert [v["version"] for v in now["versions"]] == ["v2", "v3", "v4"]
        assert client.get("/v1/taxonomy?version=v1").status_code == 404


def test_prune_keeps_versions_a_queued_run_will_read(tmp_path):
    from api import taxonomies
    from miner.touchpoints.taxonomy import parse_taxonomy

    db = open_workspace(tmp_path / "ws", "alpha")
    for n in range(4):
        taxonomies.store(db, parse_taxonomy(_taxonomy(f"v{n}", extra=str(n))))
    assert taxonomies.prune(db, 2, protected={"v0"}) == 1
    assert [v["version"] for v in taxonomies.versions(db)] == ["v0", "v2", "v3"]


def _csv(rows: int, bad_every: int = 0) -> bytes:
    lines = [b"id,text"]
    for i in range(rows):
        text = b"" if bad_every and i % bad_every else b"the courier was late again on order %d" % i
        lines.append(b"%d,%s" % (i, text))
    return b"\n".join(lines) + b"\n"


def test_rows_over_the_limit_are_refused_as_they_are_counted_and_nothing_is_kept(client_and_key, tmp_path):
    client, key = client_and_key(max_rows=50)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        resp = client.post("/v1/datasets", files={"file": ("rows.csv", _csv(60), "text/csv")})
        assert resp.status_code == 413 and resp.json()["code"] == "too_many_rows"
        assert "more than 50 rows" in resp.json()["message"]
        uploads = tmp_path / "main.workspaces" / "alpha.uploads"
        assert not uploads.exists() or not any(uploads.iterdir())
        assert client.post("/v1/datasets", files={"file": ("rows.csv", _csv(50), "text/csv")}).status_code == 201


def test_every_rejected_row_is_counted_and_the_first_hundred_are_listed(client_and_key):
    client, key = client_and_key()
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        resp = client.post("/v1/datasets", files={"file": ("bad.csv", _csv(1_000, bad_every=4), "text/csv")})
        body = resp.json()
        assert resp.status_code == 201, body
        assert (body["rows"], body["accepted"], body["rejected_count"]) == (1_000, 250, 750)
        assert len(body["rejected"]) == 100 and body["rejected"][0]["file"] == "bad.csv"


def test_reading_stops_at_the_first_chunk_over_the_row_limit(tmp_path, monkeypatch):
    from api import datasets
    from miner.ingest import ColumnMap, iter_file

    path = tmp_path / "big.csv"
    path.write_bytes(_csv(20_000))
    read: list[int] = []

    def spy(*args, **kwargs):
        for chunk in iter_file(*args, **kwargs):
            read.append(len(chunk))
            yield chunk

    monkeypatch.setattr(datasets, "iter_file", spy)
    with pytest.raises(Exception, match="more than 6,000 rows") as err:
        datasets.validate([path], ColumnMap(), max_rows=6_000)
    assert getattr(err.value, "status", None) == 413
    assert read == [5_000, 5_000]  # two chunks of 5,000 read, not the 20,000 rows


def test_a_file_of_only_bad_rows_says_how_many_it_has_not_how_many_are_kept(tmp_path):
    """Only the first MAX_REJECTED rejected rows are kept for the answer; the error counts them all."""
    from api import datasets
    from api.errors import ApiError
    from miner.ingest import ColumnMap

    path = tmp_path / "bad.csv"
    path.write_text("id,date,review\n" + "".join(f"{i},someday,late again\n" for i in range(260)), encoding="utf-8")
    with pytest.raises(ApiError) as err:
        datasets.validate([path], ColumnMap(date="date"))
    assert err.value.message.startswith("bad.csv: no usable rows (260 rejected;"), err.value.message


def test_json_is_parsed_whole_so_it_has_a_smaller_limit(client_and_key):
    client, key = client_and_key(max_json_bytes=5_000)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        records = [{"id": str(i), "text": f"the courier was late again, order {i}"} for i in range(200)]
        resp = client.post("/v1/datasets", json={"records": records})
        assert resp.status_code == 413 and "over the limit of 5,000 bytes for JSON" in resp.json()["message"]
        as_file = json.dumps(records).encode()
        resp = client.post("/v1/datasets", files={"file": ("r.json", as_file, "application/json")})
        assert resp.status_code == 413 and "'r.json' is over the limit of 5,000 bytes" in resp.json()["message"]
        lines = "\n".join(json.dumps(r) for r in records).encode()
        resp = client.post("/v1/datasets", files={"file": ("r.jsonl", lines, "application/jsonl")})
        assert resp.status_code == 201 and resp.json()["accepted"] == 200


def test_the_queue_serves_workspaces_in_turn_and_never_gives_one_every_worker():
    from api.queue import FairQueue

    queue = FairQueue(per_workspace=2)
    for job in ("a1", "a2", "a3", "a4"):
        queue.put("a", job)
    queue.put("b", "b1")
    queue.put("c", "c1")
    assert [queue.get() for _ in range(4)] == [("a", "a1"), ("b", "b1"), ("c", "c1"), ("a", "a2")]
    queue.put("b", "b2")
    assert queue.get() == ("b", "b2")  # a already runs two: b goes ahead of a3
    queue.done("a")
    assert queue.get() == ("a", "a3")
    assert queue.close() == ["a4"] and queue.get() is None


def test_a_long_run_in_one_workspace_leaves_a_worker_to_the_others():
    import threading

    from api.queue import FairQueue, start_workers

    release, started = threading.Event(), {"a": threading.Event(), "b": threading.Event()}

    def run(job_id: str) -> None:
        started[job_id[0]].set()
        if job_id == "a1":
            release.wait(60)

    queue = FairQueue(per_workspace=1)
    workers = start_workers(queue, 2, run)
    queue.put("a", "a1")
    assert started["a"].wait(60)
    queue.put("a", "a2")  # waits: a holds its one worker
    queue.put("b", "b1")
    assert started["b"].wait(60) and not release.is_set()
    release.set()
    queue.close()
    for worker in workers:
        worker.join(60)


def test_a_run_over_its_time_budget_fails_with_a_clear_message():
    import threading
    import time

    from api.job_progress import JobProgress, OverBudget

    class Runner:
        def update(self, job_id: str, **fields: object) -> None:
            pass

    progress = JobProgress(Runner(), "run_1", threading.Event(), budget_s=600)
    match = r"over its time budget of 600 s \(TOUCHPOINTS_RUN_BUDGET_S\) while 'Embedding'"
    with pytest.raises(OverBudget, match=match), progress.stage("Embedding", 10) as advance:
        advance(1)
        progress.deadline = time.monotonic() - 1  # as if the budget had run out
        advance(1)


def test_a_run_over_budget_is_failed_with_the_message_on_the_run(client_and_key):
    from api.testing import wait_for_run

    client, key = client_and_key(run_budget_s=0.000001)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        dataset = client.post("/v1/datasets", files={"file": ("r.csv", _csv(5), "text/csv")}).json()
        run = client.post("/v1/runs", json={"dataset_id": dataset["id"]}).json()
        final, _ = wait_for_run(client, run["id"], timeout_s=120)
    assert final["status"] == "failed" and "over its time budget" in final["error"]


def test_the_upload_memory_measurement_runs_at_a_small_size(tmp_path):
    from reliability.uploads import upload_memory, write_csv

    assert write_csv(tmp_path / "one.csv", 20_000) > 100
    figures = upload_memory(tmp_path / "up", size_mb=0.5, parallel=2)
    assert figures["statuses"] == [201, 201], figures["first_error"]
    assert figures["peak_rss_mb"] >= figures["idle_rss_mb"] > 0


def test_the_fairness_taxonomy_is_valid_and_as_large_as_asked():
    from miner.touchpoints.taxonomy import parse_taxonomy
    from reliability.fairness import big_taxonomy

    taxonomy = parse_taxonomy(big_taxonomy(1_000))
    assert sum(len(tp.examples) for tp in taxonomy.touchpoints) == 1_000


def test_keep_runs_prunes_a_workspace_s_older_runs_after_each_run(client_and_key, tmp_path):
    from api.testing import wait_for_run

    client, key = client_and_key(keep_runs=1)
    with client:
        client.headers["Authorization"] = f"Bearer {key}"
        dataset = client.post("/v1/datasets", files={"file": ("r.csv", _csv(12), "text/csv")}).json()
        runs = []
        for _ in range(2):
            run = client.post("/v1/runs", json={"dataset_id": dataset["id"]}).json()
            final, _ = wait_for_run(client, run["id"], timeout_s=120)
            assert final["status"] == "complete", final
            runs.append(run["id"])
        assert client.get("/v1/pain-points", params={"run": runs[1]}).status_code == 200
        old = client.get("/v1/pain-points", params={"run": runs[0]})
        assert old.status_code == 404 and old.json()["code"] == "run_pruned"
    db = open_workspace(Settings(db=tmp_path / "main.db").workspaces_dir, "alpha")
    statuses = [r["status"] for r in db.query("SELECT status FROM runs ORDER BY id")]
    kept = db.execute("SELECT COUNT(DISTINCT run_id) FROM segment_results").fetchone()[0]
    db.close()
    assert statuses == ["pruned", "complete"] and kept == 1


def test_the_trends_series_are_required_in_the_schema(tmp_path):
    """`ratings`, `nps` and `rating_range` are in every answer of GET /v1/trends, but the schema made them optional,
    so a generated client typed them as maybe missing (a BI developer's walkthrough)."""
    schema = _app(tmp_path).openapi()["components"]["schemas"]["TrendsPublic"]
    assert {"ratings", "nps", "rating_range"} <= set(schema["required"])
