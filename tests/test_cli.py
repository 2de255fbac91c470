"""The ``sakuin`` command as users run it: a real process, its output and its exit code."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import sakuin_command

pytestmark = pytest.mark.slow


def sakuin(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAKUIN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [*sakuin_command(), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = sakuin("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in ("generate", "chat", "models", "serve-model", "config", "demo", "tour"):
        assert command in result.stdout


def test_generate_streams_a_continuation(tmp_path: Path, gemma_gguf: Path) -> None:
    result = sakuin(
        "--model",
        str(gemma_gguf),
        "generate",
        "Q: What is the capital of Italy?\nA: Rome\n\nQ: What is the capital of France?\nA:",
        "--max-tokens",
        "8",
        "--stop",
        "\\n",
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_generate_json_reads_stdin(tmp_path: Path, gemma_gguf: Path) -> None:
    result = sakuin(
        "--model",
        str(gemma_gguf),
        "generate",
        "-",
        "--json",
        "--max-tokens",
        "5",
        data_dir=tmp_path,
        stdin="日本の首都は",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["completion_tokens"] == 5
    assert payload["finish_reason"] == "length"
    assert payload["text"]


def test_packaged_model_is_assembled_into_the_data_directory(tmp_path: Path) -> None:
    result = sakuin("generate", "The capital of France is", "--max-tokens", "3", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "models" / "gemma-3-270m-q4_k_m.gguf").stat().st_size > 200_000_000
    listing = {row["name"]: row for row in json.loads(sakuin("models", "--json", data_dir=tmp_path).stdout)}
    assert set(listing) == {
        "gemma-3-270m",
        "smollm2-135m-instruct",
        "qwen2.5-coder-0.5b-instruct",
        "qwen2.5-coder-1.5b-instruct",  # listed, installed or not
    }
    qwen = listing["qwen2.5-coder-0.5b-instruct"]
    assert qwen["chat"] and qwen["missing"] is None  # installed by default
    assert listing["gemma-3-270m"]["configured"]
    assert listing["gemma-3-270m"]["weights"] == str(tmp_path / "models" / "gemma-3-270m-q4_k_m.gguf")
    assert "gemma-3-270m" in sakuin("models", data_dir=tmp_path).stdout


def test_models_load_reports_time_and_memory(tmp_path: Path, gemma_gguf: Path) -> None:
    result = sakuin("--model", str(gemma_gguf), "models", "--load", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resident memory" in result.stdout and "MiB" in result.stdout


def test_chat_with_the_instruction_model(tmp_path: Path) -> None:
    result = sakuin(
        "--model",
        "smollm2-135m-instruct",
        "chat",
        "-m",
        "What is the capital of Japan?",
        "--max-tokens",
        "24",
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    reply = result.stdout.split("model>", 1)[1]
    assert "Tokyo" in reply


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "/nowhere/model.gguf", "generate", "hi"], "no model '/nowhere/model.gguf'"),
        (["generate", "   "], "the prompt is empty"),
        (["chat", "-m", "hello"], "has no chat template"),
        (["--backend", "openai", "generate", "hi"], "needs model.base_url"),
        (["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "generate", "hi"], "nothing answers"),
    ],
)
def test_bad_input_is_one_line_without_traceback(
    tmp_path: Path, gemma_gguf: Path, args: list[str], message: str
) -> None:
    if "--model" not in args and "--backend" not in args:
        args = ["--model", str(gemma_gguf), *args]
    result = sakuin(*args, data_dir=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1


def test_corrupt_gguf(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model at all" * 100)
    result = sakuin("--model", str(broken), "generate", "hi", data_dir=tmp_path)
    assert result.returncode == 1
    assert "is not a GGUF file" in result.stderr and "Traceback" not in result.stderr


def test_truncated_gguf(tmp_path: Path, gemma_gguf: Path) -> None:
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(gemma_gguf.read_bytes()[:5_000_000])
    result = sakuin("--model", str(truncated), "generate", "hi", data_dir=tmp_path)
    assert result.returncode == 1
    assert "could not load" in result.stderr and "Traceback" not in result.stderr


def test_prompt_longer_than_the_context(tmp_path: Path, gemma_gguf: Path) -> None:
    (tmp_path / "config.toml").write_text("[model]\ncontext_length = 256\n", encoding="utf-8")
    result = sakuin("--model", str(gemma_gguf), "generate", "東京 " * 400, data_dir=tmp_path)
    assert result.returncode == 1
    assert "context window is 256" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = sakuin("--debug", "--model", "/nowhere.gguf", "generate", "hi", data_dir=tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "ModelNotFoundError" in result.stderr


def test_config_shows_effective_settings(tmp_path: Path) -> None:
    result = sakuin("--backend", "transformers", "config", data_dir=tmp_path)
    assert result.returncode == 0
    assert '"backend": "transformers"' in result.stdout
