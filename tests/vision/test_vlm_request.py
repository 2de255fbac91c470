"""The request sakuin sends to an OpenAI-compatible vision server, checked against the OpenAI chat
format by a local HTTP server that records it and answers a fixed reply. This checks the request
(and how the reply is read), not any model."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from sakuin.errors import ServerUnreachableError
from sakuin.vision.base import VisionError
from sakuin.vision.detector import NodeDetector
from sakuin.vision.local import LocalVision
from sakuin.vision.vlm import SEND_SIDE, OpenAIVision


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


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder(("127.0.0.1", 0), Handler)
    recorder.requests, recorder.reply = [], ""
    thread = threading.Thread(target=recorder.serve_forever, daemon=True)
    thread.start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


def client(server: Recorder) -> OpenAIVision:
    host, port = server.server_address[:2]
    local = LocalVision(None, NodeDetector())  # never started: these calls go to the server
    return OpenAIVision(f"http://{host!s}:{port}/v1", "qwen2.5-vl-7b", local, api_key="secret-token")


def sent_image(request: dict[str, Any]) -> Image.Image:
    [message] = request["body"]["messages"]
    [text, image] = message["content"]
    assert text["type"] == "text" and image["type"] == "image_url"
    url = image["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(url.removeprefix("data:image/jpeg;base64,"))))


def test_ask_sends_one_user_message_with_text_and_a_data_url_image(server: Recorder) -> None:
    server.reply = "The skateboarder leaned back too far."
    picture = Image.new("RGB", (640, 480), (200, 30, 30))
    answer = client(server).ask(picture, "Why did this skateboarder fall?")
    assert answer.text == "The skateboarder leaned back too far." and answer.reasoned
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer secret-token"
    body = request["body"]
    assert body["model"] == "qwen2.5-vl-7b" and body["stream"] is True
    [message] = body["messages"]
    assert message["role"] == "user"
    assert message["content"][0]["text"] == "Why did this skateboarder fall?"
    image = sent_image(request)
    assert image.size == (640, 480) and image.getpixel((320, 240))[0] > 150  # type: ignore[index]


def test_a_large_image_is_sent_scaled_and_its_boxes_come_back_in_its_own_pixels(server: Recorder) -> None:
    server.reply = 'Here: [{"label": "carrot", "box": [100, 50, 300, 250]}, {"label": "bad", "box": "x"}]'
    picture = Image.new("RGB", (SEND_SIDE * 2, SEND_SIDE))
    result = client(server).detect(picture, "vegetables")
    assert sent_image(server.requests[0]).size == (SEND_SIDE, SEND_SIDE // 2)
    assert (
        f"({SEND_SIDE}x{SEND_SIDE // 2} pixels)"
        in server.requests[0]["body"]["messages"][0]["content"][0]["text"]
    )
    [carrot] = result.objects
    assert carrot.label == "carrot" and (carrot.box.left, carrot.box.bottom) == (200, 500)
    assert result.mapping.terms[0].via == "vision-language model"


def test_an_answer_without_boxes_is_an_error_not_an_empty_result(server: Recorder) -> None:
    server.reply = "I see some vegetables."
    with pytest.raises(VisionError, match="no JSON list of boxes"):
        client(server).detect(Image.new("RGB", (64, 64)), "vegetables")


def test_no_server_is_said_plainly() -> None:
    local = LocalVision(None, NodeDetector())
    vlm = OpenAIVision("http://127.0.0.1:9/v1", "m", local)
    with pytest.raises(ServerUnreachableError, match="nothing answers"):
        vlm.ask(Image.new("RGB", (8, 8)), "what is this?")
