"""Settings: defaults, config.toml in the data directory, SAKUIN_* variables, explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.config import DEFAULT_DATA_DIR, load_settings
from sakuin.errors import ConfigError


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAKUIN_DATA_DIR")
    settings = load_settings()
    assert settings.data_dir == DEFAULT_DATA_DIR
    assert settings.data_dir == Path.home() / ".local" / "share" / "sakuin"
    assert (settings.model.backend, settings.model.name) == ("llama_cpp", "gemma-3-270m")


def test_precedence_is_argument_then_environment_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text(
        '[model]\nbackend = "transformers"\nname = "smollm2-135m-instruct"\ncontext_length = 1024\n',
        encoding="utf-8",
    )
    from_file = load_settings(data)
    assert (from_file.model.backend, from_file.model.name, from_file.model.context_length) == (
        "transformers",
        "smollm2-135m-instruct",
        1024,
    )
    monkeypatch.setenv("SAKUIN_MODEL__CONTEXT_LENGTH", "2048")
    monkeypatch.setenv("SAKUIN_MODEL__BACKEND", "llama_cpp")
    from_env = load_settings(data)
    assert (from_env.model.backend, from_env.model.name, from_env.model.context_length) == (
        "llama_cpp",
        "smollm2-135m-instruct",
        2048,
    )
    explicit = load_settings(data, model={"context_length": 512})
    assert (explicit.model.backend, explicit.model.context_length) == ("llama_cpp", 512)


def test_data_dir_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKUIN_DATA_DIR", str(tmp_path / "elsewhere"))
    settings = load_settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.models_dir == tmp_path / "elsewhere" / "models"


def test_bad_values_name_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAKUIN_MODEL__BACKEND", "gpt-9")
    with pytest.raises(ConfigError, match=r"model\.backend"):
        load_settings(tmp_path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[model\nbackend=", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml is not valid TOML"):
        load_settings(tmp_path)


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[model]\nbakend = 'transformers'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bakend"):
        load_settings(tmp_path)
