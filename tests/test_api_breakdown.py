"""The API filters by a kept column (`where=Market=UK`) on its read routes and gives the rate per value
(`GET /v1/breakdown?by=Market`), as `touchpoints top --where` / `--by` do on the same file: a retailer's five
markets in one upload had their complaints per market in the export and no base. A real server on 127.0.0.1, the
fake embedder (plumbing, not quality)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from api.testing import serve, wait_for_run
from miner.cli import app
from tests.test_api import assert_error
from tests.test_breakdown import ROWS


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The retailer's file (tests/test_breakdown.py's rows) uploaded and mined in workspace 'shop'; a client and the
    workspace's file."""
    db = tmp_path_factory.mktemp("breakdown") / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        body = io.StringIO()
        writer = csv.writer(body)
        writer.writerow(["id", "date", "text", "Market", "Brand"])
        writer.writerows(
            [i, f"2026-03-{i + 1:02d}", text, market, brand] for i, (market, brand, text) in enumerate(ROWS)
        )
        with server.client(server.key("shop")) as client:
            dataset = client.post("/v1/datasets", files={"file": ("retail.csv", body.getvalue(), "text/csv")})
            assert dataset.status_code == 201, dataset.text
            run = client.post("/v1/runs", json={"dataset_id": dataset.json()["id"]})
            final, _ = wait_for_run(client, run.json()["id"])
            assert final["status"] == "complete", final
            yield client, db.with_name("main.workspaces") / "shop.db"


def _cli(path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["top", "--db", str(path), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_breakdown_route_gives_the_rows_of_top_by(shop):
    client, path = shop
    got = client.get("/v1/breakdown?by=Market").json()
    cli = _cli(path, "--by", "Market")
    assert got["rows"] == cli["rows"] and got["items"] == len(ROWS) and got["run"]["id"] == cli["run"]["id"]
    de = next(r for r in got["rows"] if r["value"] == "DE")
    assert (de["items"], de["read_items"], de["read_complaint_rate"]) == (3, 0, None)
    within = client.get("/v1/breakdown", params={"by": "Brand", "where": ["Market=UK", "Market=US"]}).json()
    assert within["rows"] == _cli(path, "--by", "Brand", "--where", "Market=UK", "--where", "Market=US")["rows"]
    assert within["filter"] == "Market = UK or US" and within["items"] == 8


def test_where_filters_the_pain_point_and_touchpoint_routes_as_top(shop):
    client, path = shop
    cli = _cli(path, "--where", "Market=UK", "--limit", "100", "--pain-points", "100")
    points = client.get("/v1/pain-points?where=Market=UK&limit=200").json()
    assert (points["total_items"], points["read_items"]) == (cli["items"], cli["read_items"]) == (5, 5)
    by_id = {p["id"]: p["complaints"] for tp in cli["touchpoints"] for p in tp["pain_points"]}
    assert {p["id"]: p["complaints"] for p in points["pain_points"] if p["touchpoint"] != "none"} == by_id
    quoted = {q["document_id"] for p in points["pain_points"] for q in p["quotes"]}
    assert quoted and quoted <= _uk_items(path)
    encoded = client.get("/v1/pain-points?where=Market%3DUK&limit=200").json()
    assert encoded["pain_points"] == points["pain_points"]
    touchpoints = client.get("/v1/touchpoints?where=Market=UK").json()
    assert {t["id"]: t["complaints"] for t in touchpoints["touchpoints"] if t["complaints"]} == {
        t["id"]: t["complaints"] for t in cli["touchpoints"]
    }
    first = cli["touchpoints"][0]
    one = client.get(f"/v1/touchpoints/{first['id']}?where=Market=UK").json()
    assert one["complaints"] == first["complaints"]
    everything = client.get("/v1/pain-points?limit=200&where=").json()  # an empty where= is no filter
    assert everything["total_items"] == len(ROWS)
    assert client.get("/v1/trends?where=Market=DE").status_code == 200


def _uk_items(path) -> set[str]:
    from miner.store import open_to_read

    db = open_to_read(path)
    return {i for (i,) in db.execute("SELECT id FROM documents WHERE json_extract(meta, '$.Market') = 'UK'")}


@pytest.mark.parametrize(
    ("url", "status", "code", "field", "said"),
    [
        ("/v1/pain-points?where=Market", 422, "invalid", "where", "'Market' is not COLUMN=VALUE"),
        ("/v1/touchpoints?where=Markt=UK", 400, "unknown_column", "where", "the items kept Market, Brand"),
        ("/v1/breakdown?by=Markt", 400, "unknown_column", "by", "unknown by column 'Markt': the items kept Market"),
        ("/v1/breakdown", 422, "invalid", "by", ""),
        ('/v1/breakdown?by=a"b', 422, "invalid", "by", ""),
        ("/v1/breakdown?by=Market&where==UK", 422, "invalid", "where", "is not COLUMN=VALUE"),
    ],
)
def test_a_malformed_where_or_by_names_its_parameter(shop, url, status, code, field, said):
    body = assert_error(shop[0].get(url), status, code)
    assert body["field"] == field and said in body["message"], body
