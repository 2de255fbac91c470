"""Jobs over HTTP: submit (with input files), list, follow progress (SSE), cancel, fetch results.

Only the job's owner sees it: for anyone else every job endpoint answers 404.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from sakuin.server.auth import PrincipalDep
from sakuin.server.documents_api import save_uploads
from sakuin.server.jobs import FINISHED, JobError
from sakuin.server.services import ServicesDep, exposes
from sakuin.server.streaming import event_stream

router = APIRouter(prefix="/api")


class JobKindInfo(BaseModel):
    name: str
    description: str
    accepts_files: bool
    params: dict[str, Any]


class JobState(BaseModel):
    id: str
    kind: str
    status: str
    done: int
    total: int
    message: str
    error: str
    params: dict[str, Any]
    results: list[str]
    created: float
    finished: float | None


@router.get("/job-kinds", openapi_extra=exposes("self"))
def job_kinds(_: PrincipalDep, services: ServicesDep) -> list[JobKindInfo]:
    """What can be submitted, with each kind's parameters as JSON Schema."""
    return [
        JobKindInfo(
            name=k.name,
            description=k.description,
            accepts_files=k.accepts_files,
            params=k.params.model_json_schema(),
        )
        for k in services.jobs.kinds.values()
    ]


@router.post("/jobs/{kind}", status_code=202, openapi_extra=exposes("jobs"))
def submit_job(
    kind: str,
    principal: PrincipalDep,
    services: ServicesDep,
    params: Annotated[str, Form(max_length=100_000, description="The kind's parameters as JSON.")] = "{}",
    files: Annotated[
        list[UploadFile] | None, File(description="Input files, for kinds that take them.")
    ] = None,
) -> JobState:
    """Queue a job; it runs on the worker pool while this returns at once (202)."""
    job_kind = services.jobs.kind(kind)
    try:
        raw = json.loads(params)
    except json.JSONDecodeError as exc:
        raise JobError(
            f'params is not JSON ({exc.msg}); send an object like {{"readers": "everyone"}}.'
        ) from exc
    if not isinstance(raw, dict):
        raise JobError("params must be a JSON object.")
    validated = services.jobs.validate(job_kind, raw)
    if files and not job_kind.accepts_files:
        raise JobError(f"job kind '{kind}' takes no files.")
    job_id, folder = services.jobs.new_folder()
    save_uploads(files or [], folder / "inputs")
    job = services.jobs.submit(job_id, folder, job_kind, validated, principal.user)
    return JobState(**job.snapshot())


@router.get("/jobs", openapi_extra=exposes("jobs"))
def list_jobs(principal: PrincipalDep, services: ServicesDep) -> list[JobState]:
    """The caller's jobs, newest first."""
    return [JobState(**job.snapshot()) for job in services.jobs.jobs(principal.user)]


@router.get("/jobs/{job_id}", openapi_extra=exposes("jobs"))
def job_state(job_id: str, principal: PrincipalDep, services: ServicesDep) -> JobState:
    return JobState(**services.jobs.get(job_id, principal.user).snapshot())


@router.get("/jobs/{job_id}/events", response_class=EventSourceResponse, openapi_extra=exposes("jobs"))
def job_events(job_id: str, principal: PrincipalDep, services: ServicesDep) -> EventSourceResponse:
    """Server-Sent Events: a ``progress`` event per change, then one ``end`` event."""
    services.jobs.get(job_id, principal.user)  # 404 now, before the stream starts
    return event_stream(
        ("end" if state["status"] in FINISHED else "progress", state)
        for state in services.jobs.follow(job_id, principal.user)
    )


@router.post("/jobs/{job_id}/cancel", openapi_extra=exposes("jobs"))
def cancel_job(job_id: str, principal: PrincipalDep, services: ServicesDep) -> JobState:
    """Ask the job to stop; it ends at its next cancel check (a queued job never starts)."""
    return JobState(**services.jobs.cancel(job_id, principal.user).snapshot())


@router.get("/jobs/{job_id}/results/{name}", response_class=FileResponse, openapi_extra=exposes("jobs"))
def job_result(job_id: str, name: str, principal: PrincipalDep, services: ServicesDep) -> FileResponse:
    """One result file of a finished job."""
    return FileResponse(services.jobs.result_file(job_id, principal.user, name), filename=name)
