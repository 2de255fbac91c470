"""The request sakuin sends to an OpenAI-compatible vision server, checked against the OpenAI chat
format by a local HTTP server that records it and answers a fixed reply. This checks the request
(and how the reply is read), not any model."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from sakuin.errors import ServerUnreachableError
from sakuin.vision.base import VisionError
from sakuin.vision.detector import NodeDetector
from sakuin.vision.local import LocalVision
from sakuin.vision.vlm import SEND_SIDE, OpenAIVision
from tests.vision.vlm_server import Recorder, base_url, server

__all__ = ["server"]


def client(server: Recorder) -> OpenAIVision:
    local = LocalVision(None, NodeDetector())  # never started: these calls go to the server
    return OpenAIVision(base_url(server), "qwen2.5-vl-7b", local, api_key="secret-token")


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
