"""``sakuin serve`` and ``sakuin accounts`` as a user runs them: real subprocesses, real HTTP."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, sakuin_command, start_server, stop_server


def sakuin(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*sakuin_command(), "--data-dir", str(data), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data = tmp_path / "data"
    assert sakuin(data, "users", "add", "alice", "bob").returncode == 0
    done = sakuin(
        data, "accounts", "set-password", "alice", "--password-stdin", "--admin", stdin="長いパスワードです\n"
    )
    assert done.returncode == 0 and "alice can log in as an admin" in done.stdout
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(
        [*sakuin_command(), "--data-dir", str(data), "serve", "--host", "127.0.0.1", "--port", str(port)],
        url,
        ready_path="/api/health",
    )
    yield url, data
    stop_server(process)


def test_serve_logs_in_users_the_cli_made(served: tuple[str, Path]) -> None:
    url, data = served
    # / redirects to /knowledge, which asks an anonymous visitor to log in
    assert httpx.get(f"{url}/", follow_redirects=True).status_code == 401
    schema = httpx.get(f"{url}/openapi.json").json()
    assert "/api/documents" in schema["paths"] and "/api/jobs/{job_id}/cancel" in schema["paths"]
    client = httpx.Client(base_url=url, follow_redirects=True)
    me = client.post("/api/login", json={"user": "alice", "password": "長いパスワードです"}).json()
    assert me["user"] == "alice" and me["admin"] is True
    assert client.get("/knowledge").status_code == 200

    token = sakuin(data, "accounts", "token", "alice", "--label", "nightly").stdout.strip()
    assert httpx.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}).json()["user"] == "alice"


def test_account_commands_refuse_bad_input(tmp_path: Path) -> None:
    data = tmp_path / "data"
    unknown = sakuin(data, "accounts", "set-password", "ghost", "--password-stdin", stdin="long enough pw\n")
    assert unknown.returncode == 1 and "no user 'ghost'" in unknown.stderr
    assert sakuin(data, "users", "add", "bob").returncode == 0
    short = sakuin(data, "accounts", "set-password", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "too short" in short.stderr
