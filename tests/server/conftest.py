"""Server fixtures: the real app served by uvicorn on a free 127.0.0.1 port, with real users.

The app runs in a thread of the test process (so it shares the session's loaded e5 embedder)
and is spoken to over real HTTP; ``test_serve_command`` also starts ``sakuin serve`` as a
subprocess, as a user would.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sakuin.config import load_settings
from sakuin.embeddings import Embedder
from sakuin.knowledge.manifest import read_workspace
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.server import create_app
from sakuin.server.demo import EXAMPLE_WORKSPACE, DemoUser, prepare_demo
from sakuin.server.services import Services
from tests.conftest import free_port

PASSWORD = "correct horse battery"
# alice and carol are in sales; bob is in no group; root is the admin
USERS = ("alice", "bob", "carol", "root")


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    demo_users: list[DemoUser] | None = None  # the example company's users, when it is loaded

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def password(self, user: str) -> str:
        return next((u.password for u in self.demo_users or [] if u.name == user), PASSWORD)

    def client(self, user: str | None = None, password: str | None = None) -> httpx.Client:
        """A client logged in as ``user`` with a cookie session (CSRF header set), or anonymous."""
        client = httpx.Client(base_url=self.url, timeout=120)
        password = password or (self.password(user) if user else PASSWORD)
        if user is not None:
            reply = client.post("/api/login", json={"user": user, "password": password})
            reply.raise_for_status()
            client.headers["X-CSRF-Token"] = reply.json()["csrf"]
        return client

    def token_client(self, user: str, label: str = "tests") -> httpx.Client:
        """A client authenticated by an API token (no cookie, no CSRF header)."""
        token = self.services.accounts.create_token(user, f"{label}-{time.monotonic_ns()}")
        return httpx.Client(base_url=self.url, timeout=60, headers={"Authorization": f"Bearer {token}"})


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port in a thread; the base URL while it runs."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def populate(services: Services) -> None:
    """The users and groups every server test starts from, made through the same Python API."""
    store = services.kb.store
    for user in USERS:
        store.add_user(user)
        services.accounts.set_password(user, PASSWORD)
    services.accounts.set_admin("root", True)
    store.add_group("sales", ["alice", "carol"])


@pytest.fixture(scope="module")
def make_server(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, gemma_llama: LlamaCppModel
) -> Iterator[Callable[..., LiveServer]]:
    """Start servers (with settings overrides) that stop when the module's tests are done.

    ``company=True``: the example company (examples/workspace, without its held-back document)
    with its demo passwords instead of the default users. The model is the session's Gemma.
    """
    stack: list[Any] = []

    def start(*, company: bool = False, **overrides: Any) -> LiveServer:
        # tests log the same users in again and again; the login limit has its own test
        overrides["server"] = {"logins_per_minute": 1000, **overrides.get("server", {})}
        settings = load_settings(tmp_path_factory.mktemp("server-data"), **overrides)
        app = create_app(settings, embedder=embedder, model=gemma_llama)
        demo_users = None
        if company:
            report, demo_users = prepare_demo(app.state.services, read_workspace(EXAMPLE_WORKSPACE))
            assert not report.failed
        else:
            populate(app.state.services)
        context = serve_app(app)
        url = context.__enter__()
        stack.append(context)
        return LiveServer(url, app, demo_users)

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def live(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server()


def upload(client: httpx.Client, files: dict[str, str | bytes], readers: str) -> list[dict[str, Any]]:
    """Upload ``{filename: content}`` with ``readers``; the per-file results."""
    parts = [
        ("files", (name, content if isinstance(content, bytes) else content.encode()))
        for name, content in files.items()
    ]
    reply = client.post("/api/documents", files=parts, data={"readers": readers})
    assert reply.status_code == 200, reply.text
    results: list[dict[str, Any]] = reply.json()
    return results


def write_events(client: httpx.Client, request: str, **options: Any) -> list[tuple[str, Any]]:
    """POST /api/write and read its whole SSE stream: the (event, data) pairs in order."""
    events: list[tuple[str, Any]] = []
    with client.stream("POST", "/api/write", json={"request": request, **options}, timeout=300) as stream:
        assert stream.status_code == 200, stream.read().decode()
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line[5:])))
    return events


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    """Follow the job's SSE stream until its ``end`` event; the final state."""
    last: dict[str, Any] = {}
    with client.stream("GET", f"/api/jobs/{job_id}/events", timeout=timeout) as stream:
        assert stream.status_code == 200
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                last = json.loads(line[5:])
                if event == "end":
                    return last
    raise AssertionError(f"job stream ended without an end event; last state {last}")
