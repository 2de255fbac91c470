"""The job system with kinds other than ingest, as classification and simulation will plug in:
parameters, progress, cancel checks, result files, failures, queueing and ownership."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from sakuin.errors import SakuinError
from sakuin.server.jobs import FINISHED, Job, JobContext, JobError, JobKind, JobManager, JobNotFoundError


class CountParams(BaseModel):
    to: int = Field(ge=1, le=1000)


def count(params: CountParams, context: JobContext) -> None:
    """Counts to ``to`` slowly, reporting each step; writes what it counted and its inputs' names."""
    for step in range(1, params.to + 1):
        context.check_cancelled()
        time.sleep(0.02)
        context.report(step, params.to, f"step {step}")
    names = ",".join(p.name for p in context.inputs)
    (context.output_dir / "count.txt").write_text(f"{context.principal} counted {params.to} [{names}]")


def refuse(params: CountParams, context: JobContext) -> None:
    raise SakuinError("the data set has no label column; name one with label_field.")


def crash(params: CountParams, context: JobContext) -> None:
    raise ZeroDivisionError


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[JobManager]:
    jobs = JobManager(tmp_path / "jobs", workers=1)
    for name, run in (("count", count), ("refuse", refuse), ("crash", crash)):
        jobs.register(JobKind(name, f"{name} for tests", CountParams, run, accepts_files=True))
    yield jobs
    jobs.shutdown()


def submit(manager: JobManager, kind: str, owner: str, to: int, inputs: dict[str, str] | None = None) -> Job:
    job_id, folder = manager.new_folder()
    for name, text in (inputs or {}).items():
        (folder / "inputs" / name).write_text(text)
    job_kind = manager.kind(kind)
    return manager.submit(job_id, folder, job_kind, manager.validate(job_kind, {"to": to}), owner)


def wait(manager: JobManager, job: Job, owner: str) -> dict[str, object]:
    states = list(manager.follow(job.id, owner, timeout=1))
    assert states[-1]["status"] in FINISHED
    return states[-1]


def test_progress_results_and_inputs(manager: JobManager) -> None:
    job = submit(manager, "count", "alice", 5, {"data.csv": "text,label\n"})
    states = list(manager.follow(job.id, "alice", timeout=1))
    assert states[-1]["status"] == "done" and states[-1]["done"] == states[-1]["total"] == 5
    assert len({s["done"] for s in states}) >= 2  # progress was seen along the way, not only the end
    path = manager.result_file(job.id, "alice", "count.txt")
    assert path.read_text() == "alice counted 5 [data.csv]"
    assert not (job.folder / "inputs").exists()  # inputs are removed once the job is over


def test_jobs_belong_to_their_owner(manager: JobManager) -> None:
    job = submit(manager, "count", "alice", 2)
    for action in (
        lambda: manager.get(job.id, "bob"),
        lambda: manager.cancel(job.id, "bob"),
        lambda: manager.result_file(job.id, "bob", "count.txt"),
        lambda: next(manager.follow(job.id, "bob")),
    ):
        with pytest.raises(JobNotFoundError):
            action()
    assert manager.jobs("bob") == [] and [j.id for j in manager.jobs("alice")] == [job.id]
    wait(manager, job, "alice")


def test_cancel_running_and_queued_jobs(manager: JobManager) -> None:
    running = submit(manager, "count", "alice", 500)
    queued = submit(manager, "count", "alice", 3)  # one worker: this one waits
    deadline = time.monotonic() + 10
    while manager.get(running.id, "alice").done < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert manager.cancel(queued.id, "alice").status == "cancelled"
    manager.cancel(running.id, "alice")
    final = wait(manager, running, "alice")
    assert final["status"] == "cancelled" and 2 <= int(str(final["done"])) < 500
    assert wait(manager, queued, "alice")["done"] == 0  # never started


def test_failures_are_reported_not_raised(manager: JobManager) -> None:
    refused = wait(manager, submit(manager, "refuse", "alice", 1), "alice")
    assert refused["status"] == "failed" and "no label column" in str(refused["error"])
    crashed = wait(manager, submit(manager, "crash", "alice", 1), "alice")
    assert crashed["status"] == "failed" and crashed["error"] == "internal error: ZeroDivisionError"
    after = wait(manager, submit(manager, "count", "alice", 1), "alice")  # the worker survived
    assert after["status"] == "done"


def test_bad_kinds_and_parameters(manager: JobManager) -> None:
    with pytest.raises(JobError, match="no job kind 'nope'; available: count, crash, refuse"):
        manager.kind("nope")
    with pytest.raises(JobError, match="parameter 'to'"):
        manager.validate(manager.kind("count"), {"to": 0})
    job = submit(manager, "count", "alice", 1)
    wait(manager, job, "alice")
    with pytest.raises(JobError, match="no result file"):
        manager.result_file(job.id, "alice", "../../etc/passwd")
