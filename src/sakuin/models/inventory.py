"""What models are configured and available, where their weights are, and what they cost."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from sakuin.config import Settings
from sakuin.models.base import LanguageModel
from sakuin.models.packaged import PACKAGED_MODELS


@dataclass(frozen=True)
class ModelEntry:
    """One row of ``sakuin models``."""

    name: str
    summary: str
    licence: str
    chat: bool
    configured: bool
    weights: Path | None
    size_bytes: int | None
    missing: str | None = None  # what to install, for a packaged model whose packages are absent


@dataclass(frozen=True)
class LoadReport:
    """A measured load of the configured model."""

    model: LanguageModel
    seconds: float
    resident_bytes_added: int
    resident_bytes: int


def list_models(settings: Settings) -> list[ModelEntry]:
    """Packaged models and the configured one if it is a path.

    Only the configured packaged model is located (assembled if need be), so its path and size
    are real; the others are listed without touching their packages beyond finding them.
    """
    entries = []
    configured = settings.model.name
    for packaged in PACKAGED_MODELS.values():
        missing = packaged.missing()
        try:
            weights: Path | None = (
                packaged.locate(settings.models_dir) if packaged.name == configured else None
            )
        except Exception:
            weights = None
        entries.append(
            ModelEntry(
                packaged.name,
                packaged.summary,
                packaged.licence,
                packaged.chat,
                packaged.name == configured,
                weights,
                _size(weights),
                missing,
            )
        )
    if configured not in PACKAGED_MODELS:
        path = Path(configured).expanduser()
        exists = path.exists()
        entries.append(
            ModelEntry(
                configured,
                f"{settings.model.backend} backend",
                "see the model's own terms",
                False,
                True,
                path if exists else None,
                _size(path) if exists else None,
            )
        )
    return entries


def measure_load(settings: Settings) -> LoadReport:
    """Load the configured model and report wall time and resident memory."""
    from sakuin.models import load_model

    process = psutil.Process()
    before = process.memory_info().rss
    start = time.perf_counter()
    model = load_model(settings)
    seconds = time.perf_counter() - start
    after = process.memory_info().rss
    return LoadReport(model, seconds, after - before, after)


def _size(path: Path | None) -> int | None:
    if path is None or not path.exists():
        return None
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
