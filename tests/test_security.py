"""Security headers of the API: nosniff everywhere, a Content-Security-Policy with frame-ancestors 'none' on pages."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

TAXONOMY = {
    "touchpoints": [
        {"id": "comment", "name": "<!--<script>", "stage": "purchase", "description": "Broken boxes.",
         "examples": ["the box was crushed and broken"]},
        {"id": "link", "name": "<a href=http://evil.example>click</a>", "stage": "post-purchase",
         "description": "Refunds.", "examples": ["my refund never arrived"]},
    ]
}  # fmt: skip


def mine_hostile(db_path, fake_embedder) -> None:
    """A workspace database whose touchpoints carry the names from issue 20."""
    from miner.pipeline import MineOptions, mine
    from miner.segment import get_segmenter
    from miner.store import open_db
    from miner.touchpoints.taxonomy import parse_taxonomy

    texts = [f"the box was crushed and broken {i}" for i in range(3)] + [
        f"my refund never arrived {i}" for i in range(3)
    ]
    feedback = db_path.parent / "f.jsonl"
    feedback.write_text("".join(json.dumps({"text": t, "rating": 1, "date": "2026-02-03"}) + "\n" for t in texts))
    options = MineOptions(
        taxonomy=parse_taxonomy(TAXONOMY), embedder=fake_embedder, segmenter=get_segmenter("rules"), redact_pii=False
    )
    mine(open_db(db_path), [feedback], options)


@pytest.fixture
def client(tmp_path, fake_embedder):
    from api.db import open_control, workspace_path
    from api.keys import create_key
    from api.main import create_app
    from api.settings import Settings

    settings = Settings(db=tmp_path / "main.db", embedding_model="fake", rate_limit=0)
    control = open_control(settings.db)
    key = create_key(control, "w")
    control.close()
    path = workspace_path(settings.workspaces_dir, "w")
    path.parent.mkdir(parents=True, exist_ok=True)
    mine_hostile(path, fake_embedder)
    with TestClient(create_app(settings)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {key}"
        yield test_client


def _policy(resp) -> dict[str, str]:
    parts = [p.strip().split(None, 1) for p in resp.headers["content-security-policy"].split(";") if p.strip()]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_html_pages_send_csp_nosniff_and_frame_ancestors(client):
    for path in ("/", "/v1/report"):
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html"), path
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
        policy = _policy(resp)
        assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
        assert "http" not in resp.headers["content-security-policy"]  # nothing from another origin


def test_json_responses_send_nosniff_without_a_page_policy(client):
    for path in ("/healthz", "/v1/pain-points", "/v1/runs/nope"):
        resp = client.get(path)
        assert resp.headers["x-content-type-options"] == "nosniff", path
        assert "content-security-policy" not in resp.headers


def test_docs_page_may_load_its_cdn_only(client):
    resp = client.get("/docs")
    policy = _policy(resp)
    assert "https://cdn.jsdelivr.net" in policy["script-src"] and policy["frame-ancestors"] == "'none'"


def test_served_report_keeps_hostile_names_inert(client):
    page = client.get("/v1/report").text
    assert page.count("<script") == 3 and "<!--" not in page and "<a href=http://evil" not in page
