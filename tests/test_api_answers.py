"""API answers that agree with what they describe: the unmapped complaints counted, a title's match marked. On the
demo reviews with a two-touchpoint taxonomy, so most complaints fit no touchpoint (the fake embedder)."""

from __future__ import annotations

import pytest

from api.testing import ROOT, serve, wait_for_run

CORPUS = ROOT / "corpora" / "food_delivery"
TINY = {
    "version": "tiny-1",
    "name": "tiny",
    "touchpoints": [
        {"id": "delivery", "name": "Delivery", "stage": "post-purchase", "description": "Getting the order.",
         "examples": ["the courier was late", "the food arrived cold", "delivery took hours"]},
        {"id": "billing", "name": "Billing", "stage": "post-purchase", "description": "Charges.",
         "examples": ["I was charged twice", "wrong amount on the invoice"]},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    """A client of workspace 'tiny': the tiny taxonomy, then the demo reviews, mined once."""
    db = tmp_path_factory.mktemp("api") / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("tiny")) as client:
            assert client.put("/v1/taxonomy", json=TINY).status_code == 201
            with (CORPUS / "reviews.csv").open("rb") as fh:
                resp = client.post("/v1/datasets", files={"file": ("reviews.csv", fh, "text/csv")})
            assert resp.status_code == 201, resp.text
            final, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
            assert final["status"] == "complete", final
            yield client


def test_touchpoints_list_the_unmapped_complaints(c):
    """Complaints that fit no touchpoint are counted apart, as in the CLI's JSON, and 'none' answers alone."""
    got = c.get("/v1/touchpoints").json()
    none = got["unmapped"]
    assert none["id"] == "none" and none["complaints"] > 0 and none["stage"] is None
    assert sum(t["complaints"] for t in got["touchpoints"]) + none["complaints"] == got["total_complaints"]
    assert sum(t["share"] for t in got["touchpoints"]) + none["share"] == pytest.approx(1, abs=1e-3)
    listed = c.get("/v1/pain-points?touchpoint=none&limit=100").json()["pain_points"]
    assert listed and [p["id"] for p in none["pain_points"]] == [p["id"] for p in listed][:3]
    detail = c.get("/v1/touchpoints/none")
    assert detail.status_code == 200, detail.text
    assert detail.json()["complaints"] == none["complaints"] and detail.json()["subtouchpoints"] == []
    assert [p["id"] for p in detail.json()["pain_points"]] == [p["id"] for p in listed][:10]


def test_an_example_found_in_the_title_is_marked_there(c):
    """A review's title is segmented apart from its text: its clause's match points into the title."""
    points = [
        p for tp in ("", "&touchpoint=none") for p in c.get(f"/v1/pain-points?limit=100{tp}").json()["pain_points"]
    ]
    examples = [e for p in points for e in c.get(f"/v1/pain-points/{p['id']}/examples?limit=100").json()["examples"]]
    titled = [e for e in examples if e["match"] and e["match"]["field"] == "title"]
    assert titled, "no example matched in a title"
    for e in titled:
        start, end = e["match"]["start"], e["match"]["end"]
        assert e["title"][start:end] == e["match"]["text"] and "<mark>" in e["marked_title"]
        assert "<mark>" not in e["marked"]
    in_text = [e for e in examples if e["match"] and e["match"]["field"] == "text"]
    assert in_text and all(e["text"][e["match"]["start"] : e["match"]["end"]] == e["match"]["text"] for e in in_text)
    assert all("<mark>" not in (e["marked_title"] or "") for e in in_text)
