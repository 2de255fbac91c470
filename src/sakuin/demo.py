"""The short tour of the default model (``sakuin tour``).

It shows the two things everything else is built on: completion from a few-shot prompt (in
Japanese and English) and label scoring, where the model reads a review once and the label
probabilities come from its log-likelihoods, not from parsing generated text.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from sakuin.models.base import LanguageModel, LocalLanguageModel, ScoreRequest
from sakuin.prompts import CAPITALS_EN, CAPITALS_JA, REVIEW_SENTIMENT

QUESTIONS = [(CAPITALS_EN, "What is the capital of France?"), (CAPITALS_JA, "日本の首都はどこですか？")]
REVIEWS = [
    "Stopped working after two days and support never answered.",
    "音がとてもきれいで、毎日使っています。",
    "Great value, arrived early and works perfectly.",
    "説明書が分かりにくく、すぐに壊れました。",
]
LABELS = [" positive", " negative"]


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


@dataclass(frozen=True)
class Labelled:
    text: str
    probabilities: dict[str, float]


def answers(model: LanguageModel) -> Iterator[Answer]:
    """Few-shot completion in English and Japanese, cut at the end of the answer line."""
    for template, question in QUESTIONS:
        done = model.generate(template.render(question), max_tokens=16, stop=["\n"])
        yield Answer(question, done.text.strip())


def label_reviews(model: LanguageModel) -> list[Labelled]:
    """Label probabilities from one scoring pass per review, behind the shared few-shot prefix."""
    if isinstance(model, LocalLanguageModel):
        requests = [ScoreRequest(REVIEW_SENTIMENT.query(r), LABELS) for r in REVIEWS]
        all_scores = model.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix())
    else:
        all_scores = [model.score(REVIEW_SENTIMENT.render(r), LABELS) for r in REVIEWS]
    return [Labelled(review, _softmax(scores)) for review, scores in zip(REVIEWS, all_scores, strict=True)]


def _softmax(scores: list[float]) -> dict[str, float]:
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    return {label.strip(): w / sum(weights) for label, w in zip(LABELS, weights, strict=True)}
