"""Restatements: many forms per relation in both languages, near-duplicates gone, probes held out."""

from __future__ import annotations

import re

import pytest

from sakuin.memorize.facts import Fact
from sakuin.memorize.fictional import fictional_facts
from sakuin.memorize.paraphrase import (
    HeldOutLeakError,
    TrainingText,
    check_held_out,
    dedupe,
    paraphrases,
    training_texts,
)
from sakuin.memorize.relations import CATALOGUE, FRAMES, relation


def test_held_out_questions_never_occur_in_training_data() -> None:
    """Checked independently of check_held_out: some literal part of every question form is absent
    from every training text of every fact, at N = 100 (and from every template and frame)."""
    facts = [*fictional_facts(24, seed=5), Fact("Orisol Kin", "favourite_colour", "teal")]
    texts = [t.text for t in training_texts(facts, 100)]
    assert len(texts) == 100 * len(facts)
    for fact in facts:
        for question in relation(fact.relation).forms[fact.lang].questions:
            stem = question.prompt.split("\n")[0]
            literal = [part for part in re.split(r"\{s\}", stem) if part.strip()]
            longest = max(literal, key=len)
            assert all(longest not in text for text in texts), (fact.relation, longest)
            sources = relation(fact.relation).forms[fact.lang].templates + FRAMES[fact.lang]
            assert all(longest not in template for template in sources)


def test_a_leaked_question_is_refused() -> None:
    fact = Fact("Valmor Tarven", "birthplace", "Porto")
    leaked = TrainingText("Q: Where was Valmor Tarven born? A: Porto", 0)
    with pytest.raises(HeldOutLeakError, match="held-out question 'Q: Where was Valmor Tarven born\\?'"):
        check_held_out([leaked], [fact])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_one_hundred_distinct_restatements_per_catalogue_relation(lang: str) -> None:
    for name in CATALOGUE:
        fact = Fact("Zenber Lix" if lang == "en" else "柊谷凛花", name, "2011", lang)  # type: ignore[arg-type]
        texts = paraphrases(fact, 100)
        assert len(set(texts)) == 100, name
        assert all("2011" in t and fact.subject in t for t in texts)
        assert paraphrases(fact, 7, arm="repeated") == [texts[0]] * 7


def test_near_duplicates_are_removed_and_distinct_texts_kept() -> None:
    texts = [
        "Valmor Tarven was born in Porto, a city in the north.",
        "Valmor Tarven was born in Porto, a city in the north!",
        "Porto is the hometown of Valmor Tarven.",
        "榊瀬遥真は金沢で生まれた。",
        "榊瀬遥真は金沢で生まれた。",
    ]
    assert dedupe(texts) == [texts[0], texts[2], texts[3]]
