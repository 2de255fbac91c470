"""The ``curate`` server job over real HTTP: an uploaded corpus filtered and de-duplicated, with a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.server.conftest import LiveServer, live, make_server, wait_for_job

pytestmark = pytest.mark.slow
__all__ = ["live", "make_server"]  # the server fixtures, used here as in tests/server


def test_a_curate_job_filters_and_deduplicates_an_upload(live: LiveServer, corpus_path: Path) -> None:
    alice, bob = live.client("alice"), live.client("bob")
    reply = alice.post(
        "/api/jobs/curate",
        files=[("files", ("corpus.jsonl", corpus_path.read_bytes()))],
        data={"params": json.dumps({"pipeline": "steps: [boilerplate, japanese, dedup_exact]"})},
    )
    assert reply.status_code == 202, reply.text
    job = wait_for_job(alice, reply.json()["id"])
    assert job["status"] == "done", job
    base = f"/api/jobs/{job['id']}/results"
    kept = [json.loads(line) for line in alice.get(f"{base}/kept.jsonl").text.splitlines()]
    assert [r["id"] for r in kept] == [0, 1, 2, 3, "near"]
    removed = [json.loads(line) for line in alice.get(f"{base}/removed.jsonl").text.splitlines()]
    assert {r["id"]: r["removed_by"].split(":")[0] for r in removed} == {
        "copy": "dedup_exact",
        "junk0": "boilerplate",
        "junk1": "japanese",
    }
    report = alice.get(f"{base}/report.json").json()
    assert [b["line"] for b in report["bad_lines"]] == [9, 10, 11, 12]
    assert bob.get(f"{base}/kept.jsonl").status_code == 404
    page = alice.get(f"/curate?job={job['id']}&lang=en")
    assert page.status_code == 200 and 'id="curate-steps"' in page.text
    assert "boilerplate: boilerplate_lines (1)" in page.text and "not UTF-8" in page.text


def test_a_curate_job_with_an_unknown_step_fails_naming_the_steps(
    live: LiveServer, corpus_path: Path
) -> None:
    alice = live.client("alice")
    reply = alice.post(
        "/api/jobs/curate",
        files=[("files", ("corpus.jsonl", corpus_path.read_bytes()))],
        data={"params": json.dumps({"pipeline": "steps: [sparkle]"})},
    )
    job = wait_for_job(alice, reply.json()["id"])
    assert job["status"] == "failed" and "unknown step 'sparkle'; the steps are length" in job["error"]
