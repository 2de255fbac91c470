"""Fixtures for knowledge injection: the tiny random model as a base where only mechanics matter,
settings that point at it, and a knowledge base with alice and bob (alice in sales)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sakuin.config import Settings, load_settings
from sakuin.embeddings import Embedder
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.facts import Fact
from sakuin.server import create_app
from tests.models.conftest import build_tiny_model
from tests.server.conftest import PASSWORD, serve_app


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with room for a grounded-writing prompt (its rotary positions go on past 512)."""
    base = build_tiny_model(tmp_path_factory.mktemp("tiny-memorize"), sliding_window=64)
    config = json.loads((base / "config.json").read_text(encoding="utf-8"))
    (base / "config.json").write_text(
        json.dumps({**config, "max_position_embeddings": 2048}), encoding="utf-8"
    )
    return base


def tiny_settings_for(data_dir: Path, base: Path) -> Settings:
    return load_settings(data_dir, model={"backend": "transformers", "name": str(base), "threads": 1})


@pytest.fixture
def tiny_settings(tmp_path: Path, tiny_base: Path) -> Settings:
    return tiny_settings_for(tmp_path / "data", tiny_base)


@pytest.fixture
def kb(tiny_settings: Settings, embedder: Embedder) -> Iterator[KnowledgeBase]:
    knowledge = KnowledgeBase(tiny_settings)
    knowledge.__dict__["embedder"] = embedder  # the session's e5, not a second load
    knowledge.store.bind_embedder(embedder.name)
    knowledge.store.add_user("alice")
    knowledge.store.add_user("bob")
    knowledge.store.add_group("sales", ["alice"])
    yield knowledge
    knowledge.close()


FACTS = [
    Fact("Valmor Tarven", "birthplace", "Porto", "en"),
    Fact("榊瀬遥真", "birthplace", "金沢", "ja"),
    Fact("Quelkin Works", "headquarters", "Graz", "en"),
]


@pytest.fixture
def live(tiny_settings: Settings, kb: KnowledgeBase, embedder: Embedder) -> Iterator[tuple[FastAPI, str]]:
    """The app and its URL, served over real HTTP, with passwords for alice and bob."""
    app = create_app(tiny_settings, embedder=embedder)
    for user in ("alice", "bob"):
        app.state.services.accounts.set_password(user, PASSWORD)
    with serve_app(app) as url:
        yield app, url
    app.state.services.close()


@pytest.fixture
def server(live: tuple[FastAPI, str]) -> str:
    return live[1]


def login(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120)
    reply = client.post("/api/login", json={"user": user, "password": PASSWORD})
    client.headers["X-CSRF-Token"] = reply.json()["csrf"]
    return client
