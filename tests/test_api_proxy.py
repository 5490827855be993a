"""The API behind a reverse proxy, shared by several teams: what the access log and error bodies show, whom the
wrong-key limiter refuses, which forwarded headers are trusted, and serving under a path prefix (real servers)."""

from __future__ import annotations

import pytest

from api.testing import serve


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("proxy") / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_AUTH_FAILURES": "0"}) as srv:
        yield srv


def test_an_api_key_in_the_query_string_is_neither_logged_nor_echoed(server):
    # The tester's GET /v1/stats?api_key=tpm_... got a 422 and the access log kept the whole key.
    key = server.key("cx")
    secret = key[10:]  # what `keys list` does not show
    with server.client() as anonymous, server.client(key) as c:
        for query in (f"api_key={key}", f"access_token={key}", f"key={key}", "token=s3cr3t-value", f"{key}=1"):
            for resp in (c.get(f"/v1/stats?{query}"), anonymous.get(f"/v1/stats?{query}")):
                assert resp.status_code == 422 and secret not in resp.text and "s3cr3t" not in resp.text, resp.text
        missing = c.get(f"/v1/datasets/{key}")
        assert missing.status_code == 404 and secret not in missing.text and key[:10] in missing.text, missing.text
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "GET /v1/stats?api_key=[redacted]" in log and "/v1/stats?token=[redacted]" in log, log
    assert secret not in log and "s3cr3t" not in log


def test_a_valid_key_is_never_refused_by_the_wrong_key_limit(tmp_path):
    # Behind the tester's proxy, 9 wrong keys from one team locked every other team out for 39 s.
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_AUTH_FAILURES": "2"}
    with serve(tmp_path / "main.db", env) as srv, srv.client("tpm_stale") as wrong, srv.client(srv.key("b")) as ok:
        assert [wrong.get("/v1/stats").status_code for _ in range(3)] == [401, 401, 429]
        assert ok.get("/v1/stats").status_code == 200


def test_forwarded_headers_are_believed_only_from_the_proxies_named(tmp_path):
    # The tester's X-Forwarded-For from 127.0.0.1 was believed with nothing configured: anyone could dodge the limit.
    forged = {"X-Forwarded-For": "10.1.2.3", "Authorization": "Bearer tpm_guess"}
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_AUTH_FAILURES": "1"}
    with serve(tmp_path / "plain.db", env) as srv, srv.client() as c:
        assert c.get("/v1/stats", headers=forged).status_code == 401
        assert c.get("/v1/stats", headers={**forged, "X-Forwarded-For": "10.9.9.9"}).status_code == 429
        log = srv.log.read_text(encoding="utf-8")
    assert "10.1.2.3" not in log and "127.0.0.1" in log
    with serve(tmp_path / "proxied.db", {**env, "TOUCHPOINTS_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as srv:
        with srv.client() as c:
            assert c.get("/v1/stats", headers=forged).status_code == 401
            assert c.get("/v1/stats", headers=forged).status_code == 429
            assert c.get("/v1/stats", headers={**forged, "X-Forwarded-For": "10.9.9.9"}).status_code == 401
        assert "10.1.2.3" in srv.log.read_text(encoding="utf-8")


def test_redirects_are_paths_that_never_name_the_server_s_own_address(server):
    # Behind the tester's proxy a trailing '/' was redirected to https://127.0.0.1:18110/v1/datasets.
    with server.client(server.key("r")) as c:
        resp = c.get("/v1/datasets/?limit=5", headers={"Host": "127.0.0.1:18110"}, follow_redirects=False)
    assert resp.status_code in (307, 308) and resp.headers["location"] == "/v1/datasets?limit=5", resp.headers


def test_the_pages_docs_and_redirects_keep_the_root_path(tmp_path):
    # Under /touchpoints/ the key page fetched /v1/report and /docs loaded /openapi.json: both outside the prefix.
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_ROOT_PATH": "/touchpoints/"}
    with serve(tmp_path / "main.db", env) as srv, srv.client(srv.key("p")) as c:
        for prefix in ("", "/touchpoints"):  # a proxy that strips the prefix, and one that passes it on
            page = c.get(f"{prefix}/")
            assert page.status_code == 200 and "'/v1/report'" not in page.text and "'v1/report'" in page.text
            docs = c.get(f"{prefix}/docs")
            assert (
                "'/touchpoints/openapi.json'" in docs.text
                and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
            )
            assert c.get(f"{prefix}/openapi.json").json()["servers"] == [{"url": "/touchpoints"}]
            assert c.get(f"{prefix}/v1/stats").status_code == 200
            moved = c.get(f"{prefix}/v1/datasets/", follow_redirects=False)
            assert moved.headers["location"] == "/touchpoints/v1/datasets", moved.headers
