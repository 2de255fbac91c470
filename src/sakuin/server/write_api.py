"""Grounded writing over HTTP: the CLI's ``sakuin write`` as Server-Sent Events, as the asking user.

The text streams as ``token`` events while the model writes; one ``result`` event ends the
stream with the whole :class:`~sakuin.write.WriteResult` (refused or not, mode, style, and the
numbered sources with document id, title, offsets and passage text, so that every ``[n]`` can
open its passage). Only what the principal may read is retrieved, exactly as on the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from sakuin.knowledge.search import EmptyQueryError
from sakuin.memorize.use import usable_manifest
from sakuin.models import LanguageModel
from sakuin.server.adapters_api import adapted_models
from sakuin.server.auth import PrincipalDep
from sakuin.server.services import Services, ServicesDep, exposes
from sakuin.server.streaming import event_stream
from sakuin.write import WriteResult, write_stream
from sakuin.write.writer import chosen_options

router = APIRouter(prefix="/api")


class WriteRequest(BaseModel):
    request: str = Field(min_length=1, max_length=4000, description="What to write or ask, in JA or EN.")
    mode: Literal["auto", "rag", "long-context"] | None = Field(
        None, description="rag: passages; long-context: whole documents; default: write.mode."
    )
    style: Literal["auto", "extractive", "abstractive"] | None = Field(
        None, description="extractive: cited source sentences; abstractive: the model writes freely."
    )
    length: int | None = Field(None, ge=20, le=20000, description="Target length in characters.")
    tone: Literal["formal", "casual", "persuasive"] | None = None
    adapter: str | None = Field(
        None,
        max_length=64,
        description="Write with this adapter's knowledge (404 unless usable).",
    )


@router.post("/write", response_class=EventSourceResponse, openapi_extra=exposes("content"))
def write(
    body: WriteRequest, request: Request, principal: PrincipalDep, services: ServicesDep
) -> EventSourceResponse:
    """Write from what the caller may read, citing it as [1], [2] — or refuse when nothing covers it.

    Events: ``token`` ({"text"}) per piece of text, then ``result`` (the whole result, sources
    included); ``error`` ({"error"}) if it fails midway.
    """
    if not body.request.strip():
        raise EmptyQueryError("the request is empty; say what to write or ask.")
    services.kb.store.require_user(principal.user)
    writing: Callable[[], AbstractContextManager[LanguageModel]]
    if body.adapter:  # the adapter's check, before anything streams: 404 like a missing adapter
        usable_manifest(services.settings, services.kb.store, body.adapter, principal.user)
        models = adapted_models(request)
        writing = partial(models.using, services, body.adapter, principal.user)
    else:
        services.model.get()  # a model that cannot load fails this request with its status, not mid-stream
        writing = services.model.generating
    return event_stream(_events(services, writing, principal.user, body))


def _events(
    services: Services,
    writing: Callable[[], AbstractContextManager[LanguageModel]],
    user: str,
    body: WriteRequest,
) -> Iterator[tuple[str, Any]]:
    options = chosen_options(services.settings.write, mode=body.mode, style=body.style)
    with writing() as model:
        for event in write_stream(
            services.kb, model, body.request, user, options, target_chars=body.length, tone=body.tone
        ):
            if isinstance(event, WriteResult):
                yield "result", event.to_json()
            else:
                yield "token", {"text": event}
