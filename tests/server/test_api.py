"""The JSON API over real HTTP: login, documents, search, sharing, admin, tokens, limits, jobs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx

from tests.server.conftest import PASSWORD, LiveServer, upload, wait_for_job

HANDBOOK_JA = (
    "# 就業規則\n\n## 休暇\n\n"
    "年次有給休暇は入社六か月後に十日付与されます。申請は三日前までに行ってください。\n"
)
ROADMAP_EN = "# Roadmap\n\nProject Kestrel ships the offline translation feature in the third quarter.\n"


def test_health_and_login(live: LiveServer) -> None:
    anonymous = live.client()
    assert anonymous.get("/api/health").json() == {"status": "ok"}
    assert anonymous.get("/api/me").status_code == 401
    wrong = anonymous.post("/api/login", json={"user": "alice", "password": "not it at all"})
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.json()["error"]
    unknown = anonymous.post("/api/login", json={"user": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401
    alice = live.client("alice")
    me = alice.get("/api/me").json()
    assert me["user"] == "alice" and me["groups"] == ["sales"] and not me["admin"]
    assert alice.post("/api/logout").status_code == 204
    assert alice.get("/api/me").status_code == 401


def test_upload_list_show_search_as_the_asking_user(live: LiveServer) -> None:
    alice, bob, carol = live.client("alice"), live.client("bob"), live.client("carol")
    results = upload(alice, {"handbook.md": HANDBOOK_JA, "roadmap.md": ROADMAP_EN}, "group:sales")
    assert [r["status"] for r in results] == ["added", "added"]
    handbook_id = results[0]["document_id"]

    listed = {d["title"]: d for d in alice.get("/api/documents").json()}
    assert listed["就業規則"]["readers"] == ["group:sales", "user:alice"]  # the uploader always reads
    assert listed["就業規則"]["manageable"] is True
    assert [d["title"] for d in carol.get("/api/documents").json() if d["id"] == handbook_id] == ["就業規則"]
    assert all(d["id"] != handbook_id for d in bob.get("/api/documents").json())

    hits = carol.get("/api/search", params={"q": "有給休暇は何日もらえますか"}).json()
    assert hits[0]["document_id"] == handbook_id and "十日" in hits[0]["text"]
    assert hits[0]["headings"] == ["就業規則", "休暇"]
    english = alice.get("/api/search", params={"q": "When does Kestrel ship offline translation?"}).json()
    assert english[0]["title"] == "Roadmap"
    assert bob.get("/api/search", params={"q": "有給休暇"}).json() == []

    shown = carol.get(f"/api/documents/{handbook_id}").json()
    assert "入社六か月後" in shown["text"] and shown["manageable"] is False
    download = carol.get(f"/api/documents/{handbook_id}/download")
    assert download.status_code == 200 and "入社六か月後" in download.text
    assert "handbook.txt" in download.headers["content-disposition"]
    assert bob.get(f"/api/documents/{handbook_id}").status_code == 404

    hit = hits[0]
    window = {"start": hit["start"], "end": hit["end"]}
    passage = carol.get(f"/api/documents/{handbook_id}/passage", params=window).json()
    assert passage["text"] == hit["text"] and passage["title"] == "就業規則"
    assert bob.get(f"/api/documents/{handbook_id}/passage", params=window).status_code == 404
    outside = carol.get(f"/api/documents/{handbook_id}/passage", params={"start": 5, "end": 10**6})
    assert outside.status_code == 400 and "not a passage" in outside.json()["error"]


def test_share_and_delete_only_by_the_uploader_or_an_admin(live: LiveServer) -> None:
    alice, bob, carol, root = (live.client(u) for u in ("alice", "bob", "carol", "root"))
    doc_id = upload(alice, {"pricing.md": "# 価格表\n\nスタンダードプランは月額二千円です。"}, "user:alice")[
        0
    ]["document_id"]
    assert bob.put(f"/api/documents/{doc_id}/readers", json={"readers": "everyone"}).status_code == 404
    shared = alice.put(f"/api/documents/{doc_id}/readers", json={"readers": "user:bob"})
    assert shared.status_code == 200 and shared.json()["readers"] == ["user:alice", "user:bob"]
    assert bob.get("/api/search", params={"q": "スタンダードプランの月額"}).json()[0]["document_id"] == doc_id
    assert bob.delete(f"/api/documents/{doc_id}").status_code == 403  # a reader, not the uploader
    assert carol.delete(f"/api/documents/{doc_id}").status_code == 404  # not even a reader
    bad = alice.put(f"/api/documents/{doc_id}/readers", json={"readers": "group:nonexistent"})
    assert bad.status_code == 400 and "no group 'nonexistent'" in bad.json()["error"]
    assert root.delete(f"/api/documents/{doc_id}").status_code == 204
    assert alice.get(f"/api/documents/{doc_id}").status_code == 404


def test_bad_uploads_are_reported_per_file(live: LiveServer) -> None:
    alice = live.client("alice")
    results = upload(
        alice, {"empty.txt": b"", "tool.exe": b"MZ\x00\x01", "good.txt": "良いファイルです。"}, "user:alice"
    )
    by_name = {r["source"].rsplit("/", 1)[-1]: r for r in results}
    assert by_name["empty.txt"]["status"] == "failed" and "empty" in by_name["empty.txt"]["reason"]
    assert "/tmp" not in by_name["empty.txt"]["reason"]  # the server's temporary path is not leaked
    assert by_name["tool.exe"]["status"] == "failed" and "unsupported" in by_name["tool.exe"]["reason"]
    assert by_name["good.txt"]["status"] == "added"
    refused = alice.post("/api/documents", files=[("files", ("a.txt", b"x"))], data={"readers": "user:ghost"})
    assert refused.status_code == 400 and "no user 'ghost'" in refused.json()["error"]


def test_csrf_is_required_for_cookie_sessions_but_not_tokens(live: LiveServer) -> None:
    alice = live.client("alice")
    del alice.headers["X-CSRF-Token"]
    forged = alice.post("/api/tokens", json={"label": "forged"})
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["error"]
    assert alice.get("/api/me").status_code == 200  # safe methods need no token

    created = live.client("alice").post("/api/tokens", json={"label": "script"})
    assert created.status_code == 201
    token = created.json()["token"]
    script = httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"})
    assert script.get("/api/me").json()["user"] == "alice"
    assert script.post("/api/tokens", json={"label": "second"}).status_code == 201  # no CSRF for tokens
    assert script.get("/api/tokens").json() == ["script", "second"]
    assert script.delete("/api/tokens/script").status_code == 204
    revoked = script.get("/api/me")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]


def test_admin_manages_users_and_groups_with_immediate_effect(live: LiveServer) -> None:
    root, alice = live.client("root"), live.client("alice")
    assert alice.get("/api/admin/users").status_code == 403
    assert alice.post("/api/admin/groups", json={"name": "hackers", "members": ["alice"]}).status_code == 403

    made = root.post("/api/admin/users", json={"name": "dave", "password": "dave's password"})
    assert made.status_code == 201 and made.json()["can_log_in"] is True
    assert root.post("/api/admin/groups", json={"name": "legal", "members": ["dave"]}).status_code == 201
    users = {u["name"]: u for u in root.get("/api/admin/users").json()}
    assert users["dave"]["groups"] == ["legal"] and users["root"]["admin"] is True
    short = root.patch("/api/admin/users/dave", json={"password": "short"})
    assert short.status_code == 400 and "too short" in short.json()["error"]

    doc_id = upload(alice, {"contract.md": "# 契約書\n\n秘密保持契約の期間は五年間とする。"}, "group:legal")[
        0
    ]["document_id"]
    dave = live.client("dave", "dave's password")
    assert dave.get(f"/api/documents/{doc_id}").status_code == 200
    assert root.delete("/api/admin/groups/legal/members/dave").json() == {"legal": []}
    assert dave.get(f"/api/documents/{doc_id}").status_code == 404  # the very next request
    assert dave.get("/api/search", params={"q": "秘密保持契約"}).json() == []


def test_bulk_ingest_job_progress_results_and_ownership(live: LiveServer) -> None:
    alice, bob = live.client("alice"), live.client("bob")
    files = [
        ("files", (f"note-{i}.md", f"# 議事録 {i}\n\n第{i}回の会議で予算案{i}号を承認した。".encode()))
        for i in range(6)
    ]
    files.append(("files", ("broken.pdf", b"%PDF-1.4 not really")))
    reply = alice.post(
        "/api/jobs/ingest", files=files, data={"params": json.dumps({"readers": "user:alice"})}
    )
    assert reply.status_code == 202, reply.text
    job = reply.json()
    assert job["status"] in ("queued", "running") and job["kind"] == "ingest"

    assert bob.get(f"/api/jobs/{job['id']}").status_code == 404
    assert bob.get(f"/api/jobs/{job['id']}/events").status_code == 404
    assert bob.post(f"/api/jobs/{job['id']}/cancel").status_code == 404
    assert all(j["id"] != job["id"] for j in bob.get("/api/jobs").json())

    final = wait_for_job(alice, job["id"])
    assert final["status"] == "done" and final["done"] == final["total"] == 7
    assert final["results"] == ["report.json"]
    report = alice.get(f"/api/jobs/{job['id']}/results/report.json").json()
    assert sorted(r["status"] for r in report) == ["added"] * 6 + ["failed"]
    assert bob.get(f"/api/jobs/{job['id']}/results/report.json").status_code == 404
    hits = alice.get("/api/search", params={"q": "予算案3号", "mode": "lexical"}).json()
    assert hits and hits[0]["title"] == "議事録 3"


def test_job_requests_that_cannot_run(live: LiveServer) -> None:
    alice = live.client("alice")
    assert "no job kind 'teleport'" in alice.post("/api/jobs/teleport").json()["error"]
    missing = alice.post("/api/jobs/ingest", data={"params": "{}"})
    assert missing.status_code == 400 and "parameter 'readers'" in missing.json()["error"]
    not_json = alice.post("/api/jobs/ingest", data={"params": "{readers"})
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    kinds = alice.get("/api/job-kinds").json()
    assert [k["name"] for k in kinds] == ["ingest", "classify", "curate", "simulate", "memorize"]
    assert "readers" in kinds[0]["params"]["properties"] and "labels" in kinds[1]["params"]["properties"]


def test_cancelling_a_running_ingest_job(live: LiveServer) -> None:
    alice = live.client("alice")
    files = [("files", (f"memo-{i}.txt", f"メモ{i}: 倉庫{i}の在庫を確認する。".encode())) for i in range(150)]
    job = alice.post(
        "/api/jobs/ingest", files=files, data={"params": json.dumps({"readers": "user:alice"})}
    ).json()
    cancelled = alice.post(f"/api/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200
    final = wait_for_job(alice, job["id"])
    assert final["status"] == "cancelled" and final["done"] < 150


def test_rate_limit_and_upload_limit(make_server: Callable[..., LiveServer]) -> None:
    small = make_server(server={"requests_per_minute": 5, "max_upload_mib": 0.01})
    alice = small.client("alice")
    codes = [alice.get("/api/me").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    limited = alice.get("/api/me")
    assert int(limited.headers["Retry-After"]) > 0 and "requests a minute" in limited.json()["error"]
    assert small.client("bob").get("/api/me").status_code == 200  # per user, not global

    big = small.client("carol").post(
        "/api/documents", files=[("files", ("big.txt", b"a" * 20_000))], data={"readers": "user:carol"}
    )
    assert big.status_code == 413 and "upload limit" in big.json()["error"]

    def chunked() -> Iterator[bytes]:
        yield b"x" * 8_000
        yield b"y" * 8_000

    streamed = httpx.post(f"{small.url}/api/login", content=chunked())  # no Content-Length
    assert streamed.status_code == 413


def test_login_attempts_are_limited(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(server={"logins_per_minute": 3})
    anonymous = server.client()
    codes = [
        anonymous.post("/api/login", json={"user": "bob", "password": "guess"}).status_code for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    started = time.monotonic()
    assert server.client().post("/api/login", json={"user": "alice", "password": PASSWORD}).status_code == 200
    assert time.monotonic() - started < 5
