"""Whether the passages a user may read cover a request: the evidence score and its calibration.

The score is the share of the request's subject terms that the best permitted passage contains.
On JSQuAD (half the questions with their paragraph removed) it separated answerable from
unanswerable questions better than the dense cosine or the BM25 score (ROC AUC 0.87 against 0.77
and 0.81, measured in ``benchmarks/write.py``), and it can say what is missing: the subject terms
no passage contains, which the refusal names (they come from the request, so naming them leaks
nothing). The threshold is not a constant of the code: :func:`calibrate` derives it from labelled
requests and reports how well "refuse" works at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from sakuin.knowledge.store.base import Hit
from sakuin.write.request import Request, contains_term


@dataclass(frozen=True)
class Evidence:
    """The permitted passages for a request and how well they cover it."""

    passages: list[Hit]
    coverage: float
    missing: tuple[str, ...]

    def relevant(self, request: Request, threshold: float) -> list[Hit]:
        """Passages that on their own cover the request at least as well as the threshold asks."""
        return [hit for hit in self.passages if passage_coverage(request, hit) >= threshold]


def passage_coverage(request: Request, hit: Hit) -> float:
    """Share of the request's subject terms found in one passage (its title and headings count)."""
    if not request.subject_terms:
        return 0.0
    text = _searchable(hit)
    return sum(contains_term(text, term) for term in request.subject_terms) / len(request.subject_terms)


def weigh(request: Request, passages: list[Hit]) -> Evidence:
    """Coverage of the best passage, and the subject terms that no passage mentions."""
    coverage = max((passage_coverage(request, hit) for hit in passages), default=0.0)
    texts = [_searchable(hit) for hit in passages]
    missing = tuple(t for t in request.subject_terms if not any(contains_term(x, t) for x in texts))
    return Evidence(passages, coverage, missing)


def _searchable(hit: Hit) -> str:
    return " ".join((hit.title, *hit.headings, hit.text))


@dataclass(frozen=True)
class Calibration:
    """The refusal threshold derived from labelled requests, and how "refuse" performs at it."""

    threshold: float
    precision: float  # of the requests refused, the share that no readable document covers
    recall: float  # of the requests no readable document covers, the share refused
    f1: float
    answerable: int
    unanswerable: int


def calibrate(scores: Sequence[float], answerable: Sequence[bool]) -> Calibration:
    """The threshold that maximises F1 of "refuse" (score below threshold) on labelled requests.

    Candidates are the midpoints between neighbouring distinct scores, so the threshold sits in
    the gap the data leaves rather than on any one request's score.
    """
    if len(scores) != len(answerable):
        raise ValueError("one label per score is needed")
    if all(answerable) or not any(answerable):
        raise ValueError("calibration needs both answerable and unanswerable requests")
    distinct = sorted(set(scores))
    candidates = [(a + b) / 2 for a, b in pairwise(distinct)] or distinct
    best = max(
        (_refusal_quality(t, scores, answerable) for t in candidates), key=lambda c: (c.f1, -c.threshold)
    )
    return best


def _refusal_quality(threshold: float, scores: Sequence[float], answerable: Sequence[bool]) -> Calibration:
    refused = [score < threshold for score in scores]
    true_refusals = sum(r and not a for r, a in zip(refused, answerable, strict=True))
    precision = true_refusals / max(sum(refused), 1)
    recall = true_refusals / max(sum(not a for a in answerable), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Calibration(threshold, precision, recall, f1, sum(answerable), sum(not a for a in answerable))
