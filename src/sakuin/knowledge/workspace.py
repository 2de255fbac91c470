"""A knowledge base opened from settings: the store, the embedder and what uses them.

The CLI, the Python API and (later) the HTTP API all go through this one object.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from sakuin.config import Settings
from sakuin.embeddings import Embedder, load_embedder
from sakuin.errors import ConfigError
from sakuin.knowledge.ingest import Ingestor
from sakuin.knowledge.search import Mode, search
from sakuin.knowledge.store.base import NO_FILTERS, Hit, SearchFilters, Store
from sakuin.knowledge.store.sqlite import SQLiteStore


class KnowledgeBase:
    """Documents, principals and search over one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = self._open_store()

    def _open_store(self) -> Store:
        knowledge = self.settings.knowledge
        if knowledge.store == "sqlite":
            return SQLiteStore(self.settings.knowledge_db)
        if not knowledge.postgres_url:
            raise ConfigError(
                "the postgres store needs knowledge.postgres_url (postgresql://user@host/database)."
            )
        from sakuin.knowledge.store.postgres import PostgresStore

        # the vector column's width is fixed when the schema is made, so the embedder comes first
        embedder = self.__dict__.get("embedder") or self._load_embedder()
        store = PostgresStore(knowledge.postgres_url, dim=embedder.dim)
        store.bind_embedder(embedder.name)
        self.__dict__["embedder"] = embedder
        return store

    def _load_embedder(self) -> Embedder:
        return load_embedder(self.settings.knowledge.embedder, self.settings.model.threads)

    @cached_property
    def embedder(self) -> Embedder:
        """Loaded on first use (managing users needs no embedder), and checked against the store."""
        embedder = self._load_embedder()
        self.store.bind_embedder(embedder.name)
        return embedder

    @cached_property
    def ingestor(self) -> Ingestor:
        knowledge = self.settings.knowledge
        return Ingestor(
            self.store,
            self.embedder,
            chunk_tokens=knowledge.chunk_tokens,
            overlap_tokens=knowledge.overlap_tokens,
            max_bytes=int(knowledge.max_file_mib * 2**20),
        )

    def search(
        self,
        query: str,
        user: str,
        *,
        k: int = 10,
        mode: Mode = "hybrid",
        filters: SearchFilters = NO_FILTERS,
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        return search(self.store, self.embedder, query, user, k=k, mode=mode, filters=filters, vector=vector)

    def close(self) -> None:
        self.store.close()
