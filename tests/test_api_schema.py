"""schemathesis against the served /openapi.json: a bounded number of generated requests, no server errors.

Cases are drawn per operation with hypothesis directly: schemathesis' pytest plugin (`from_fixture`) does not
run on this pytest version.
"""

from __future__ import annotations

import re

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra: pip install -e '.[dev]'")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.testing import serve  # noqa: E402

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("schema") / "main.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_MAX_UPLOAD_BYTES": "100000"}) as srv:
        yield srv


def test_no_server_errors_on_generated_requests(server):
    headers = {"Authorization": f"Bearer {server.key('fuzz')}"}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(
                base_url=server.url,
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
                timeout=30,
            )

        check()


def test_every_route_documents_what_it_answers(server):
    """Each route's documented statuses hold what it answers: a query parameter it does not take is a 422 on every
    route (the app's `no_unknown_query`: GET /v1/stats listed no 422), a missing key a 401 on every /v1 route, and
    PUT /v1/taxonomy's 201 for a new version is listed beside its 200."""
    schema = httpx.get(f"{server.url}/openapi.json").json()
    headers = {"Authorization": f"Bearer {server.key('statuses')}"}
    for path, ops in schema["paths"].items():
        url = server.url + re.sub(r"\{\w+\}", "x1", path)
        for method, op in ops.items():
            documented = set(op["responses"])
            resp = httpx.request(method, url, params={"zz_unknown": "1"}, headers=headers, timeout=30)
            assert resp.status_code == 422 and resp.json()["field"] == "zz_unknown", (method, path, resp.text)
            assert "422" in documented, (method, path, documented)
            if path.startswith("/v1/"):
                assert httpx.request(method, url, timeout=30).status_code == 401
                assert "401" in documented, (method, path, documented)
    assert {"200", "201"} <= set(schema["paths"]["/v1/taxonomy"]["put"]["responses"])
