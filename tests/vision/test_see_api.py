"""``POST /api/see`` on the real server over HTTP: detections, the boxed PNG, refusals."""

from __future__ import annotations

import base64
import io

from PIL import Image
from skimage import data

from tests.server.conftest import LiveServer, live, make_server
from tests.vision.pages import POLICY_JA, render_page

__all__ = ["live", "make_server"]


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_see_finds_the_person_and_returns_the_boxed_image(live: LiveServer) -> None:
    reply = live.client("alice").post(
        "/api/see",
        files={"image": ("astronaut.png", png(Image.fromarray(data.astronaut())), "image/png")},
        data={"prompt": "人を検出して", "classify": "true"},
    )
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert result["mapping"]["labels"] == ["person"]
    assert [d["label"] for d in result["detections"]] == ["person"]
    boxed = Image.open(
        io.BytesIO(base64.b64decode(result["boxed_png"].removeprefix("data:image/png;base64,")))
    )
    assert boxed.size == (512, 512)
    assert "not open vocabulary" in result["classes"]["label_set"]


def test_see_reads_text_when_asked(live: LiveServer) -> None:
    reply = live.client("bob").post(
        "/api/see",
        files={"image": ("page.png", png(render_page(POLICY_JA)), "image/png")},
        data={"read": "true"},
    )
    assert reply.status_code == 200, reply.text
    assert any("週三日" in line["text"] for line in reply.json()["text"])


def test_see_refuses_anonymous_callers_and_files_that_are_no_image(live: LiveServer) -> None:
    files = {"image": ("notes.png", b"plain text, not a picture", "image/png")}
    assert live.client().post("/api/see", files=files).status_code == 401
    reply = live.client("alice").post("/api/see", files=files)
    assert reply.status_code == 400 and "not an image" in reply.json()["error"]


def test_the_vision_page_is_for_logged_in_users(live: LiveServer) -> None:
    anonymous = live.client().get("/vision")
    assert anonymous.status_code == 401 and 'id="login-form"' in anonymous.text
    page = live.client("alice").get("/vision", params={"lang": "ja"})
    assert page.status_code == 200 and 'id="vision-form"' in page.text and "何を探すか" in page.text
    assert live.client().get("/static/vision.js").status_code == 200
