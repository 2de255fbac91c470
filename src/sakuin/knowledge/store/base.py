"""The Store interface every backend implements, and the records it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from sakuin.errors import SakuinError
from sakuin.knowledge.access import Reader
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.names import default_name


class DocumentNotFoundError(SakuinError):
    """A document id that does not exist (or that the user may not see)."""

    def __init__(self, document_id: int, *, readable: bool = False) -> None:
        which = " that you can read" if readable else ""
        super().__init__(f"no document {document_id}{which}; list them with sakuin docs list.")


@dataclass(frozen=True)
class NewDocument:
    """A parsed document ready to store, with who may read it.

    ``source`` identifies it (where the server read it); ``name`` is what readers see (see
    :mod:`sakuin.knowledge.names`), derived from the source when not given.
    """

    source: str
    title: str
    text: str
    content_hash: str
    media_type: str
    readers: frozenset[Reader]
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    name: str = ""

    @property
    def display_name(self) -> str:
        return self.name or default_name(self.source)


@dataclass(frozen=True)
class DocumentRecord:
    """A stored document (without its chunks); ``source`` is for admins, ``name`` for every reader."""

    id: int
    source: str
    name: str
    title: str
    content_hash: str
    media_type: str
    readers: frozenset[Reader]
    tags: tuple[str, ...]
    chunks: int
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class SearchFilters:
    """Optional narrowing of a search; the principal is never optional.

    ``name_prefix`` narrows by what readers see; ``source_prefix`` by where the server read the
    files, which only admins may know (a reader's filter on it would probe the server's paths).
    """

    source_prefix: str | None = None
    updated_after: datetime | None = None
    tags: tuple[str, ...] = ()
    name_prefix: str | None = None


NO_FILTERS = SearchFilters()


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: where it is, what it says, and how it scored."""

    chunk_id: int
    document_id: int
    title: str
    source: str
    name: str
    start: int
    end: int
    text: str
    headings: tuple[str, ...]
    score: float


class Store(Protocol):
    """Documents, chunks, vectors, principals and the permission filter, in one place."""

    # Share of a hybrid search's fused score given to this store's lexical ranker (the rest to
    # the dense one): it depends on how the ranker spreads its scores, chosen per store on the
    # development split (benchmarks/retrieval.py --split dev --sweep).
    lexical_weight: float

    def bind_embedder(self, name: str) -> None:
        """Tie the store to the embedder whose vectors it holds (refuse another one later)."""
        ...

    # principals
    def add_user(self, name: str) -> None: ...
    def add_group(self, name: str, members: Sequence[str] = ()) -> None: ...
    def add_members(self, group: str, users: Sequence[str]) -> None: ...
    def remove_members(self, group: str, users: Sequence[str]) -> None: ...
    def users(self) -> list[str]: ...
    def groups(self) -> dict[str, list[str]]: ...
    def require_user(self, name: str) -> None: ...

    # documents
    def put_document(
        self, document: NewDocument, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> tuple[int, bool]:
        """Insert or replace the document with this source, in one transaction; (id, replaced)."""
        ...

    def document_by_source(self, source: str) -> DocumentRecord | None: ...
    def document(self, document_id: int, user: str | None = None) -> DocumentRecord: ...
    def document_text(self, document_id: int, user: str) -> str: ...
    def document_metadata(self, document_id: int, user: str) -> dict[str, str]:
        """What the parser kept beside the text (an OCR'd scan's pages and line boxes), for a reader."""
        ...

    def stored_contents(self, document_id: int) -> tuple[str, dict[str, str]]:
        """A document's text and metadata with no reader's check: for the store's own upkeep
        (embedding it again), never to answer a request."""
        ...

    def documents(self, user: str | None = None) -> list[DocumentRecord]: ...
    def delete_document(self, document_id: int) -> None: ...
    def set_readers(self, document_id: int, readers: frozenset[Reader]) -> None: ...

    # retrieval: ``user`` is required and filters candidates inside the query
    def lexical(self, query: str, user: str, k: int, filters: SearchFilters = NO_FILTERS) -> list[Hit]: ...
    def dense(
        self, vector: np.ndarray, user: str, k: int, filters: SearchFilters = NO_FILTERS
    ) -> list[Hit]: ...

    # embeddings already computed for identical text
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...
    def remember_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...

    def check_integrity(self) -> list[str]: ...
    def close(self) -> None: ...
