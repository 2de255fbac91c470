"""What every CLI command module shares: the two consoles, the settings of the invocation, bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

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


@contextmanager
def progress_bars(unit: str) -> Iterator[Callable[[str, int, int], None]]:
    """Rich bars on standard error, one per label, with ``unit``/s and the time left.

    Yields ``update(label, done, total)``: the first call with a label adds its bar.
    """
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err) as bar:
        jobs: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in jobs:
                jobs[label] = bar.add_task(label, total=total, rate="")
            job = jobs[label]
            speed = bar.tasks[job].speed
            bar.update(job, completed=done, total=total, rate=f"{speed:.1f} {unit}/s" if speed else "")

        yield update
