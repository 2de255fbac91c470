"""``POST /api/write`` over real HTTP against the example company, with the real default model:
tokens stream, the result carries resolvable sources, and only what the asker may read is used."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sakuin.server.demo import EXAMPLE_WORKSPACE
from tests.server.conftest import LiveServer, upload, write_events

REQUEST = "ホシゾラ X3 の営業向け紹介文を書いてください。"
HELD_BACK = EXAMPLE_WORKSPACE / "held_back" / "hoshizora-x3.md"
REFUSAL = "アクセスできる社内資料に「ホシゾラ X3」についての情報がありません。"


@pytest.fixture(scope="module")
def company(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server(company=True)


def result_of(events: list[tuple[str, Any]]) -> dict[str, Any]:
    """The stream's final result, after checking that tokens came first and spell its text."""
    names = [name for name, _ in events]
    assert names[-1] == "result" and names.count("result") == 1 and set(names[:-1]) == {"token"}, names
    result: dict[str, Any] = events[-1][1]
    assert "".join(data["text"] for _, data in events[:-1]).strip() == result["text"]
    return result


def test_an_answer_streams_then_cites_passages_that_resolve(company: LiveServer) -> None:
    alice = company.client("alice")
    result = result_of(write_events(alice, "What is the rated payload of the Kumo Arm R2?", mode="rag"))
    assert not result["refused"] and result["mode"] == "rag"
    assert result["style"] in ("extractive", "abstractive")
    assert "7 kg" in result["text"]
    cited = [s for s in result["sources"] if s["cited"]]
    assert cited and all(f"[{s['number']}]" in result["text"] for s in cited)
    for source in cited:  # each citation opens exactly its passage
        passage = alice.get(
            f"/api/documents/{source['document_id']}/passage",
            params={"start": source["start"], "end": source["end"]},
        ).json()
        assert passage["text"] == source["text"] and passage["title"] == source["title"]
    assert any("kumo-arm-r2.md" in s["source"] for s in cited)


def test_refused_until_uploaded_then_only_for_its_readers(company: LiveServer) -> None:
    alice, bob = company.client("alice"), company.client("bob")
    before = result_of(write_events(alice, REQUEST))
    assert before["refused"] and before["text"] == REFUSAL and before["sources"] == []

    (uploaded,) = upload(alice, {HELD_BACK.name: HELD_BACK.read_bytes()}, "group:sales")
    assert uploaded["status"] == "added", uploaded
    after = result_of(write_events(alice, REQUEST))
    assert not after["refused"]
    assert uploaded["document_id"] in {s["document_id"] for s in after["sources"] if s["cited"]}

    events = write_events(bob, REQUEST)  # engineering, not sales
    refused = result_of(events)
    assert refused["refused"] and refused["text"] == REFUSAL and refused["sources"] == []
    raw = str(events)
    for fact in ("HZ-X3", "2,750,000", "38 分", "棚卸し"):
        assert fact not in raw


def test_concurrent_writers_share_one_model_in_turn(company: LiveServer) -> None:
    questions = {
        "alice": "What is the rated payload of the Kumo Arm R2?",
        "carol": "マモリビジョン MV-40 の保護等級と重量を教えてください。",
        "bob": "What are the reach and the repeatability of the Kumo Arm R2?",
    }
    results: dict[str, dict[str, Any]] = {}

    def ask(user: str) -> None:
        results[user] = result_of(write_events(company.client(user), questions[user]))

    threads = [threading.Thread(target=ask, args=(user,)) for user in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert set(results) == set(questions)
    assert not any(r["refused"] for r in results.values())
    assert "7 kg" in results["alice"]["text"] and "IP65" in results["carol"]["text"]
    assert "700 mm" in results["bob"]["text"]


def test_bad_write_requests_get_clear_errors(company: LiveServer) -> None:
    alice = company.client("alice")
    blank = alice.post("/api/write", json={"request": "   "})
    assert blank.status_code == 400 and "empty" in blank.json()["error"]
    for body, where in (
        ({"request": "x", "length": 5}, "length"),
        ({"request": "x", "mode": "telepathy"}, "mode"),
        ({"request": "x" * 4001}, "request"),
        ({}, "request"),
    ):
        reply = alice.post("/api/write", json=body)
        assert reply.status_code == 422 and where in reply.json()["error"], reply.text
    assert httpx.post(f"{company.url}/api/write", json={"request": REQUEST}).status_code == 401
    no_csrf = alice.post("/api/write", json={"request": REQUEST}, headers={"X-CSRF-Token": ""})
    assert no_csrf.status_code == 403
