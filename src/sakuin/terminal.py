"""What every CLI command module shares: the two consoles and the settings of the invocation."""

from __future__ import annotations

import typer
from rich.console import Console

from sakuin.config import Settings
from sakuin.models import LanguageModel, load_model

out = Console()
err = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the root command built from flags, environment and config file."""
    root = ctx.find_root()
    settings: Settings = root.obj
    return settings


def model_of(ctx: typer.Context) -> LanguageModel:
    """The configured language model, loaded behind a spinner on standard error."""
    settings = settings_of(ctx)
    with err.status(f"loading {settings.model.name} ({settings.model.backend})…"):
        return load_model(settings)
