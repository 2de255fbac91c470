"""Retrieval for writing: the passages the asking user may read, and how close each one is in
meaning to the request (the multilingual embedder's cosine, which relates a Japanese request to an
English passage as well as to a Japanese one).

Hybrid search ranks passages in the request's own language first (BM25 needs shared words, and
the embedder too prefers its query's language), so the translation of a request's answer is
rarely in its top few. The best passages of the other language by cosine are therefore added:
the evidence decision can weigh them, and they can be written from.

A writing task ("write a sales pitch for X") is searched for its subject too: the words that
describe the task pull in documents that share them (a sales script for "a pitch for sales")
while the document about X itself says none of them. Its subject's passages come first, so a
text about X opens with what the documents say X is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sakuin.knowledge.store.base import Hit
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.language import language_of, script_of
from sakuin.write.request import Request, spelled

DENSE_POOL = 50  # as many as hybrid search fuses from, so every fused hit has its cosine
OTHER_LANGUAGE = 2  # best passages of the other language added to the hybrid ones
BACKGROUND = 10  # best passages of the other language whose median cosine is the background
NO_BACKGROUND = -1.0  # a lone passage of the other language: no band to stand out of


@dataclass(frozen=True)
class Retrieved:
    """The hybrid hits, best first, and each one's cosine to the request (0 when the dense
    retriever did not rank it among its :data:`DENSE_POOL`)."""

    hits: list[Hit]
    similarity: dict[int, float]  # chunk id -> cosine
    # the cosine passages of the other language reach by being in it (:func:`background_of`)
    background: float = NO_BACKGROUND

    def of(self, hit: Hit) -> float:
        return self.similarity.get(hit.chunk_id, 0.0)


def retrieve(kb: KnowledgeBase, request: Request, user: str, k: int) -> Retrieved:
    """The ``k`` best passages for ``request`` among those ``user`` may read, with their cosines;
    the request is embedded once for both searches. For a writing task the ``k`` best passages
    for its subject come first, then the request's own that are not among them."""
    text = request.text
    vector = kb.embedder.embed_queries([text])[0]
    hits = kb.search(text, user, k=k, vector=vector)
    subject = spelled(text, request.subject_terms) if request.task == "write" else ""
    if subject and subject != text:
        about = kb.search(subject, user, k=k)
        hits = about + [hit for hit in hits if hit.chunk_id not in {a.chunk_id for a in about}]
    dense = kb.search(text, user, k=max(k, DENSE_POOL), mode="dense", vector=vector)
    language = language_of(text)
    held = {hit.chunk_id for hit in hits}
    other_language = [h for h in dense if script_of(searchable(h)) != language]
    other = [h for h in other_language if h.chunk_id not in held]
    background = background_of([h.score for h in other_language])
    return Retrieved(hits + other[:OTHER_LANGUAGE], {hit.chunk_id: hit.score for hit in dense}, background)


def background_of(cosines: list[float]) -> float:
    """The median cosine of the :data:`BACKGROUND` best passages of the other language (best
    first, however many of them the dense pool holds): the band every passage of that language
    reaches for any request, which a translation of the answer stands out of. A lone passage is
    no band (it would be its own background and never a translation): :data:`NO_BACKGROUND`
    leaves the similarity alone to decide."""
    if len(cosines) < 2:
        return NO_BACKGROUND
    return float(np.median(cosines[:BACKGROUND]))


def searchable(hit: Hit) -> str:
    """What a passage says for matching: its title, the headings above it and its text."""
    return " ".join((hit.title, *hit.headings, hit.text))
