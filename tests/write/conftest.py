"""The example company (examples/workspace) loaded once into a SQLite knowledge base; each test that
changes it gets its own copy of the database files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sakuin.embeddings import Embedder
from sakuin.knowledge.manifest import Workspace, load_workspace, read_workspace
from sakuin.knowledge.workspace import KnowledgeBase
from tests.knowledge.conftest import open_kb

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "workspace"
CANARY = "CANARY-7f3a9c-DO-NOT-LEAK"


@pytest.fixture(scope="session")
def example() -> Workspace:
    return read_workspace(EXAMPLE)


@pytest.fixture(scope="session")
def labelled_requests() -> list[dict[str, Any]]:
    lines = (EXAMPLE / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def company_template(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, example: Workspace
) -> Path:
    """A data folder holding the example company without its held-back document."""
    folder = tmp_path_factory.mktemp("company") / "data"
    with open_kb("sqlite", folder, embedder, None) as kb:  # type: ignore[arg-type]
        report = load_workspace(kb, example)
        assert not report.failed
    return folder


@pytest.fixture
def company(
    company_template: Path, tmp_path: Path, embedder: Embedder, request: pytest.FixtureRequest
) -> Iterator[KnowledgeBase]:
    """A private copy of the example company's knowledge base."""
    folder = tmp_path / "company"
    shutil.copytree(company_template, folder)
    with open_kb("sqlite", folder, embedder, request) as kb:
        yield kb


KAEDE = Path(__file__).resolve().parent / "companies" / "kaede"


@pytest.fixture(scope="session")
def kaede(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[KnowledgeBase]:
    """The second fictional company (read-only for its tests): FAQs, metadata lines, lists, an
    injected instruction, in Japanese and English."""
    with open_kb("sqlite", tmp_path_factory.mktemp("kaede") / "data", embedder, None) as kb:  # type: ignore[arg-type]
        assert not load_workspace(kb, read_workspace(KAEDE)).failed
        yield kb
