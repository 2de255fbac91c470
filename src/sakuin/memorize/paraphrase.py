"""N restatements of each fact, near-duplicates removed, and the check that probes stay held out.

Restatements are every training template of the fact's relation inside every frame, ordered so
the first N are as varied as possible (all templates before a second frame for any of them).
Near-duplicates (curation's MinHash over character 3-grams, which suits Japanese without a
tokenizer) are dropped. The *repeated* arm states one restatement N times, so the same exposure count can be
compared with and without diversity.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from sakuin.curate.dedup import NearDuplicates, duplicates_of
from sakuin.memorize.facts import Fact, FactSetError
from sakuin.memorize.options import Arm
from sakuin.memorize.relations import FRAMES, relation

NEAR_DUPLICATE = 0.9  # estimated Jaccard of character 3-grams at or above which two texts are one


class HeldOutLeakError(FactSetError):
    """A question form reserved for evaluation occurs in training text."""


@dataclass(frozen=True)
class TrainingText:
    text: str
    fact: int  # index into the fact set


def dedupe(texts: Sequence[str], threshold: float = NEAR_DUPLICATE) -> list[str]:
    """``texts`` in order without near-duplicates of an earlier text."""
    removed = duplicates_of(NearDuplicates(threshold=threshold, ngram=3).clusters(texts))
    return [text for number, text in enumerate(texts) if number not in removed]


def candidates(fact: Fact, seed: int = 0) -> list[str]:
    """Every distinct restatement of ``fact``, most varied first; its own sentence leads."""
    forms = relation(fact.relation).forms[fact.lang]
    rng = random.Random(f"{seed}-{fact.subject}-{fact.relation}")
    templates = list(forms.templates)
    frames = list(FRAMES[fact.lang])
    rng.shuffle(templates)
    rng.shuffle(frames[1:])  # the bare sentence stays first
    stated = [t.format(s=fact.subject, o=fact.object) for t in templates]
    texts = [fact.sentence] if fact.sentence else []
    texts += [frame.format(t=s) for frame in frames for s in stated]
    return dedupe(texts)


def paraphrases(
    fact: Fact, n: int, *, arm: Arm = "diverse", seed: int = 0, rewrites: Sequence[str] = ()
) -> list[str]:
    """``n`` training texts for ``fact``: distinct restatements, or the first one ``n`` times.

    ``rewrites`` (model-written, already filtered) alternate with the template restatements
    after the first. When fewer than ``n`` distinct texts exist, the diverse arm cycles through them.
    """
    templates = candidates(fact, seed)
    mixed = [t for pair in zip_longest(templates[1:], rewrites) for t in pair if t is not None]
    pool = dedupe([templates[0], *mixed])
    if arm == "repeated":
        return [pool[0]] * n
    return [pool[i % len(pool)] for i in range(n)]


def question_stems(fact: Fact) -> list[str]:
    """The held-out questions about ``fact`` as they appear in a probe, without the answer cue."""
    forms = relation(fact.relation).forms[fact.lang]
    return [q.prompt.format(s=fact.subject).split("\n")[0].strip() for q in forms.questions]


def check_held_out(texts: Sequence[TrainingText], facts: Sequence[Fact]) -> None:
    """Refuse training data in which any probe question about any fact occurs."""
    stems = {stem for fact in facts for stem in question_stems(fact)}
    for item in texts:
        squeezed = " ".join(item.text.split())
        for stem in stems:
            if " ".join(stem.split()) in squeezed:
                raise HeldOutLeakError(
                    f"training text '{item.text[:60]}' contains the held-out question '{stem}'."
                )


def training_texts(
    facts: Sequence[Fact],
    n: int,
    *,
    arm: Arm = "diverse",
    seed: int = 0,
    rewrites: Mapping[int, Sequence[str]] | None = None,
) -> list[TrainingText]:
    """``n`` texts per fact (with its model-written ``rewrites``), checked against the held-out questions."""
    extra = rewrites or {}
    texts = [
        TrainingText(text, index)
        for index, fact in enumerate(facts)
        for text in paraphrases(fact, n, arm=arm, seed=seed, rewrites=extra.get(index, ()))
    ]
    check_held_out(texts, facts)
    return texts
