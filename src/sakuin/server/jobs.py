"""Background jobs: a registry of job kinds and a worker pool that runs them off the request path.

A job kind is a function ``run(params, context)``: ``params`` is its validated pydantic model,
``context`` carries the principal who submitted it, the uploaded input files, a folder for result
files, a progress callback and a cancel check. Ingesting many files, classifying a data set and
running a simulation are all kinds; the server knows nothing more of them than this.

Jobs belong to the user who submitted them: to anyone else a job does not exist (404, never 403).
The job table is kept in memory (results stay on disk under ``jobs/``), so a restart forgets jobs.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from sakuin.errors import SakuinError
from sakuin.models import LanguageModel

log = logging.getLogger(__name__)
Status = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[Status] = frozenset({"done", "failed", "cancelled"})


class JobError(SakuinError):
    """A job request that cannot be carried out (unknown kind, bad parameters)."""


class JobNotFoundError(JobError):
    """No such job, or one that belongs to someone else (which must look the same)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id} of yours; list them at /api/jobs.")


# How a job borrows the server's language model: ``with lend() as model:`` holds it exclusively.
ModelLender = Callable[[], AbstractContextManager[LanguageModel]]


class JobCancelledError(Exception):
    """Raised by :meth:`JobContext.check_cancelled` to end a job early."""


@dataclass
class JobContext:
    """What a running job may use: who asked, its inputs, where results go, progress and cancel."""

    principal: str
    inputs: list[Path]
    output_dir: Path
    report: Callable[[int, int, str], None]
    cancelled: Callable[[], bool]

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise JobCancelledError


@dataclass(frozen=True)
class JobKind:
    """One kind of job: its name, a one-line description, its parameters' model and its function."""

    name: str
    description: str
    params: type[BaseModel]
    run: Callable[[Any, JobContext], None]
    accepts_files: bool = False


@dataclass
class Job:
    """One submitted job and how far it has got."""

    id: str
    kind: str
    owner: str
    params: dict[str, Any]
    folder: Path
    status: Status = "queued"
    done: int = 0
    total: int = 0
    message: str = ""
    error: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def results_dir(self) -> Path:
        return self.folder / "results"

    def results(self) -> list[str]:
        if not self.results_dir.is_dir():
            return []
        return sorted(p.name for p in self.results_dir.iterdir() if p.is_file())

    def snapshot(self) -> dict[str, Any]:
        """The job as the API shows it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "error": self.error,
            "params": self.params,
            "results": self.results() if self.status in FINISHED else [],
            "created": self.created,
            "finished": self.finished,
        }

    def update(self, **changes: Any) -> None:
        with self.changed:
            for name, value in changes.items():
                setattr(self, name, value)
            self.changed.notify_all()


def _without_folder(message: str, folder: Path) -> str:
    """An error as the submitter should read it: their files by name, not by the server's path."""
    return message.replace(f"{folder / 'inputs'}/", "").replace(f"{folder}/", "")


class JobManager:
    """Runs submitted jobs on ``workers`` threads; requests only ever enqueue and read."""

    def __init__(self, root: Path, workers: int) -> None:
        self.root = root
        self.kinds: dict[str, JobKind] = {}
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sakuin-job")

    def register(self, kind: JobKind) -> None:
        self.kinds[kind.name] = kind

    def kind(self, name: str) -> JobKind:
        if name not in self.kinds:
            raise JobError(f"no job kind '{name}'; available: {', '.join(sorted(self.kinds)) or 'none'}.")
        return self.kinds[name]

    def validate(self, kind: JobKind, params: dict[str, Any]) -> BaseModel:
        try:
            return kind.params.model_validate(params)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "params"
            raise JobError(f"job '{kind.name}': parameter '{where}': {first['msg']}.") from exc

    def new_folder(self) -> tuple[str, Path]:
        """A fresh job id and its folder, where the caller saves input files before submitting."""
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        (folder / "inputs").mkdir(parents=True)
        return job_id, folder

    def submit(self, job_id: str, folder: Path, kind: JobKind, params: BaseModel, owner: str) -> Job:
        inputs = sorted((folder / "inputs").iterdir())
        job = Job(job_id, kind.name, owner, params.model_dump(mode="json"), folder)
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, kind, params, inputs)
        return job

    def _run(self, job: Job, kind: JobKind, params: BaseModel, inputs: list[Path]) -> None:
        if job.cancel.is_set():
            job.update(status="cancelled", finished=time.time())
            return
        job.update(status="running")
        job.results_dir.mkdir(exist_ok=True)
        context = JobContext(
            job.owner,
            inputs,
            job.results_dir,
            lambda done, total, message: job.update(done=done, total=total, message=message),
            job.cancel.is_set,
        )
        try:
            kind.run(params, context)
        except JobCancelledError:
            pass
        except SakuinError as exc:
            job.update(status="failed", error=_without_folder(str(exc), job.folder), finished=time.time())
            return
        except Exception as exc:  # a bug in a job kind: logged in full, the user sees its type
            log.exception("job %s (%s) crashed", job.id, job.kind)
            job.update(status="failed", error=f"internal error: {type(exc).__name__}", finished=time.time())
            return
        finally:
            shutil.rmtree(job.folder / "inputs", ignore_errors=True)
        job.update(status="cancelled" if job.cancel.is_set() else "done", finished=time.time())

    def get(self, job_id: str, user: str) -> Job:
        """The job if ``user`` owns it; otherwise it does not exist."""
        job = self._jobs.get(job_id)
        if job is None or job.owner != user:
            raise JobNotFoundError(job_id)
        return job

    def jobs(self, user: str) -> list[Job]:
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.owner == user), key=lambda j: -j.created)

    def cancel(self, job_id: str, user: str) -> Job:
        job = self.get(job_id, user)
        job.cancel.set()
        if job.status == "queued":
            job.update(status="cancelled", finished=time.time())
        return job

    def result_file(self, job_id: str, user: str, name: str) -> Path:
        job = self.get(job_id, user)
        if name not in job.results() or job.status not in FINISHED:
            raise JobError(f"job {job_id} has no result file '{name}' (yet); see its 'results'.")
        return job.results_dir / name

    def follow(self, job_id: str, user: str, timeout: float = 15.0) -> Iterator[dict[str, Any]]:
        """The job's state now and after each change, until it finishes; a keep-alive every ``timeout``."""
        job = self.get(job_id, user)
        while True:
            with job.changed:
                state = job.snapshot()
            yield state
            if state["status"] in FINISHED:
                return
            with job.changed:
                if job.snapshot() == state:
                    job.changed.wait(timeout)

    def shutdown(self) -> None:
        for job in list(self._jobs.values()):
            job.cancel.set()
        self._pool.shutdown(wait=True, cancel_futures=False)
