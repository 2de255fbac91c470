"""A knowledge base opened from settings: the store, the embedder and what uses them.

The CLI, the Python API and (later) the HTTP API all go through this one object.
"""

from __future__ import annotations

from functools import cached_property

from sakuin.config import Settings
from sakuin.embeddings import Embedder, load_embedder
from sakuin.knowledge.ingest import Ingestor
from sakuin.knowledge.search import Mode, search
from sakuin.knowledge.store.base import NO_FILTERS, Hit, SearchFilters
from sakuin.knowledge.store.sqlite import SQLiteStore


class KnowledgeBase:
    """Documents, principals and search over one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = SQLiteStore(settings.knowledge_db)

    @cached_property
    def embedder(self) -> Embedder:
        """Loaded on first use: managing users needs no embedder."""
        return load_embedder(self.settings.knowledge.embedder, self.settings.model.threads)

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
    ) -> list[Hit]:
        return search(self.store, self.embedder, query, user, k=k, mode=mode, filters=filters)

    def close(self) -> None:
        self.store.close()
