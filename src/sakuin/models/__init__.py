"""Language models behind one protocol; :func:`load_model` picks the backend from settings."""

from __future__ import annotations

from sakuin.config import Settings, load_settings
from sakuin.errors import ConfigError
from sakuin.models.base import Completion, LanguageModel, LocalLanguageModel, Message, ScoreRequest
from sakuin.models.packaged import resolve_weights

__all__ = ["Completion", "LanguageModel", "LocalLanguageModel", "Message", "ScoreRequest", "load_model"]


def load_model(settings: Settings | None = None) -> LanguageModel:
    """Load the model that ``settings.model`` describes (default settings when none are given).

    Backends are imported here, on demand, so that using one never pays for importing another.
    """
    settings = settings or load_settings()
    chosen = settings.model
    if chosen.backend == "openai":
        from sakuin.models.openai_compat import OpenAICompatibleModel

        if not chosen.base_url:
            raise ConfigError("the openai backend needs model.base_url (e.g. http://127.0.0.1:8080/v1).")
        return OpenAICompatibleModel(
            chosen.base_url,
            chosen.name,
            api_key=chosen.api_key.get_secret_value() if chosen.api_key else None,
            timeout=chosen.request_timeout,
            context_length=chosen.context_length,
        )
    weights = resolve_weights(chosen.name, settings.models_dir)
    if chosen.backend == "transformers":
        from sakuin.models.transformers import TransformersModel

        return TransformersModel.load(
            weights,
            settings.models_dir,
            name=chosen.name,
            context_length=chosen.context_length,
            threads=chosen.threads,
            batch_size=chosen.batch_size,
            precision=chosen.precision,
        )
    from sakuin.models.llama_cpp import LlamaCppModel

    return LlamaCppModel(
        weights, name=chosen.name, context_length=chosen.context_length, threads=chosen.threads
    )
