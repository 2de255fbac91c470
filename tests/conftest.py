"""Fixtures that build small real things: a temporary data directory, the packaged Gemma 3 270M
in both backends (assembled and converted once per run), and a tiny random transformer."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

from sakuin.config import Settings, load_settings
from sakuin.embeddings import Embedder, load_embedder
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.models.packaged import PACKAGED_MODELS

GEMMA = "gemma-3-270m"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's data directory or their SAKUIN_* variables."""
    for name in list(os.environ):
        if name.startswith("SAKUIN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SAKUIN_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "data")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged e5 embedder, loaded once for every test that stores or searches documents."""
    return load_embedder()


@pytest.fixture(scope="session")
def models_dir(pytestconfig: pytest.Config) -> Path:
    """Assembled and converted weights, kept in pytest's cache so reruns skip the conversion."""
    return Path(pytestconfig.cache.mkdir("sakuin-models"))  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def gemma_gguf(models_dir: Path) -> Path:
    return PACKAGED_MODELS[GEMMA].locate(models_dir)


@pytest.fixture(scope="session")
def smollm2_gguf(models_dir: Path) -> Path:
    return PACKAGED_MODELS["smollm2-135m-instruct"].locate(models_dir)


@pytest.fixture(scope="session")
def gemma_llama(gemma_gguf: Path) -> Iterator[LlamaCppModel]:
    model = LlamaCppModel(gemma_gguf, name=GEMMA, context_length=2048, threads=None)
    yield model
    model.close()


@pytest.fixture(scope="session")
def gemma_hf(gemma_gguf: Path, models_dir: Path):  # type: ignore[no-untyped-def]
    from sakuin.models.transformers import TransformersModel

    return TransformersModel.load(gemma_gguf, models_dir, name=GEMMA, context_length=2048, batch_size=8)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    command: list[str],
    base_url: str,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
    ready_path: str = "/models",
) -> subprocess.Popen[bytes]:
    """Start a real HTTP server process and wait until ``{base_url}{ready_path}`` answers 200.

    Its output goes to a temporary file: a pipe nobody reads would fill and stall the server.
    """
    log = tempfile.TemporaryFile()  # noqa: SIM115 - open for as long as the server runs
    process = subprocess.Popen(
        command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base_url}{ready_path}", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server at {base_url} did not start in {timeout} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def sakuin_command() -> list[str]:
    """The installed console script, run as users run it."""
    script = shutil.which("sakuin", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "sakuin"]
