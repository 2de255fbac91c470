"""What every CLI command module shares: the two consoles and the settings of the invocation."""

from __future__ import annotations

import typer
from rich.console import Console

from sakuin.config import Settings

out = Console()
err = Console(stderr=True)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the root command built from flags, environment and config file."""
    root = ctx.find_root()
    settings: Settings = root.obj
    return settings
