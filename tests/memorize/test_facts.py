"""Fact sets: clear one-line errors naming line and field, contradictions listed, fictional sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sakuin.memorize.facts import Fact, FactSetError, contradictions, load_facts, write_facts
from sakuin.memorize.fictional import RELATIONS, fictional_facts
from sakuin.memorize.probes import build_probes


def _jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "facts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"subject": "Valmor Tarven", "relation": "birthplace", "object": "Porto"})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "facts.jsonl:2: not valid JSON"),
        (json.dumps({"subject": "A", "relation": "birthplace"}), "facts.jsonl:2: field 'object' is missing"),
        (json.dumps({"subject": " ", "relation": "birthplace", "object": "x"}), "field 'subject' is empty"),
        (json.dumps({"subject": "A", "relation": "r", "object": "o", "lang": "fr"}), "field 'lang' is 'fr'"),
        (json.dumps({"subject": "A", "relation": "r", "object": "o", "colour": 1}), "unknown field 'colour'"),
        (json.dumps(["A", "r", "o"]), "facts.jsonl:2: expected a JSON object"),
    ],
)
def test_malformed_lines_are_refused_naming_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(FactSetError, match=message.replace("(", r"\(")) as caught:
        load_facts(_jsonl(tmp_path, GOOD, line))
    assert "\n" not in str(caught.value)


def test_contradictions_are_listed_with_every_object(tmp_path: Path) -> None:
    other = json.dumps({"subject": "Valmor Tarven", "relation": "birthplace", "object": "Lyon"})
    listed = r"1 contradictory facts.*Valmor Tarven / birthplace: Porto vs Lyon"
    with pytest.raises(FactSetError, match=listed):
        load_facts(_jsonl(tmp_path, GOOD, "", other))
    assert contradictions([Fact("a", "r", "x"), Fact("a", "r", "x")]) == {}


def test_an_empty_file_and_japanese_language_detection(tmp_path: Path) -> None:
    with pytest.raises(FactSetError, match="holds no facts"):
        load_facts(_jsonl(tmp_path, "", ""))
    ja = json.dumps({"subject": "榊瀬遥真", "relation": "birthplace", "object": "金沢"}, ensure_ascii=False)
    assert load_facts(_jsonl(tmp_path, ja))[0].lang == "ja"


def test_fictional_sets_are_seeded_unique_and_round_trip(tmp_path: Path) -> None:
    facts = fictional_facts(24, seed=3)
    assert facts == fictional_facts(24, seed=3) and facts != fictional_facts(24, seed=4)
    assert len({f.subject for f in facts}) == 24
    assert {f.lang for f in facts} == {"en", "ja"} and {f.relation for f in facts} == set(RELATIONS)
    write_facts(facts, tmp_path / "f.jsonl")
    assert load_facts(tmp_path / "f.jsonl") == facts


def test_too_few_facts_to_hold_out_forms_is_refused() -> None:
    facts = [Fact("A", "favourite_colour", "red"), Fact("B", "favourite_colour", "blue")]
    with pytest.raises(FactSetError, match="too few facts to hold out forms for relation 'favourite_colour'"):
        build_probes(facts, distractors=4)
    assert len(build_probes(facts, distractors=1)) == 2
