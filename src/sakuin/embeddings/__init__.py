"""Text embedders behind one protocol; :func:`load_embedder` picks one by name or path."""

from __future__ import annotations

from pathlib import Path

from sakuin.embeddings.base import Embedder
from sakuin.errors import ConfigError

__all__ = ["EMBEDDERS", "Embedder", "load_embedder"]

EMBEDDERS = ("multilingual-e5-small", "universal-sentence-encoder-multilingual")


def load_embedder(name: str = "multilingual-e5-small", threads: int | None = None) -> Embedder:
    """A packaged embedder by name, or a sentence-transformers model directory by path.

    Weights come from installed packages or local directories only.
    """
    if name == "multilingual-e5-small":
        from sakuin.embeddings.e5 import E5Embedder

        return E5Embedder(threads=threads)
    if name == "universal-sentence-encoder-multilingual":
        from sakuin.embeddings.use import USEEmbedder

        return USEEmbedder(threads=threads)
    if Path(name).expanduser().is_dir():
        from sakuin.embeddings.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(Path(name).expanduser())
    raise ConfigError(
        f"unknown embedder '{name}'; use {' or '.join(EMBEDDERS)}, or a sentence-transformers model "
        "directory."
    )
