"""One knowledge base shared by every request thread and job worker of the server.

The stores guard their connections with locks, but an embedder's native engine is not known to
be safe under concurrent calls; the server therefore wraps it so that one thread embeds at a time
(an embedding call takes milliseconds, the queue is short) while store reads run in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from sakuin.config import Settings
from sakuin.embeddings import Embedder
from sakuin.knowledge.workspace import KnowledgeBase


class SerializedEmbedder:
    """An :class:`Embedder` that lets one thread at a time into the wrapped one."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_passages(texts)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self.inner.count_tokens(text)


def open_shared_knowledge(settings: Settings, embedder: Embedder | None = None) -> KnowledgeBase:
    """The knowledge base with a serialized embedder (``embedder``: one already loaded, e.g. in tests)."""
    kb = KnowledgeBase.__new__(KnowledgeBase)
    if embedder is not None:
        kb.__dict__["embedder"] = embedder  # the cached_property's slot: no second load
    kb.__init__(settings)  # type: ignore[misc]
    inner = kb.embedder  # loads it (or takes the one given) and binds it to the store
    kb.__dict__["embedder"] = SerializedEmbedder(inner)
    return kb
