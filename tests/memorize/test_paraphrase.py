"""Restatements: many forms per relation in both languages, near-duplicates gone, probes held out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sakuin.memorize.facts import Fact
from sakuin.memorize.fictional import fictional_facts
from sakuin.memorize.paraphrase import (
    HeldOutLeakError,
    TrainingText,
    candidates,
    check_held_out,
    dedupe,
    paraphrases,
    training_texts,
)
from sakuin.memorize.relations import CATALOGUE, FRAMES, relation
from sakuin.memorize.rewrites import (
    acceptable,
    filter_rewrites,
    held_out_parts,
    model_rewrites,
    rewrite_all,
    rewrite_prompt,
)
from tests.memorize.conftest import FACTS


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


def test_model_rewrites_are_filtered_like_templates_and_never_hold_a_question() -> None:
    fact = FACTS[0]  # Valmor Tarven, birthplace, Porto
    written = [
        "Porto was where the young Valmor Tarven first saw the light of day.",  # kept
        "Valmor Tarven was born in Porto.",  # a template restatement
        "Porto was where the young Valmor Tarven first saw the light of day!",  # near-duplicate
        "Valmor Tarven was born in Lisbon.",  # not the fact
        "Q: Where was Valmor Tarven born? Porto.",  # a held-out question
        "Where was Valmor Tarven born? In Porto, people say.",  # half of one
        "Is Valmor Tarven from Porto?",  # a question, not a statement
        "Valmor Tarven was born in Porto, not far from Lyon.",  # another city: a contradiction
    ]
    found = filter_rewrites(written, fact)
    assert found.kept == [written[0]] and found.dropped == len(written) - 1
    texts = [t.text for t in training_texts([fact], 3, rewrites={0: found.kept})]
    assert written[0] in texts and len(set(texts)) == 3
    with pytest.raises(HeldOutLeakError):  # and the whole training set is checked again in code
        training_texts([fact], 3, rewrites={0: [written[4]]})


def test_the_model_writes_rewrites_and_only_acceptable_ones_are_kept(tiny_base: Path) -> None:
    from sakuin.models.transformers import TransformersModel

    model = TransformersModel.load(tiny_base, tiny_base, name="tiny", context_length=512)
    kept, dropped = rewrite_all(model, FACTS[:2], 2)
    assert sorted(kept) == [0, 1] and sum(map(len, kept.values())) + dropped == 4
    for index, texts in kept.items():
        held_out = held_out_parts(FACTS[index])
        assert all(acceptable(t, FACTS[index], held_out) for t in texts)
    prompt = rewrite_prompt("榊瀬遥真は金沢で生まれた。", FACTS[1])
    assert prompt.endswith("文： 榊瀬遥真は金沢で生まれた。\n書き換え：") and "本社" not in prompt
    examples = prompt.split("\n\n")[1:-1]  # two rewrites of the same relation, about someone invented
    assert len(examples) == 2 and all("榊瀬遥真" not in e for e in examples)


@pytest.mark.slow
def test_gemma_rewrites_state_the_fact_in_new_words(gemma_hf: Any) -> None:
    for fact in FACTS[:2]:  # English and Japanese
        found = model_rewrites(gemma_hf, fact, 2)
        assert len(found.kept) + found.dropped == 2
        templates = set(candidates(fact))
        for text in found.kept:
            assert fact.subject in text and fact.object in text and text not in templates
            for question in relation(fact.relation).forms[fact.lang].questions:
                assert question.prompt.split("\n")[0].format(s=fact.subject) not in text
