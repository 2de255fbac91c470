"""Hybrid retrieval: lexical (BM25), dense, and both fused by weighted, normalised score.

The asking user is a required argument all the way down: each retriever selects candidates
through the store's permission filter, so fusion only ever ranks what that user may read.

Fusion rescales each ranker's scores to [0, 1] over its own candidates (min-max) and adds them
with fixed weights. Reciprocal rank fusion, used before, threw the scores away: a passage BM25
found far ahead of the rest counted no more than a near tie, and hybrid fell below lexical alone
at R@1 (issue 18). With min-max a chunk both rankers put first scores the full sum of the
weights, which no other chunk can beat: fusion never demotes what both agree on. The weights depend on
how each store's lexical ranker spreads its scores, so each store says its own
(``Store.lexical_weight``), chosen on the development split of ``benchmarks/retrieval.py``
(never on the reported one).
"""

from __future__ import annotations

from collections.abc import Sequence
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
    rankings = [store.lexical(query, user, pool, filters), store.dense(vector, user, pool, filters)]
    return fuse(rankings, k, (store.lexical_weight, 1.0 - store.lexical_weight))


def fuse(rankings: list[list[Hit]], k: int, weights: Sequence[float] | None = None) -> list[Hit]:
    """The ``k`` best hits of several rankings (each best first) by weighted min-max scores.

    A ranking's best score maps to 1 and its worst to 0; a hit a ranking lacks gets 0 there.
    Ties go to the hit with the smaller sum of ranks (a missing hit ranks just past the end).
    ``weights`` defaults to equal weights; they must not be negative.
    """
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings) or any(w < 0 for w in weights):
        raise ValueError("one non-negative weight per ranking")
    scores: dict[int, float] = {}
    rank_sums: dict[int, int] = {}
    hits: dict[int, Hit] = {}
    for ranking in rankings:
        for hit in ranking:
            hits.setdefault(hit.chunk_id, hit)
    for ranking, weight in zip(rankings, weights, strict=True):
        ranks: dict[int, tuple[int, float]] = {}
        for rank, hit in enumerate(ranking, start=1):
            ranks.setdefault(hit.chunk_id, (rank, hit.score))
        low = min((score for _, score in ranks.values()), default=0.0)
        span = max((score for _, score in ranks.values()), default=0.0) - low
        for chunk_id in hits:
            rank, score = ranks.get(chunk_id, (len(ranking) + 1, low))
            scaled = (score - low) / span if span > 0 else float(chunk_id in ranks)
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight * scaled
            rank_sums[chunk_id] = rank_sums.get(chunk_id, 0) + rank
    best = sorted(hits, key=lambda chunk_id: (-scores[chunk_id], rank_sums[chunk_id], chunk_id))[:k]
    return [replace(hits[chunk_id], score=scores[chunk_id]) for chunk_id in best]
