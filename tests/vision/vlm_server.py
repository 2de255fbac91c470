"""A local HTTP server that records what is sent to it as to an OpenAI-compatible vision server and
streams back a fixed reply: tests with it check sakuin's requests and how it reads the reply, not a
model."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class Recorder(ThreadingHTTPServer):
    requests: list[dict[str, Any]]
    reply: str


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in (
            self.server.reply[: len(self.server.reply) // 2],
            self.server.reply[len(self.server.reply) // 2 :],
        ):
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """A recording server on a free port of 127.0.0.1, for the block's duration."""
    recorder = Recorder(("127.0.0.1", 0), Handler)
    recorder.requests, recorder.reply = [], ""
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.shutdown()
        recorder.server_close()


def base_url(recorder: Recorder) -> str:
    host, port = recorder.server_address[:2]
    return f"http://{host!s}:{port}/v1"


@pytest.fixture
def server() -> Iterator[Recorder]:
    with recording() as recorder:
        yield recorder
