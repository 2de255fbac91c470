"""The base model an adapter belongs to: its name, its checkpoint folder and a hash of its weights.

Adapters are trained and applied with transformers whatever backend is configured; a GGUF is
used through its converted checkpoint. The weight hash lets an adapter refuse a model that only
shares its base model's name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sakuin.config import Settings
from sakuin.models.packaged import resolve_weights


@dataclass(frozen=True)
class BaseModel:
    name: str
    directory: Path
    sha256: str


def weights_hash(weights: Path) -> str:
    """sha256 of a weights file, or of a folder's weight files in name order."""
    files = (
        [weights]
        if weights.is_file()
        else sorted(p for p in weights.iterdir() if p.suffix in (".safetensors", ".bin", ".gguf"))
    )
    digest = hashlib.sha256()
    for file in files:
        with file.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def base_model(settings: Settings) -> BaseModel:
    """The configured model as a base for adapters (converting a GGUF once, like the backend does)."""
    from sakuin.models.transformers import convert_gguf

    weights = resolve_weights(settings.model.name, settings.models_dir)
    directory = weights if weights.is_dir() else convert_gguf(weights, settings.models_dir)
    return BaseModel(settings.model.name, directory, weights_hash(weights))
