"""End to end over HTTP on the real model: the demo corpus's reviews uploaded, mined, and asked for pain points."""

from __future__ import annotations

import pytest

from api.testing import ROOT, serve, wait_for_run

pytestmark = pytest.mark.e2e
REVIEWS = ROOT / "corpora" / "food_delivery" / "reviews.csv"


@pytest.fixture(scope="module")
def mined(tmp_path_factory):
    db = tmp_path_factory.mktemp("api_e2e") / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "minilm"}) as srv:
        with srv.client(srv.key("demo"), timeout=120) as client:
            with REVIEWS.open("rb") as fh:
                dataset = client.post("/v1/datasets", files={"file": ("reviews.csv", fh, "text/csv")})
            assert dataset.status_code == 201, dataset.text
            run = client.post("/v1/runs", json={"dataset_id": dataset.json()["id"]})
            assert run.status_code == 202, run.text
            final, states = wait_for_run(client, run.json()["id"], timeout_s=600)
            assert final["status"] == "complete", final
            yield client, states


def test_upload_run_and_top_pain_points_find_the_case_study(mined):
    client, states = mined
    assert {"Embedding", "Clustering pain points"} <= {s["stage"] for s in states}
    top = client.get("/v1/touchpoints").json()["touchpoints"]
    assert "website" in [t["id"] for t in top[:5]], [(t["id"], t["complaints"]) for t in top[:5]]
    assert top[0]["complaints"] > 0
    website = client.get("/v1/pain-points?touchpoint=website&limit=5").json()["pain_points"]
    labels = " ".join(p["label"].lower() for p in website)
    quotes = " ".join(q["text"].lower() for p in website for q in p["quotes"])
    words = ("fee", "charge", "cost", "deliver", "contact", "phone", "number", "find", "time")
    assert any(w in labels + quotes for w in words), (labels, quotes)
    assert all(1 <= len(p["quotes"]) <= 3 for p in website)
    assert client.get("/v1/pain-points").json()["run"]["embedding_model"] != "fake:hashing"


def test_examples_and_trend_on_the_real_run(mined):
    client, _ = mined
    window = client.get("/v1/pain-points?since=2026-06-01&until=2026-10-31&limit=5").json()
    assert window["pain_points"] and all(p["trend"] is not None for p in window["pain_points"])
    pid = window["pain_points"][0]["id"]
    examples = client.get(f"/v1/pain-points/{pid}/examples?limit=5").json()
    assert examples["examples"] and all(
        "<mark>" in (e["marked"] if e["match"]["field"] == "text" else e["marked_title"])
        for e in examples["examples"]
        if e["match"]
    )
