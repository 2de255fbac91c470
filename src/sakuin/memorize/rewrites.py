"""Restatements the model writes: each of a fact's template restatements rewritten by a language
model, then kept only if it still states the fact and asks no held-out question.

The model sees one restatement at a time behind two examples of the same relation and language
(about an invented subject) and writes one line, sampled and seeded per rewrite so a run
repeats. A rewrite is kept when it names the subject and the object exactly, holds no piece of
a question form reserved for probes (then :func:`~sakuin.memorize.paraphrase.check_held_out`
checks the whole training set again), and is no near-duplicate of a template restatement or of
an earlier rewrite (the same MinHash filter); so diversity grows but recall is still measured
on forms never trained on. A rewrite naming another value of the relation (a second city) is
dropped as a contradiction. A changed relation with the same names ("born in" turned "based in")
is not caught by these checks; the examples' relation is what keeps a small model on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sakuin.memorize.facts import Fact, Lang
from sakuin.memorize.fictional import fictional_facts, value_pool
from sakuin.memorize.paraphrase import candidates, dedupe
from sakuin.memorize.relations import relation
from sakuin.models import LanguageModel

_EXAMPLES: dict[Lang, tuple[tuple[str, str], ...]] = {
    "en": (
        ("Mira Olsen was born in Bergen.", "Bergen is the city where Mira Olsen was born."),
        ("Tovel Labs is headquartered in Ghent.", "The head office of Tovel Labs is in Ghent."),
    ),
    "ja": (
        ("森川花子は仙台で生まれた。", "仙台は森川花子の出身地である。"),
        ("トヴェル工業の本社は神戸にある。", "トヴェル工業は神戸に本社を置いている。"),
    ),
}
_LABELS: dict[Lang, tuple[str, str, str]] = {
    "en": ("Rewrite each sentence in other words, keeping every name and value.", "Sentence:", "Rewrite:"),
    "ja": ("各文を、名前と値をそのまま残して別の言い方に書き換えてください。", "文：", "書き換え："),
}


@dataclass(frozen=True)
class Rewrites:
    """The rewrites kept for one fact, and how many the model wrote that were dropped."""

    kept: list[str]
    dropped: int


def _shots(fact: Fact) -> tuple[tuple[str, str], ...]:
    """Two example rewrites in ``fact``'s own relation, about an invented subject, so that a small
    model copying the examples' shape keeps the relation (generic examples invite "born in" to
    become "based in")."""
    forms = relation(fact.relation).forms[fact.lang].templates
    example = next(
        (f for f in fictional_facts(12, seed=99) if f.relation == fact.relation and f.lang == fact.lang), None
    )
    if example is None or len(forms) < 5:
        return _EXAMPLES[fact.lang]

    def fill(template: str) -> str:
        return template.format(s=example.subject, o=example.object)

    return ((fill(forms[0]), fill(forms[3])), (fill(forms[1]), fill(forms[4])))


def rewrite_prompt(sentence: str, fact: Fact) -> str:
    """The few-shot prompt asking for one rewrite of ``sentence``, a restatement of ``fact``."""
    instruction, said, rewrite = _LABELS[fact.lang]
    shots = "".join(f"{said} {a}\n{rewrite} {b}\n\n" for a, b in _shots(fact))
    return f"{instruction}\n\n{shots}{said} {sentence}\n{rewrite}"


def held_out_parts(fact: Fact) -> list[str]:
    """Every literal piece (3 characters or more) of the held-out question forms of ``fact``'s
    relation: stricter than the whole questions, since a model may echo half a question."""
    parts = []
    for question in relation(fact.relation).forms[fact.lang].questions:
        for piece in question.prompt.split("\n")[0].split("{s}"):
            piece = " ".join(piece.split())
            if len(piece) >= 3:
                parts.append(piece.casefold())
    return parts


def acceptable(text: str, fact: Fact, held_out: Sequence[str]) -> bool:
    """Whether a rewrite still states ``fact`` and holds no piece of a held-out question."""
    folded = " ".join(text.casefold().split())
    if fact.subject.casefold() not in folded or fact.object.casefold() not in folded:
        return False
    if any(piece in folded for piece in held_out):
        return False
    others = (v.casefold() for v in value_pool(fact.relation, fact.lang) if v != fact.object)
    if any(other in folded and other not in fact.object.casefold() for other in others):
        return False  # names another value of the relation: a contradiction, not a restatement
    return len(text) <= 4 * max(len(c) for c in candidates(fact)[:3]) and not text.rstrip().endswith(
        ("?", "？")
    )


def filter_rewrites(texts: Sequence[str], fact: Fact, *, seed: int = 0) -> Rewrites:
    """``texts`` that state ``fact``, ask no held-out question and repeat no template or each other."""
    held_out = held_out_parts(fact)
    cleaned = [" ".join(t.split()) for t in texts]
    fitting = [t for t in dict.fromkeys(cleaned) if t and acceptable(t, fact, held_out)]
    templates = candidates(fact, seed)
    kept = dedupe([*templates, *fitting])[len(templates) :]
    return Rewrites(kept, len(texts) - len(kept))


def model_rewrites(model: LanguageModel, fact: Fact, count: int, *, seed: int = 0) -> Rewrites:
    """Up to ``count`` filtered rewrites of ``fact``'s template restatements, written by ``model``."""
    sources = candidates(fact, seed)
    written = []
    for number in range(count):
        prompt = rewrite_prompt(sources[number % len(sources)], fact)
        completion = model.generate(prompt, max_tokens=48, temperature=0.8, stop=["\n"], seed=seed + number)
        written.append(completion.text.strip())
    return filter_rewrites(written, fact, seed=seed)


def rewrite_all(
    model: LanguageModel,
    facts: Sequence[Fact],
    count: int,
    *,
    seed: int = 0,
    on_fact: Callable[[int, int], None] | None = None,
) -> tuple[dict[int, list[str]], int]:
    """Kept rewrites per fact index, and the number dropped over all facts."""
    kept: dict[int, list[str]] = {}
    dropped = 0
    for index, fact in enumerate(facts):
        found = model_rewrites(model, fact, count, seed=seed)
        kept[index], dropped = found.kept, dropped + found.dropped
        if on_fact:
            on_fact(index + 1, len(facts))
    return kept, dropped
