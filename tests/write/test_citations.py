"""The citation gate: sentences whose citations do not resolve never reach the reader."""

from __future__ import annotations

from sakuin.write.citations import CitationGate, Dropped, cited_numbers


def run(gate: CitationGate, pieces: list[str]) -> str:
    text = "".join(part for piece in pieces for part in gate.feed(piece))
    return text + "".join(gate.flush())


def test_sentences_citing_given_sources_pass_and_others_are_dropped() -> None:
    gate = CitationGate({1: "The R2 lifts 7 kg.", 2: "It ships in April."})
    text = run(gate, ["The R2 lifts 7 kg [1]. It costs ", "3.2 million yen [3]. It ships in April [2]."])
    assert text == "The R2 lifts 7 kg [1]. It ships in April [2]."
    assert gate.dropped == [Dropped("It costs 3.2 million yen [3].", "citation")]


def test_japanese_sentences_and_citations_split_across_tokens() -> None:
    gate = CitationGate({1: "可搬重量は 7 kg、発売は 4 月です。"})
    pieces = ["可搬重量は", "7kgです", "。[", "1]", "価格は未定です。[", "2", "]", "発売は4月です[1]。"]
    text = run(gate, pieces)
    assert text == "可搬重量は7kgです。[1]発売は4月です[1]。"
    assert gate.dropped == [Dropped("価格は未定です。[2]", "citation")]


def test_uncited_sentences_pass_but_are_flagged() -> None:
    gate = CitationGate({1: "The R2 lifts 7 kg."})
    assert run(gate, ["Hello there. The R2 lifts 7 kg [1]."]) == "Hello there. The R2 lifts 7 kg [1]."
    assert gate.uncited == ["Hello there."]


def test_a_list_of_numbers_must_resolve_entirely() -> None:
    gate = CitationGate({1: "April", 2: "April"})
    assert run(gate, ["Both ship in April [1, 3]."]) == ""
    assert cited_numbers("a [1, 2] b [3]") == [1, 2, 3]


def test_a_number_the_cited_source_does_not_hold_drops_the_sentence() -> None:
    source = "ツバメ T5 の本体価格は 6,900,000 円（税抜）です。最大積載量は 500 kg です。"
    gate = CitationGate({1: source})
    text = run(
        gate,
        [
            "本体価格は 7,200,000 円です[1]。",
            "最大積載量は 500 kg です[1]。",
            "ツバメ T5 は 2 台で 80 万円です。",
        ],
    )
    assert text == "最大積載量は 500 kg です[1]。"
    assert gate.dropped == [
        Dropped("本体価格は 7,200,000 円です[1]。", "number"),
        Dropped("ツバメ T5 は 2 台で 80 万円です。", "number"),  # uncited: nothing holds its numbers
    ]


def test_model_numbers_and_list_numbering_are_not_amounts() -> None:
    gate = CitationGate({1: "The HG-3 grips from 20 N."})
    assert run(gate, ["2. The HG-3 grips from 20 N [1].\n"]) == "2. The HG-3 grips from 20 N [1].\n"
    assert not gate.dropped


def test_an_echoed_prompt_label_is_removed() -> None:
    gate = CitationGate({1: "価格は 690 万円です。"}, ("依頼：", "回答："))
    assert run(gate, ["依頼: 価格は 690 万円です[1]。"]) == "価格は 690 万円です[1]。"
