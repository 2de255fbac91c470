"""Closed-book probes in held-out question forms: the true object scored against same-relation distractors.

Each probe asks a question form reserved for evaluation and scores the true object and
``distractors`` objects of the same relation and language (from the fact set and the relation's
value pool), so chance is 1 / (distractors + 1). Greedy generation checks the same question
without options: does the answer contain the object?
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sakuin.memorize.facts import Fact, FactSetError
from sakuin.memorize.fictional import value_pool
from sakuin.memorize.relations import relation
from sakuin.models import LocalLanguageModel, ScoreRequest


@dataclass(frozen=True)
class Probe:
    fact: int
    prompt: str
    lead: str
    answer: str
    distractors: tuple[str, ...]


@dataclass
class ProbeReport:
    """Recall of a fact set: by score (accuracy, mean rank of the truth, 1 is best) and by generation."""

    accuracy: float
    mean_rank: float
    generation: float | None
    chance: float
    probes: int
    answers: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_probes(facts: Sequence[Fact], *, distractors: int = 4, seed: int = 0) -> list[Probe]:
    """One probe per fact and held-out question form; refuses a relation with too few objects."""
    probes = []
    for index, fact in enumerate(facts):
        others = [f.object for f in facts if f.relation == fact.relation and f.lang == fact.lang]
        pool = [
            o for o in dict.fromkeys([*others, *value_pool(fact.relation, fact.lang)]) if o != fact.object
        ]
        if len(pool) < distractors:
            raise FactSetError(
                f"too few facts to hold out forms for relation '{fact.relation}' ({fact.lang}): "
                f"{len(pool)} other objects, {distractors} needed; add facts or use fewer distractors."
            )
        rng = random.Random(f"{seed}-{fact.subject}-{fact.relation}")
        chosen = tuple(rng.sample(pool, distractors))
        for question in relation(fact.relation).forms[fact.lang].questions:
            probes.append(
                Probe(index, question.prompt.format(s=fact.subject), question.lead, fact.object, chosen)
            )
    return probes


def _contains(text: str, answer: str) -> bool:
    return answer.casefold() in text.casefold()


def run_probes(
    model: LocalLanguageModel, probes: Sequence[Probe], *, generate: bool = True, max_tokens: int = 12
) -> ProbeReport:
    """Score every probe; with ``generate``, also answer each fact's first question form greedily."""
    requests = [ScoreRequest(p.prompt, [p.lead + o for o in (p.answer, *p.distractors)]) for p in probes]
    scores = model.score_batch(requests)
    ranks = [1 + sum(s > row[0] for s in row[1:]) for row in scores]
    answers: list[dict[str, Any]] = [
        {"fact": p.fact, "prompt": p.prompt, "answer": p.answer, "rank": rank}
        for p, rank in zip(probes, ranks, strict=True)
    ]
    generation = None
    if generate:
        first: dict[int, int] = {}
        for number, probe in enumerate(probes):
            first.setdefault(probe.fact, number)
        hits = 0
        for number in first.values():
            text = model.generate(probes[number].prompt, max_tokens=max_tokens, stop=["\n"]).text
            answers[number]["generated"] = text
            hits += _contains(text, probes[number].answer)
        generation = hits / len(first) if first else 0.0
    return ProbeReport(
        accuracy=sum(r == 1 for r in ranks) / len(ranks),
        mean_rank=sum(ranks) / len(ranks),
        generation=generation,
        chance=1 / (len(probes[0].distractors) + 1) if probes else 0.0,
        probes=len(probes),
        answers=answers,
    )
