"""Adapters over HTTP: list the ones the caller may use, show one, and generate with one.

Every request checks the caller against the adapter's documents through the same
:func:`sakuin.memorize.permissions.check_use` as the CLI, before anything of the adapter is
touched; an adapter the caller may not use answers 404, exactly like a missing one. The last
adapted model stays loaded for the next request (merging takes seconds), one generation at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from sakuin.memorize.adapters import registry
from sakuin.memorize.permissions import may_use
from sakuin.memorize.use import load_adapted, usable_manifest
from sakuin.server.auth import PrincipalDep
from sakuin.server.services import Services, ServicesDep, exposes

if TYPE_CHECKING:
    from sakuin.models.transformers import TransformersModel

router = APIRouter(prefix="/api/adapters")


class AdaptedModels:
    """The most recently used adapted model; loading another replaces it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: tuple[tuple[str, str], TransformersModel] | None = None

    @contextmanager
    def using(self, services: Services, name: str, user: str) -> Iterator[TransformersModel]:
        """Adapter ``name`` merged into the base model for ``user``, held alone while in use."""
        manifest = usable_manifest(services.settings, services.kb.store, name, user)
        key = (name, manifest.created)
        with self.lock:
            if self.loaded is None or self.loaded[0] != key:
                self.loaded = None
                self.loaded = (key, load_adapted(services.settings, services.kb.store, name, user))
            yield self.loaded[1]

    def generate(self, services: Services, name: str, user: str, prompt: str, max_tokens: int) -> str:
        with self.using(services, name, user) as model:
            return model.generate(prompt, max_tokens=max_tokens, stop=["\n\n"]).text


def adapted_models(request: Request) -> AdaptedModels:
    """The server's adapted models (one per app), for every route that writes with an adapter."""
    state = request.app.state
    if not hasattr(state, "adapted_models"):
        state.adapted_models = AdaptedModels()
    models: AdaptedModels = state.adapted_models
    return models


class GenerateRequest(BaseModel):
    prompt: str = Field(min_length=1, max_length=4000, description="Text for the adapted model to continue.")
    max_tokens: int = Field(32, ge=1, le=512)


@router.get("", openapi_extra=exposes("content"))
def list_adapters(principal: PrincipalDep, services: ServicesDep) -> list[dict[str, Any]]:
    """The adapters the caller may use (those whose every document they may read)."""
    manifests, _ = registry(services.settings).manifests()
    store = services.kb.store
    return [m.to_json() for m in manifests if may_use(m, principal.user, store)]


@router.get("/{name}", openapi_extra=exposes("content"))
def show_adapter(name: str, principal: PrincipalDep, services: ServicesDep) -> dict[str, Any]:
    """One adapter's manifest, if the caller may use it (else 404)."""
    return usable_manifest(services.settings, services.kb.store, name, principal.user).to_json()


@router.post("/{name}/generate", openapi_extra=exposes("content"))
def generate(
    name: str, body: GenerateRequest, request: Request, principal: PrincipalDep, services: ServicesDep
) -> dict[str, str]:
    """Continue ``prompt`` with the adapter's knowledge merged into the base model."""
    text = adapted_models(request).generate(services, name, principal.user, body.prompt, body.max_tokens)
    return {"adapter": name, "text": text}
