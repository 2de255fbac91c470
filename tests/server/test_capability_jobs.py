"""Classification and simulation as background jobs, over real HTTP with the real default model."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.server.conftest import LiveServer, wait_for_job

pytestmark = pytest.mark.slow

REVIEWS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "review": [
            "Absolutely love it, works perfectly and arrived early.",
            "Terrible. It broke after one day and support never answered.",
            "最高の買い物でした。毎日使っています。",
            "最悪です。すぐに壊れて返品しました。",
            "",
            "Great value, I would buy it again.",
        ],
    }
)


def test_a_classification_job_labels_an_uploaded_table(live: LiveServer) -> None:
    alice, bob = live.client("alice"), live.client("bob")
    params = {"labels": ["positive", "negative"], "instruction": "Is the review positive or negative?"}
    params["text_column"] = "review"
    reply = alice.post(
        "/api/jobs/classify",
        files=[("files", ("reviews.csv", REVIEWS.to_csv(index=False).encode()))],
        data={"params": json.dumps(params)},
    )
    assert reply.status_code == 202, reply.text
    job = wait_for_job(alice, reply.json()["id"], timeout=600)
    assert job["status"] == "done", job
    labelled = pd.read_csv(io.BytesIO(alice.get(f"/api/jobs/{job['id']}/results/labelled.csv").content))
    assert list(labelled["id"]) == [1, 2, 3, 4, 5, 6]  # every input column and row kept
    assert {"predicted", "p_positive", "p_negative"} <= set(labelled.columns)
    written = labelled.dropna(subset=["predicted"])
    assert (
        set(written["predicted"]) <= {"positive", "negative"} and len(written) == 5
    )  # the blank row skipped
    summary = alice.get(f"/api/jobs/{job['id']}/results/summary.json").json()
    assert sum(summary["counts"].values()) == 5 and summary["skipped"] == 1
    assert (summary["backend"], summary["automatic"], summary["unparsed"]) == ("llama_cpp", False, 0)
    assert alice.get(f"/api/jobs/{job['id']}/results/labels.png").headers["content-type"] == "image/png"
    assert bob.get(f"/api/jobs/{job['id']}/results/labelled.csv").status_code == 404


def test_a_classification_job_needs_a_table(live: LiveServer) -> None:
    alice = live.client("alice")
    reply = alice.post("/api/jobs/classify", data={"params": json.dumps({"labels": ["a", "b"]})})
    job = wait_for_job(alice, reply.json()["id"])
    assert job["status"] == "failed" and "exactly one table" in job["error"]


def test_a_failed_job_names_its_file_not_the_servers_path(live: LiveServer) -> None:
    alice = live.client("alice")
    reply = alice.post(
        "/api/jobs/classify",
        files=[("files", ("reviews.csv", b"review,id\n1,2,3,4\n"))],
        data={"params": json.dumps({"labels": ["a", "b"], "text_column": "review"})},
    )
    job = wait_for_job(alice, reply.json()["id"])
    assert job["status"] == "failed" and "reviews.csv" in job["error"], job
    assert str(live.services.settings.data_dir) not in json.dumps(job)


def test_a_simulation_job_from_a_spec_runs_in_the_sandbox(live: LiveServer) -> None:
    alice = live.client("alice")
    spec = {
        "structure": {"kind": "bulk", "element": "Cu"},
        "property": "equation_of_state",
        "calculator": "emt",
    }
    reply = alice.post("/api/jobs/simulate", data={"params": json.dumps({"spec": spec})})
    assert reply.status_code == 202, reply.text
    job = wait_for_job(alice, reply.json()["id"], timeout=300)
    assert job["status"] == "done", job
    result = alice.get(f"/api/jobs/{job['id']}/results/result.json").json()
    assert result["complete"] and 100 < result["rows"][0]["bulk_modulus_GPa"] < 180
    script = alice.get(f"/api/jobs/{job['id']}/results/simulate.py")
    assert script.status_code == 200 and "from ase" in script.text


def test_a_simulation_request_with_a_gap_asks_back(live: LiveServer) -> None:
    alice = live.client("alice")
    params = {"request": "Compute the adsorption energy of oxygen.", "calculator": "emt"}
    reply = alice.post("/api/jobs/simulate", data={"params": json.dumps(params)})
    job = wait_for_job(alice, reply.json()["id"], timeout=300)
    assert job["status"] == "failed" and "?" in job["error"]


def test_a_bad_spec_is_refused_at_submission(live: LiveServer) -> None:
    alice = live.client("alice")
    params = {"spec": {"structure": {"kind": "bulk", "element": "Xx"}, "property": "total_energy"}}
    reply = alice.post("/api/jobs/simulate", data={"params": json.dumps(params)})
    assert reply.status_code == 400 and "Xx" in reply.json()["error"]
