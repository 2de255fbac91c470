"""Where the server read a file is for admins: every reader sees the document's name instead.

Over real HTTP against the example company (ingested from its folder on this machine's disk):
for a non-admin reader no page or API response contains that folder's absolute path, anywhere in
the body; an admin sees it in the document API and on the Knowledge page.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from sakuin.server.demo import EXAMPLE_WORKSPACE
from tests.server.conftest import LiveServer, upload, write_events

ROOT = str(EXAMPLE_WORKSPACE)
KUMO = "documents/products/kumo-arm-r2.md"
PAGES = ("/knowledge", "/write", "/jobs", "/classify", "/simulate")


@pytest.fixture(scope="module")
def company(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server(company=True)


def bodies_as(client: httpx.Client) -> dict[str, str]:
    """Every page and every document response the client can reach, by what was asked."""
    bodies = {page: client.get(page).text for page in PAGES}
    listed = client.get("/api/documents")
    bodies["/api/documents"] = listed.text
    for document in listed.json():
        url = f"/api/documents/{document['id']}"
        bodies[url] = client.get(url).text
        bodies[f"{url}/passage"] = client.get(f"{url}/passage", params={"start": 0, "end": 20}).text
    for query in ("Kumo Arm R2 payload", "有給休暇", "経費精算"):
        bodies[f"search {query}"] = client.get("/api/search", params={"q": query}).text
    return bodies


def test_a_reader_sees_names_and_never_the_servers_path(company: LiveServer) -> None:
    alice = company.client("alice")
    bodies = bodies_as(alice)
    leaking = [what for what, body in bodies.items() if ROOT in body]
    assert not leaking, leaking
    assert len(bodies) > len(PAGES) + 20  # the example company's documents were all looked at

    documents = {d["name"]: d for d in alice.get("/api/documents").json()}
    assert KUMO in documents and "source" not in documents[KUMO]
    assert KUMO in bodies["/knowledge"]
    hit = alice.get("/api/search", params={"q": "Kumo Arm R2 payload"}).json()[0]
    assert hit["name"] == KUMO and "source" not in hit

    (uploaded,) = upload(alice, {"raven.md": "# 漆黒の翼\n\n試作機は十月に完成する。"}, "user:alice")
    shown = alice.get(f"/api/documents/{uploaded['document_id']}").json()
    assert shown["name"] == "raven.md" and "source" not in shown and shown["manageable"]


def test_citations_name_the_document_not_the_servers_path(company: LiveServer) -> None:
    events = write_events(
        company.client("alice"), "What is the rated payload of the Kumo Arm R2?", mode="rag"
    )
    assert ROOT not in str(events)
    name, result = events[-1]
    assert name == "result" and KUMO in {s["source"] for s in result["sources"] if s["cited"]}


def test_a_reader_may_not_probe_the_servers_paths_by_filtering(company: LiveServer) -> None:
    alice = company.client("alice")
    probe = alice.get("/api/search", params={"q": "Kumo Arm", "source": ROOT})
    assert probe.status_code == 403 and "admin" in probe.json()["error"]
    by_name = alice.get("/api/search", params={"q": "Kumo Arm", "path": "documents/products/"}).json()
    assert by_name and all(h["name"].startswith("documents/products/") for h in by_name)


def test_an_admin_sees_where_the_server_read_each_file(company: LiveServer) -> None:
    admin = company.client("admin")
    documents = {d["name"]: d for d in admin.get("/api/documents").json()}
    assert documents[KUMO]["source"] == f"{ROOT}/{KUMO}"
    assert f"{ROOT}/{KUMO}" in admin.get("/knowledge").text
    kumo = documents[KUMO]["id"]
    assert admin.get(f"/api/documents/{kumo}").json()["source"] == f"{ROOT}/{KUMO}"
    passage = admin.get(f"/api/documents/{kumo}/passage", params={"start": 0, "end": 20}).json()
    assert passage["source"] == f"{ROOT}/{KUMO}"
    hits = admin.get("/api/search", params={"q": "Kumo Arm", "source": f"{ROOT}/documents/products/"}).json()
    assert hits and all(h["source"].startswith(f"{ROOT}/documents/products/") for h in hits)
