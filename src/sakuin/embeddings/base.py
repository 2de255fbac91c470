"""The Embedder protocol: queries and passages to L2-normalised vectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit vectors whose dot product is cosine similarity.

    Queries and passages are separate calls because asymmetric models (e5) prefix them
    differently; symmetric models may treat both alike.
    """

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows of unit length."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, rows of unit length."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this embedder's tokenizer: chunk sizes are budgeted in these."""
        ...
