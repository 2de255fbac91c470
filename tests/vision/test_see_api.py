"""``POST /api/see`` on the real server over HTTP: detections, the boxed PNG, refusals."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from PIL import Image
from skimage import data

from tests.server.conftest import LiveServer, live, make_server, upload
from tests.vision.pages import POLICY_JA, render_page
from tests.vision.vlm_server import base_url, recording

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


def test_a_scans_passage_says_its_page_and_box_to_readers_only(live: LiveServer) -> None:
    [result] = upload(live.client("alice"), {"policy.png": png(render_page(POLICY_JA))}, "user:alice")
    assert result["status"] == "added", result
    [hit] = live.client("alice").get("/api/search", params={"q": "在宅勤務は週何日まで", "k": 1}).json()
    where = f"/api/documents/{hit['document_id']}/passage"
    span = {"start": hit["start"], "end": hit["end"]}
    passage = live.client("alice").get(where, params=span).json()
    [region] = passage["regions"]
    assert region["page"] == 1 and region["page_size"] == [1240, 880]
    box = region["box"]
    assert 0 <= box["left"] < box["right"] <= 1240 and 0 <= box["top"] < box["bottom"] <= 880
    assert live.client("bob").get(where, params=span).status_code == 404


def test_a_question_without_a_vision_server_gets_what_the_local_models_saw(live: LiveServer) -> None:
    reply = live.client("alice").post(
        "/api/see",
        files={"image": ("astronaut.png", png(Image.fromarray(data.astronaut())), "image/png")},
        data={"question": "この人は何をしていますか？"},
    )
    assert reply.status_code == 200, reply.text
    answer = reply.json()["answer"]
    assert not answer["reasoned"]
    assert answer["text"].startswith("この質問に答えるには視覚言語モデルが必要です")  # in its language
    assert "vision.vlm_url" in answer["text"]
    assert "person" in answer["text"]  # what the detector saw, said as just that


def test_the_configured_vision_server_answers_questions_and_detects_any_words(
    make_server: Callable[..., LiveServer],
) -> None:
    with recording() as recorder:
        served = make_server(vision={"vlm_url": base_url(recorder), "vlm_model": "qwen2.5-vl-7b"})
        recorder.reply = '[{"label": "skateboard", "box": [10, 20, 110, 220]}]'
        picture = png(Image.new("RGB", (320, 240), (90, 140, 200)))
        reply = served.client("alice").post(
            "/api/see",
            files={"image": ("park.png", picture, "image/png")},
            data={"prompt": "skateboards", "question": "Why did he fall?"},
        )
        assert reply.status_code == 200, reply.text
        result = reply.json()
        [detect, ask] = recorder.requests
    assert result["model"] == "openai:qwen2.5-vl-7b"
    assert [d["label"] for d in result["detections"]] == ["skateboard"]
    assert "skateboards" in detect["body"]["messages"][0]["content"][0]["text"]
    assert ask["body"]["messages"][0]["content"][0]["text"] == "Why did he fall?"
    assert result["answer"] == {"text": recorder.reply, "model": "openai:qwen2.5-vl-7b", "reasoned": True}


def test_a_vision_server_without_its_model_name_is_a_clear_error(
    make_server: Callable[..., LiveServer],
) -> None:
    served = make_server(vision={"vlm_url": "http://127.0.0.1:9/v1"})
    reply = served.client("alice").post(
        "/api/see", files={"image": ("a.png", png(Image.new("RGB", (32, 32))), "image/png")}
    )
    assert reply.status_code >= 400 and "vision.vlm_model" in reply.json()["error"], reply.text


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
