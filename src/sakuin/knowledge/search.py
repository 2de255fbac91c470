"""Hybrid retrieval: lexical (BM25), dense, and both fused by reciprocal rank.

The asking user is a required argument all the way down: each retriever selects candidates
through the store's permission filter, so fusion only ever ranks what that user may read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from sakuin.embeddings.base import Embedder
from sakuin.errors import SakuinError
from sakuin.knowledge.store.base import NO_FILTERS, Hit, SearchFilters, Store

Mode = Literal["lexical", "dense", "hybrid"]
RRF_K = 60  # the usual constant of reciprocal rank fusion: damps the weight of the very top ranks


class EmptyQueryError(SakuinError):
    """A search with nothing to search for."""


def search(
    store: Store,
    embedder: Embedder,
    query: str,
    user: str,
    *,
    k: int = 10,
    mode: Mode = "hybrid",
    filters: SearchFilters = NO_FILTERS,
    candidates: int = 50,
    vector: np.ndarray | None = None,
) -> list[Hit]:
    """The ``k`` best chunks for ``query`` among those ``user`` may read.

    ``vector`` is the query's embedding when the caller has it already: batch searches embed
    all their queries in one call, several times faster than one at a time.
    """
    if not query.strip():
        raise EmptyQueryError("the search query is empty; say what to look for.")
    if mode == "lexical":
        return store.lexical(query, user, k, filters)
    if vector is None:
        vector = embedder.embed_queries([query])[0]
    if mode == "dense":
        return store.dense(vector, user, k, filters)
    pool = max(candidates, k)
    return fuse([store.lexical(query, user, pool, filters), store.dense(vector, user, pool, filters)], k)


def fuse(rankings: list[list[Hit]], k: int) -> list[Hit]:
    """Reciprocal rank fusion: each list gives 1 / (RRF_K + rank) to every hit it holds."""
    scores: dict[int, float] = {}
    hits: dict[int, Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank)
            hits.setdefault(hit.chunk_id, hit)
    best = sorted(scores, key=lambda chunk_id: -scores[chunk_id])[:k]
    return [replace(hits[chunk_id], score=scores[chunk_id]) for chunk_id in best]
