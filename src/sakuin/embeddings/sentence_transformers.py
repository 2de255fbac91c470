"""Any sentence-transformers model directory on disk (never downloaded: HF_HUB_OFFLINE)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
from sentence_transformers import SentenceTransformer

from sakuin.errors import ModelNotFoundError


class SentenceTransformerEmbedder:
    """A local sentence-transformers model; ``query_prefix``/``passage_prefix`` for asymmetric ones."""

    def __init__(self, directory: Path, *, query_prefix: str = "", passage_prefix: str = "") -> None:
        if not (directory / "modules.json").is_file() and not (directory / "config.json").is_file():
            raise ModelNotFoundError(
                f"{directory} is not a sentence-transformers model directory (no modules.json)."
            )
        self._model = SentenceTransformer(str(directory), device="cpu", local_files_only=True)
        self.name = f"sentence-transformers:{directory.name}"
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.passage_prefix + t for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=False)["input_ids"])
