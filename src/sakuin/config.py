"""Settings: the one place sakuin reads configuration.

Values come, highest priority first, from explicit arguments (CLI flags, API callers), ``SAKUIN_*``
environment variables (nested with ``__``: ``SAKUIN_MODEL__BACKEND=transformers``), the TOML file
``config.toml`` in the data directory, and the defaults below. No other module reads the
environment; settings are loaded once and passed down.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from sakuin.errors import ConfigError

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "sakuin"
CONFIG_FILE_NAME = "config.toml"
DATA_DIR_VARIABLE = "SAKUIN_DATA_DIR"

Backend = Literal["llama_cpp", "transformers", "openai"]


class ModelSettings(BaseModel):
    """Which language model to use and how to run it."""

    model_config = ConfigDict(extra="forbid")

    backend: Backend = Field(
        "llama_cpp",
        description="llama_cpp (fast generate/score), transformers (hidden states, gradients, LoRA), "
        "or openai (any OpenAI-compatible server: vLLM, llama.cpp server, Ollama).",
    )
    name: str = Field(
        "gemma-3-270m",
        description="A packaged model (gemma-3-270m, smollm2-135m-instruct, qwen2.5-coder-0.5b-instruct, "
        "qwen2.5-coder-1.5b-instruct with the qwen-1.5b extra; `sakuin models` lists them), a GGUF file, "
        "or a Hugging Face model directory. For the openai backend: the server's model name.",
    )
    context_length: int = Field(4096, ge=64, description="Context window to allocate, in tokens.")
    threads: int | None = Field(None, ge=1, description="CPU threads; default: all cores.")
    batch_size: int = Field(32, ge=1, description="Sequences per forward pass when scoring in batches.")
    precision: Literal["float32", "bfloat16", "auto"] = Field(
        "float32",
        description="transformers backend: weights and activations in float32 (exact), bfloat16 "
        "(2-4x faster on CPUs with AMX or AVX-512 BF16; scores differ in the third digit), or auto "
        "(bfloat16 where the CPU has such units).",
    )
    base_url: str | None = Field(None, description="openai backend: e.g. http://127.0.0.1:8080/v1")
    api_key: SecretStr | None = Field(
        None, description="openai backend: bearer token, if the server wants one."
    )
    request_timeout: float = Field(120.0, gt=0, description="openai backend: seconds per request.")


class KnowledgeSettings(BaseModel):
    """How documents are chunked, embedded and stored."""

    model_config = ConfigDict(extra="forbid")

    store: Literal["sqlite", "postgres"] = Field(
        "sqlite", description="sqlite (embedded) or postgres (scale)."
    )
    postgres_url: str | None = Field(None, description="postgres store: e.g. postgresql://user@host/db.")
    embedder: str = Field("multilingual-e5-small", description="Embedding model for dense search.")
    chunk_tokens: int = Field(200, ge=16, le=512, description="Target chunk size, in embedder tokens.")
    overlap_tokens: int = Field(40, ge=0, description="Overlap between neighbouring chunks, in tokens.")
    max_file_mib: float = Field(50.0, gt=0, description="Files larger than this are refused.")


class WriteSettings(BaseModel):
    """How grounded writing retrieves, decides and writes."""

    model_config = ConfigDict(extra="forbid")

    evidence_threshold: float = Field(
        0.775,
        ge=0,
        le=1,
        description="Refuse when the best readable passage holds less than this share of the "
        "request's subject terms. The default is what `sakuin write-calibrate` derives from "
        "examples/workspace/requests.jsonl; derive it for your own documents the same way.",
    )
    translation_similarity: float = Field(
        0.8214,
        ge=0,
        le=1.01,
        description="A passage in the other language counts the request's own-language words as "
        "present when its embedding cosine to the request is at least this; 1.01 turns translation "
        "off. The default is what `sakuin write-calibrate` derives with evidence_threshold.",
    )
    translation_margin: float = Field(
        0.005,
        ge=-1,
        le=1,
        description="...and at least this much above the median cosine of the ten best passages "
        "of that language (every passage of the other language comes close to any request; a "
        "translation of the answer stands out). -1 leaves the similarity alone to decide. The "
        "default is what `sakuin write-calibrate` derives with the other two.",
    )
    passages: int = Field(5, ge=1, le=50, description="Passages retrieved per request.")
    style: Literal["auto", "extractive", "abstractive"] = Field(
        "auto",
        description="extractive: cited sentences of the sources (best for small base models); "
        "abstractive: the model writes freely with citations; auto: extractive for base models.",
    )
    mode: Literal["auto", "rag", "long-context"] = Field(
        "auto", description="rag: passages; long-context: whole documents; auto: whole when they fit."
    )
    max_tokens: int = Field(400, ge=1, description="Most tokens an abstractive answer may take.")


class ServerSettings(BaseModel):
    """The HTTP API and web page: limits that keep one user from starving the others."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Interface `sakuin serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port of `sakuin serve`.")
    max_upload_mib: float = Field(50.0, gt=0, description="Request bodies larger than this get 413.")
    requests_per_minute: int = Field(600, ge=1, description="Per-user rate limit of the API.")
    logins_per_minute: int = Field(10, ge=1, description="Login attempts per user name per minute.")
    session_hours: float = Field(12.0, gt=0, description="How long a login session lasts.")
    job_workers: int = Field(2, ge=1, description="Background jobs run at once (the rest queue).")
    secure_cookies: bool = Field(False, description="Send the session cookie over HTTPS only.")


class SimulateSettings(BaseModel):
    """How simulations run: the default potential and the sandbox's limits."""

    model_config = ConfigDict(extra="forbid")

    calculator: Literal["emt", "chgnet", "sevenn"] = Field(
        default="chgnet",
        description="Default potential: chgnet or sevenn (universal ML), emt (fast, few elements).",
    )
    wall_seconds: float = Field(default=3600.0, gt=0, description="Wall-clock limit of one simulation run.")
    cpu_seconds: int = Field(default=7200, ge=1, description="CPU-time limit of one simulation run.")
    memory_mib: int | None = Field(
        default=None,
        ge=256,
        description="Address-space limit in MiB; default 2048 for emt, 6144 for the ML potentials.",
    )
    output_mib: int = Field(default=8, ge=1, description="Most output a run may print.")
    threads: int = Field(default=2, ge=1, description="CPU threads a run may use (OMP/MKL).")


class VisionSettings(BaseModel):
    """A vision-language model server for ``see --ask`` and open-vocabulary detection (CLI and server).

    Without one, detection uses the local COCO-80 detector and a question is answered with what
    the local models saw, never with an invented explanation.
    """

    model_config = ConfigDict(extra="forbid")

    vlm_url: str | None = Field(
        None, description="OpenAI-compatible server with a vision model, e.g. http://127.0.0.1:8080/v1."
    )
    vlm_model: str | None = Field(None, description="The vision model's name on that server.")
    vlm_api_key: SecretStr | None = Field(None, description="Bearer token for that server, if it needs one.")
    request_timeout: float = Field(120.0, gt=0, description="Seconds one request to that server may take.")


class Settings(BaseSettings):
    """All of sakuin's settings; build with :func:`load_settings`."""

    model_config = SettingsConfigDict(env_prefix="SAKUIN_", env_nested_delimiter="__", extra="forbid")

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where models, stores and config.toml live.")
    model: ModelSettings = Field(default_factory=ModelSettings)  # type: ignore[arg-type]
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)  # type: ignore[arg-type]
    write: WriteSettings = Field(default_factory=WriteSettings)  # type: ignore[arg-type]
    server: ServerSettings = Field(default_factory=ServerSettings)  # type: ignore[arg-type]
    simulate: SimulateSettings = Field(default_factory=SimulateSettings)
    vision: VisionSettings = Field(default_factory=VisionSettings)  # type: ignore[arg-type]

    @property
    def config_file(self) -> Path:
        return self.data_dir / CONFIG_FILE_NAME

    @property
    def models_dir(self) -> Path:
        """Assembled and converted weights, kept so each conversion happens once."""
        return self.data_dir / "models"

    @property
    def simulations_dir(self) -> Path:
        """One folder per simulation run: script, results, plots, structures."""
        return self.data_dir / "simulations"

    @property
    def knowledge_db(self) -> Path:
        """The SQLite knowledge base."""
        return self.data_dir / "knowledge.sqlite"

    @property
    def jobs_dir(self) -> Path:
        """Inputs and result files of background jobs, one folder per job."""
        return self.data_dir / "jobs"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlFileSource(settings_cls, init_settings)


class _TomlFileSource(PydanticBaseSettingsSource):
    """``config.toml`` of the data directory, which is itself chosen by argument or environment."""

    def __init__(self, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        explicit = getattr(init_settings, "init_kwargs", {}).get("data_dir")
        self.path = resolve_data_dir(explicit) / CONFIG_FILE_NAME

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ returns the whole file at once

    def __call__(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            return tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.path} is not valid TOML ({exc}); fix or delete it.") from exc


def resolve_data_dir(explicit: str | Path | None = None) -> Path:
    """The data directory: the argument, else ``SAKUIN_DATA_DIR``, else ``~/.local/share/sakuin``."""
    chosen = explicit or os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR
    return Path(chosen).expanduser()


def load_settings(data_dir: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings once; ``overrides`` (nested dicts allowed) beat environment and file."""
    if data_dir is not None:
        overrides["data_dir"] = Path(data_dir).expanduser()
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f"setting '{where}': {first['msg']} (from arguments, SAKUIN_* variables or "
            f"{resolve_data_dir(overrides.get('data_dir')) / CONFIG_FILE_NAME})"
        ) from exc


def save_setting(settings: Settings, dotted_name: str, value: Any) -> Path:
    """Write one setting (``"write.evidence_threshold"``) into the data directory's config.toml,
    keeping the file's other settings and comments; validated first, so a bad value is never saved."""
    section, _, name = dotted_name.rpartition(".")
    load_settings(settings.data_dir, **_nested(dotted_name, value))
    path = settings.config_file
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else tomlkit.document()
    table: Any = document
    for part in filter(None, section.split(".")):
        table = table.setdefault(part, tomlkit.table())
    table[name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def _nested(dotted_name: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted_name.partition(".")
    return {head: _nested(rest, value) if rest else value}
