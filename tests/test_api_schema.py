"""schemathesis against the served /openapi.json: a bounded number of generated requests, no server errors.

Cases are drawn per operation with hypothesis directly: schemathesis' pytest plugin (`from_fixture`) does not
run on this pytest version.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra: pip install -e '.[dev]'")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error, response_schema_conformance  # noqa: E402

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
                checks=[not_a_server_error, response_schema_conformance],
                timeout=30,
            )

        check()
