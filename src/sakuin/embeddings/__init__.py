"""Text embedders behind one protocol; :func:`load_embedder` picks one by name."""

from __future__ import annotations

from sakuin.embeddings.base import Embedder
from sakuin.errors import ConfigError

__all__ = ["Embedder", "load_embedder"]


def load_embedder(name: str = "multilingual-e5-small", threads: int | None = None) -> Embedder:
    """The embedder called ``name``; weights come from installed packages only."""
    if name == "multilingual-e5-small":
        from sakuin.embeddings.e5 import E5Embedder

        return E5Embedder(threads=threads)
    raise ConfigError(f"unknown embedder '{name}'; available: multilingual-e5-small.")
