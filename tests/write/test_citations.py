"""The citation gate: sentences whose citations do not resolve never reach the reader."""

from __future__ import annotations

from sakuin.write.citations import CitationGate, cited_numbers


def run(gate: CitationGate, pieces: list[str]) -> str:
    text = "".join(part for piece in pieces for part in gate.feed(piece))
    return text + "".join(gate.flush())


def test_sentences_citing_given_sources_pass_and_others_are_dropped() -> None:
    gate = CitationGate({1, 2})
    text = run(gate, ["The R2 lifts 7 kg [1]. It costs ", "3.2 million yen [3]. It ships in April [2]."])
    assert text == "The R2 lifts 7 kg [1]. It ships in April [2]."
    assert gate.dropped == ["It costs 3.2 million yen [3]."]


def test_japanese_sentences_and_citations_split_across_tokens() -> None:
    gate = CitationGate({1})
    pieces = ["可搬重量は", "7kgです", "。[", "1]", "価格は未定です。[", "2", "]", "発売は4月です[1]。"]
    text = run(gate, pieces)
    assert text == "可搬重量は7kgです。[1]発売は4月です[1]。"
    assert gate.dropped == ["価格は未定です。[2]"]


def test_uncited_sentences_pass_but_are_flagged() -> None:
    gate = CitationGate({1})
    assert run(gate, ["Hello there. The R2 lifts 7 kg [1]."]) == "Hello there. The R2 lifts 7 kg [1]."
    assert gate.uncited == ["Hello there."]


def test_a_list_of_numbers_must_resolve_entirely() -> None:
    gate = CitationGate({1, 2})
    assert run(gate, ["Both ship in April [1, 3]."]) == ""
    assert cited_numbers("a [1, 2] b [3]") == [1, 2, 3]
