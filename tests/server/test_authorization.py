"""The authorization matrix, generated from the app's route table (its OpenAPI schema).

Every API route must declare what it exposes (``x-sakuin-exposes``); a new route without it, or
with a path or query parameter this test cannot fill, fails here rather than being forgotten.
For each route: an anonymous request gets 401 (login and health excepted); bob, who may not read
alice's document or see her job, gets none of its content, and 404 where the route names it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from sakuin.server import pages
from sakuin.server.services import EXPOSURE_KEY
from tests.server.conftest import LiveServer, upload, wait_for_job, write_events

SECRET = "極秘コードネーム白鷺 Project Heron launches in March"
PARAMETER = re.compile(r"{(\w+)}")
# a valid body for each route that needs one, sent by whoever is asking
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/login"): {"json": {"user": "bob", "password": "wrong password"}},
    ("POST", "/api/tokens"): {"json": {"label": "matrix"}},
    ("POST", "/api/documents"): {
        "files": [("files", ("heron.md", b"# mine\n\nbob's own note"))],
        "data": {"readers": "user:bob"},
    },
    ("PUT", "/api/documents/{document_id}/readers"): {"json": {"readers": "everyone"}},
    ("POST", "/api/admin/users"): {"json": {"name": "eve"}},
    ("PATCH", "/api/admin/users/{name}"): {"json": {"admin": True}},
    ("POST", "/api/admin/groups"): {"json": {"name": "heron", "members": ["bob"]}},
    ("POST", "/api/admin/groups/{name}/members"): {"json": {"members": ["bob"]}},
    ("POST", "/api/jobs/{kind}"): {"data": {"params": json.dumps({"readers": "user:bob"})}},
    ("POST", "/api/write"): {"json": {"request": "What is Project Heron?"}},
    ("POST", "/api/adapters/{name}/generate"): {"json": {"prompt": "What is Project Heron?"}},
    ("POST", "/api/see"): {"files": [("image", ("heron.png", b"no image"))], "data": {"prompt": "person"}},
}


@dataclass
class World:
    document_id: int
    job_id: str


@pytest.fixture(scope="module")
def world(live: LiveServer) -> World:
    """alice's document and finished job, which only she may see."""
    alice = live.client("alice")
    document_id = upload(alice, {"heron.md": f"# 新製品\n\n{SECRET}。"}, "user:alice")[0]["document_id"]
    submitted = alice.post(
        "/api/jobs/ingest",
        files=[("files", ("heron-2.md", f"# 計画\n\n{SECRET}、第二弾。".encode()))],
        data={"params": json.dumps({"readers": "user:alice"})},
    ).json()
    assert wait_for_job(alice, submitted["id"])["status"] == "done"
    return World(document_id, submitted["id"])


def operations(live: LiveServer) -> list[tuple[str, str, dict[str, Any]]]:
    schema = live.app.openapi()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def request(
    client: httpx.Client, method: str, path: str, operation: dict[str, Any], world: World
) -> httpx.Response:
    """Call one route, filling its parameters with alice's things (or failing on an unknown one)."""
    values: dict[str, Any] = {
        "document_id": world.document_id,
        "job_id": world.job_id,
        "name": "report.json",
        "kind": "ingest",
        "label": "ci",
        "user": "alice",
        "q": "白鷺 Heron",
        "start": 0,
        "end": 12,
    }
    for parameter in operation.get("parameters", []):
        assert parameter["name"] in values or not parameter.get("required"), (
            f"{method} {path}: no value for parameter '{parameter['name']}'; add one to this matrix"
        )
    body = operation.get("requestBody", {})
    assert (method, path) in BODIES or not body.get("required"), (
        f"{method} {path}: no request body for it; add one to BODIES"
    )
    url = PARAMETER.sub(lambda m: str(values[m.group(1)]), path)
    query = {
        p["name"]: values[p["name"]]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    return client.request(method, url, params=query, **BODIES.get((method, path), {}))


def test_every_route_declares_what_it_exposes(live: LiveServer) -> None:
    missing = [f"{m} {p}" for m, p, op in operations(live) if op.get(EXPOSURE_KEY) is None]
    assert not missing, f"routes without {EXPOSURE_KEY}: {missing}"
    assert len(operations(live)) >= 20


def test_anonymous_requests_get_401_except_login_and_health(live: LiveServer, world: World) -> None:
    anonymous = live.client()
    for method, path, operation in operations(live):
        reply = request(anonymous, method, path, operation, world)
        assert SECRET not in reply.text, f"{method} {path} leaked content to an anonymous request"
        if operation[EXPOSURE_KEY] == "public":
            continue
        assert reply.status_code == 401, f"{method} {path}: {reply.status_code} {reply.text[:200]}"


def test_anonymous_pages_get_the_login_form_with_401(live: LiveServer) -> None:
    anonymous = live.client()
    paths = [route.path for route in pages.router.routes if route.path not in ("/", "/login")]  # type: ignore[attr-defined]
    assert "/knowledge" in paths
    for path in paths:
        reply = anonymous.get(path)
        assert reply.status_code == 401 and 'id="login-form"' in reply.text, path


def test_a_user_without_access_gets_no_content_and_404(live: LiveServer, world: World) -> None:
    bob = live.client("bob")
    checked = 0
    for method, path, operation in operations(live):
        exposure = operation[EXPOSURE_KEY]
        if exposure == "public" or (method, path) == ("POST", "/api/logout"):
            continue
        reply = request(bob, method, path, operation, world)
        where = f"{method} {path} as bob: {reply.status_code} {reply.text[:200]}"
        assert SECRET not in reply.text and "白鷺" not in reply.text, where
        if reply.status_code != 404:  # a 404 may echo the id bob sent, nothing else
            assert world.job_id not in reply.text, where
        if exposure == "admin":
            assert reply.status_code == 403, where
        if "{document_id}" in path or "{job_id}" in path:
            assert reply.status_code == 404, where  # existence itself must not leak
        checked += 1
    assert checked >= 18


def test_pages_show_a_user_without_access_nothing_of_it(live: LiveServer, world: World) -> None:
    bob = live.client("bob")
    for route in pages.router.routes:
        reply = bob.get(route.path, follow_redirects=True)  # type: ignore[attr-defined]
        assert reply.status_code == 200 and SECRET not in reply.text and "白鷺" not in reply.text, route
        assert world.job_id not in reply.text
    for page in ("/classify", "/simulate"):  # a capability page shows ?job=<id> only to its owner
        reply = bob.get(page, params={"job": world.job_id})
        assert reply.status_code == 404 and 'id="job-view"' not in reply.text, page
        assert SECRET not in reply.text and "report.json" not in reply.text, page
        mismatched = live.client("alice").get(page, params={"job": world.job_id})  # an ingest job
        assert mismatched.status_code == 404 and 'id="job-view"' not in mismatched.text, page


def test_the_owner_reaches_what_bob_could_not(live: LiveServer, world: World) -> None:
    """The 404s above come from the permission filter, not from bad parameters."""
    alice = live.client("alice")
    for method, path, operation in operations(live):
        if method == "GET" and ("{document_id}" in path or "{job_id}" in path):
            reply = request(alice, method, path, operation, world)
            assert reply.status_code == 200, f"{method} {path} as alice: {reply.status_code}"
    hits = alice.get("/api/search", params={"q": "白鷺 Heron"}).json()
    assert any(SECRET in hit["text"] for hit in hits)
    assert "新製品" in alice.get("/knowledge").text and world.job_id in alice.get("/jobs").text


def test_writing_uses_only_what_the_asker_may_read(live: LiveServer, world: World) -> None:
    """The matrix's write request, read to its end: bob is refused; alice is answered from her document."""
    body = BODIES[("POST", "/api/write")]["json"]
    (_, bob), *_ = reversed(write_events(live.client("bob"), body["request"]))
    assert bob["refused"] and bob["sources"] == [] and SECRET not in str(bob)
    (_, alice), *_ = reversed(write_events(live.client("alice"), body["request"]))
    assert not alice["refused"]
    assert world.document_id in {s["document_id"] for s in alice["sources"] if s["cited"]}
