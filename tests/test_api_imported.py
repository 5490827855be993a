"""A workspace brought in with `touchpoints workspaces import`: documents, runs and the taxonomy the CLI mined them
with, and no dataset uploaded through the API (the tester's car insurer, mined with its own taxonomy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.testing import ROOT, serve, wait_for_run

DATA = Path(__file__).parent / "data"
OWN = DATA / "mini_taxonomy.yaml"  # the workspace's own taxonomy (version test-1), not the bundled default


def small_taxonomy(version: str) -> dict:
    return {
        "version": version,
        "name": "tiny",
        "touchpoints": [
            {"id": "delivery", "name": "Delivery", "stage": "post-purchase", "description": "Getting the order.",
             "examples": ["the courier was late", "the box arrived crushed"]},
            {"id": "billing", "name": "Billing", "stage": "post-purchase", "description": "Charges.",
             "examples": ["I was charged twice", "wrong amount on the invoice"]},
        ],
    }  # fmt: skip


def touchpoints(*args: str) -> None:
    cmd = [sys.executable, "-m", "miner", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def mined(tmp_path_factory) -> Path:
    """reviews_small.csv mined by the CLI with the workspace's own taxonomy, then once with the default."""
    path = tmp_path_factory.mktemp("mined") / "mined.db"
    models = ("--embedding-model", "fake", "--segmenter", "rules")
    touchpoints("mine", str(DATA / "reviews_small.csv"), "--db", str(path), *models)
    touchpoints("mine", str(DATA / "reviews_small.csv"), "--db", str(path), "--taxonomy", str(OWN), *models)
    return path


@pytest.fixture(scope="module")
def server(mined, tmp_path_factory):
    main = tmp_path_factory.mktemp("imported") / "main.db"
    for workspace in ("put", "runs", "reads"):
        copy = main.parent / f"{workspace}.db"
        shutil.copy(mined, copy)
        touchpoints("workspaces", "import", str(copy), "--workspace", workspace, "--db", str(main))
    with serve(main, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake"}) as srv:
        yield srv


def test_a_taxonomy_put_on_an_imported_workspace_remaps_its_documents(server):
    """The PUT stored its version and answered 400 `no_data` (the workspace had no uploaded dataset), its run
    never started, and a second PUT answered 200 'already stored' with no run: the taxonomy was never applied."""
    with server.client(server.key("put")) as client:
        resp = client.put("/v1/taxonomy", json=small_taxonomy("tiny-1"))
        assert resp.status_code == 201, resp.text
        assert resp.json()["run"] is not None, resp.json()
        final, _ = wait_for_run(client, resp.json()["run"]["id"])
        assert final["status"] == "complete" and final["taxonomy_version"] == "tiny-1", final
        touchpoints_now = client.get("/v1/touchpoints").json()
        assert {t["id"] for t in touchpoints_now["touchpoints"]} == {"delivery", "billing"}
        assert touchpoints_now["run"]["id"] == final["run_number"]


def test_a_run_on_an_imported_workspace_maps_with_the_taxonomy_it_was_mined_with(server):
    """The run re-mapped with the bundled default: the workspace's own taxonomy, every figure's, was dropped."""
    with server.client(server.key("runs")) as client:
        resp = client.post("/v1/runs", json={})
        assert resp.status_code == 202, resp.text
        final, _ = wait_for_run(client, resp.json()["id"])
        assert final["status"] == "complete" and final["taxonomy_version"] == "test-1", final
        ids = {t["id"] for t in client.get("/v1/touchpoints").json()["touchpoints"]}
        assert {"billing", "packaging", "website"} <= ids, ids
        now = client.get("/v1/taxonomy").json()
        assert (now["version"], now["source"]) == ("test-1", "workspace")
        assert [v["version"] for v in now["versions"]] == ["test-1"]  # stored, so a PUT cannot reuse the version


def test_get_taxonomy_of_an_imported_workspace_is_the_one_its_runs_used(server):
    """Before any PUT it answered the bundled default (source `default`) while every figure came from the
    workspace's own taxonomy: an analyst who edited that and PUT it back threw their own taxonomy away."""
    with server.client(server.key("reads")) as client:
        current = client.get("/v1/taxonomy").json()
        assert (current["version"], current["name"], current["source"]) == ("test-1", "mini", "workspace"), current
        assert current["fingerprint"] == client.get("/v1/pain-points").json()["run"]["taxonomy_fingerprint"]
        assert client.get("/v1/taxonomy?version=test-1").json()["fingerprint"] == current["fingerprint"]
        default = client.get(f"/v1/taxonomy?version={client.get('/v1/runs/1').json()['taxonomy_version']}").json()
        assert default["source"] == "default"
        # the version its runs used names their content: other content under it is refused, nothing stored
        edited = dict(current["taxonomy"], description="edited without a new version")
        resp = client.put("/v1/taxonomy", json=edited)
        assert resp.status_code == 409 and resp.json()["code"] == "version_exists", resp.text
        assert client.get("/v1/taxonomy").json()["versions"] == []


def test_a_touchpoint_of_an_older_runs_taxonomy_is_read_with_run(server):
    """GET /v1/touchpoints/subscription answered 'not found in this workspace' for a touchpoint run 1 had: it reads
    the latest run, whose taxonomy has none, and said nothing of run=."""
    with server.client(server.key("reads")) as client:
        resp = client.get("/v1/touchpoints/subscription")
        assert resp.status_code == 404, resp.text
        message = resp.json()["message"]
        assert "not in the taxonomy of run 2 (mini test-1)" in message and "run=" in message, message
        assert "billing" in message  # what it can read instead
        older = client.get("/v1/touchpoints/subscription?run=1")
        assert older.status_code == 200 and older.json()["run"]["id"] == 1, older.text
        assert (
            client.get(
                "/v1/touchpoints/subscription?taxonomy_version=" + older.json()["run"]["taxonomy_version"]
            ).status_code
            == 200
        )


def test_a_quote_gives_its_rating_raw_with_its_scale_and_on_the_exports_0_to_1_scale(server):
    """`rating` is the raw value (a 1-star review is 1.0) where the exports' `rating` column is 0-1, 1 best, and
    api.md said neither: `rating_normalised` now gives the exports' value beside it, and the schema says which."""
    import sqlite3

    workspace_file = server.db.with_name("main.workspaces") / "reads.db"
    with sqlite3.connect(workspace_file) as conn:
        exported = dict(conn.execute("SELECT id, rating FROM documents"))
    with server.client(server.key("reads")) as client:
        points = client.get("/v1/pain-points").json()["pain_points"]
        quotes = [q for p in points for q in p["quotes"]]
        examples = [e for p in points for e in client.get(f"/v1/pain-points/{p['id']}/examples").json()["examples"]]
        schema = client.get("/openapi.json").json()["components"]["schemas"]
    for row in [*quotes, *examples]:
        assert row["rating_scale"] == "stars5" and 1 <= row["rating"] <= 5, row
        assert row["rating_normalised"] == exported[row["document_id"]] == (row["rating"] - 1) / 4, row
    assert any(row["rating"] == 1.0 and row["rating_normalised"] == 0.0 for row in quotes), quotes
    for name in ("Quote", "ExamplePublic"):
        fields = schema[name]["properties"]
        assert "as its source gave it" in fields["rating"]["description"]
        assert "1 best" in fields["rating_normalised"]["description"] and fields["rating_scale"]["description"]


def test_run_and_taxonomy_version_together_are_refused(server):
    """`?run=1&taxonomy_version=X` answered run 1 and ignored the version silently: which did the caller mean?"""
    with server.client(server.key("reads")) as client:
        resp = client.get("/v1/trends?run=1&taxonomy_version=test-1")
        assert resp.status_code == 422 and resp.json()["field"] == "taxonomy_version", resp.text
        assert client.get("/v1/trends?run=1").status_code == 200
