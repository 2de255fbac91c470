"""Fuzzing the API from its own OpenAPI schema (schemathesis): no input gets a 500.

Each operation gets a few generated requests, sent over real HTTP as an authenticated admin
(so admin routes are exercised too) with an API token; the examples are bounded so the whole
run takes well under a minute.
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.server.conftest import LiveServer, upload

EXAMPLES_PER_OPERATION = 6


def test_no_generated_request_gets_a_server_error(live: LiveServer) -> None:
    admin = live.token_client("root")
    upload(admin, {"fuzz.md": "# 試験\n\nファジング用の文書です。"}, "everyone")
    token = admin.headers["Authorization"]
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    failures: list[str] = []
    statuses: list[int] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if operation.path in ("/api/logout",) or operation.path.endswith("/events"):
            continue  # logout would end nothing useful; an event stream waits for its job to change
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            try:
                response = case.call(base_url=live.url, headers={"Authorization": token}, timeout=30)
            except Exception as exc:  # the server dropped the connection: as bad as a 500
                failures.append(f"{case.method} {case.formatted_path}: {type(exc).__name__}: {exc}")
                return
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )

        check()
    assert operations >= 20 and len(statuses) >= 2 * operations
    assert any(200 <= code < 300 for code in statuses) and any(400 <= code < 500 for code in statuses)
    assert not failures, "\n".join(failures[:20])
    assert httpx.get(f"{live.url}/api/health").status_code == 200
