"""The OpenAI-compatible backend against real servers over HTTP: llama.cpp's server on the packaged
GGUF (which returns prompt log-probabilities) and ``sakuin serve-model`` (which does not)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sakuin.errors import ScoringUnsupportedError, ServerError, ServerUnreachableError
from sakuin.models.base import LanguageModel, Message
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.models.openai_compat import OpenAICompatibleModel
from sakuin.prompts import CAPITALS_EN
from tests.conftest import free_port, sakuin_command, start_server, stop_server
from tests.models.cases import RANKING_CASES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llama_server(gemma_gguf: Path) -> Iterator[OpenAICompatibleModel]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gemma_gguf),
        "--model_alias",
        "gemma",
        "--n_ctx",
        "512",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    process = start_server(command, base_url)
    model = OpenAICompatibleModel(base_url, "gemma", context_length=512)
    yield model
    model.close()
    stop_server(process)


@pytest.fixture(scope="module")
def sakuin_server(
    gemma_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenAICompatibleModel]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    data = tmp_path_factory.mktemp("serve-data")
    command = [
        *sakuin_command(),
        "--data-dir",
        str(data),
        "--model",
        str(gemma_gguf),
        "serve-model",
        "--port",
        str(port),
    ]
    process = start_server(command, base_url)
    model = OpenAICompatibleModel(base_url, "gemma")
    yield model
    model.close()
    stop_server(process)


def test_satisfies_the_protocol(llama_server: OpenAICompatibleModel) -> None:
    assert isinstance(llama_server, LanguageModel)


def test_generate_and_stream_over_http(llama_server: OpenAICompatibleModel) -> None:
    prompt = CAPITALS_EN.render("What is the capital of Germany?")
    done = llama_server.generate(prompt, max_tokens=8, stop=["\n"])
    assert done.text.strip() and "\n" not in done.text
    pieces = list(llama_server.stream(prompt, max_tokens=8, stop=["\n"]))
    assert len(pieces) >= 1
    assert "".join(pieces) == done.text  # greedy: the same text both ways


def test_score_through_echoed_logprobs_matches_local_ranking(
    llama_server: OpenAICompatibleModel, gemma_llama: LlamaCppModel
) -> None:
    for prefix, right, wrong in RANKING_CASES[:6]:
        remote = llama_server.score(prefix, [right, wrong])
        local = gemma_llama.score(prefix, [right, wrong])
        assert remote[0] > remote[1]
        assert remote == pytest.approx(local, abs=0.5)


def test_serve_model_generates_and_streams(
    sakuin_server: OpenAICompatibleModel, gemma_llama: LlamaCppModel
) -> None:
    prompt = CAPITALS_EN.render("What is the capital of Germany?")
    done = sakuin_server.generate(prompt, max_tokens=8, stop=["\n"])
    assert done.text == gemma_llama.generate(prompt, max_tokens=8, stop=["\n"]).text
    assert (
        "".join(sakuin_server.stream("日本の首都は", max_tokens=6))
        == gemma_llama.generate("日本の首都は", max_tokens=6).text
    )


def test_server_without_logprobs_gives_a_clear_scoring_error(sakuin_server: OpenAICompatibleModel) -> None:
    with pytest.raises(ScoringUnsupportedError, match="does not return prompt log-probabilities"):
        sakuin_server.score("The capital of France is", [" Paris"])


def test_server_side_errors_reach_the_caller(sakuin_server: OpenAICompatibleModel) -> None:
    # the served Gemma is a base model: chat is refused by the server, with its reason
    with pytest.raises(ServerError, match="no chat template"):
        sakuin_server.generate([Message("user", "hello")])
    with pytest.raises(ServerError, match="no chat template"):
        list(sakuin_server.stream([Message("user", "hello")]))


def test_unreachable_server() -> None:
    model = OpenAICompatibleModel(f"http://127.0.0.1:{free_port()}/v1", "none", timeout=5)
    with pytest.raises(ServerUnreachableError, match="nothing answers"):
        model.generate("hello")
    with pytest.raises(ServerUnreachableError):
        model.score("hello", [" world"])
