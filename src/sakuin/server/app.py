"""The FastAPI app: JSON API under ``/api/``, the web page, static assets, errors as JSON.

A thin layer: handlers resolve the principal, then call the same Python API the CLI uses
(``KnowledgeBase``, its store, the job manager). Errors a user can act on (:class:`SakuinError`)
become ``{"error": "..."}`` with a status that says what kind of problem it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sakuin.config import Settings
from sakuin.embeddings import Embedder
from sakuin.errors import SakuinError
from sakuin.knowledge.access import AccessError, UnknownPrincipalError
from sakuin.knowledge.store.base import DocumentNotFoundError
from sakuin.memorize.adapters import AdapterNotFoundError
from sakuin.models import LanguageModel
from sakuin.server import accounts_api, adapters_api, documents_api, jobs_api, pages, vision_api, write_api
from sakuin.server.accounts import Accounts
from sakuin.server.auth import ForbiddenError, NotAuthenticatedError
from sakuin.server.classify_job import ClassifyModels, classify_kind
from sakuin.server.curate_job import curate_kind
from sakuin.server.job_kinds import ingest_kind
from sakuin.server.jobs import JobManager, JobNotFoundError
from sakuin.server.memorize_job import memorize_kind
from sakuin.server.ratelimit import RateLimitedError, RateLimiter
from sakuin.server.services import Services
from sakuin.server.shared_knowledge import open_shared_knowledge
from sakuin.server.shared_model import SharedModel
from sakuin.server.simulate_job import simulate_kind

STATIC = Path(__file__).parent / "static"
STATUS: list[tuple[type[SakuinError], int]] = [
    (NotAuthenticatedError, 401),
    (ForbiddenError, 403),
    (DocumentNotFoundError, 404),
    (JobNotFoundError, 404),
    (AdapterNotFoundError, 404),
    (UnknownPrincipalError, 400),
    (AccessError, 400),
    (RateLimitedError, 429),
]


def status_of(error: SakuinError) -> int:
    return next((status for kind, status in STATUS if isinstance(error, kind)), 400)


class BodyLimit:
    """413 for bodies over the limit: by Content-Length at once, else while the body streams in.

    A streamed body is cut off at the limit; whatever the app then answers (its body parser sees a
    truncated request) is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse(
            {"error": f"the request is over the {self.max_bytes / 2**20:g} MiB upload limit; send less."},
            status_code=413,
        )
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await too_large(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            event = await receive()
            received += len(event.get("body", b""))
            if received > self.max_bytes:
                return {"type": "http.request", "body": b"", "more_body": False}
            return event

        async def answer(message: Message) -> None:
            if received <= self.max_bytes:
                await send(message)
            elif message["type"] == "http.response.start":
                await too_large(scope, receive, send)

        await self.app(scope, counted, answer)


def create_app(
    settings: Settings, *, embedder: Embedder | None = None, model: LanguageModel | None = None
) -> FastAPI:
    """The server for ``settings``' knowledge base (``embedder``, ``model``: reuse ones already loaded;
    otherwise the model loads on the first write)."""
    kb = open_shared_knowledge(settings, embedder)
    jobs = JobManager(settings.jobs_dir, settings.server.job_workers)
    shared_model = SharedModel(settings, model)
    classify_models = ClassifyModels(settings, shared_model)
    for kind in (
        ingest_kind(kb),
        classify_kind(classify_models),
        curate_kind(classify_models),
        simulate_kind(settings.simulate, shared_model.generating),
        memorize_kind(settings, kb),
    ):
        jobs.register(kind)
    services = Services(
        settings,
        kb,
        Accounts(settings),
        jobs,
        RateLimiter(settings.server.requests_per_minute),
        RateLimiter(settings.server.logins_per_minute),
        shared_model,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()
        classify_models.close()

    app = FastAPI(
        title="sakuin",
        summary="An organisation's private knowledge, put to work with language models.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = services

    @app.exception_handler(SakuinError)
    async def sakuin_error(_: Request, error: SakuinError) -> JSONResponse:
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimitedError) else None
        return JSONResponse({"error": str(error)}, status_code=status_of(error), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return JSONResponse(
            {"error": f"{where}: {first['msg']}", "detail": jsonable_encoder(error.errors())}, status_code=422
        )

    app.add_exception_handler(pages.LoginRequired, pages.login_page_for)

    routers = (
        accounts_api.router,
        documents_api.router,
        jobs_api.router,
        write_api.router,
        adapters_api.router,
        vision_api.router,
        pages.router,
    )
    for router in routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, max_bytes=int(settings.server.max_upload_mib * 2**20))
    return app
