"""Chunking Japanese and English text: sentence ends, headings, token budgets, offsets."""

from __future__ import annotations

from itertools import pairwise

import pytest

from sakuin.embeddings import Embedder
from sakuin.knowledge.chunk import chunk_text, sentence_spans

POLICY = """# 就業規則
## 休暇
年次有給休暇は入社6か月後に10日付与されます。申請は3日前までに行ってください。「急な休み」の場合は上長に連絡すること！
Paid leave: ten days after six months. Apply three days ahead, please. Is it paid? Yes.

## 経費
交通費は実費を精算します。領収書を添付してください。"""


def test_sentences_end_at_japanese_and_english_terminators() -> None:
    text = (
        "東京です。「本当？」はい！ Mr. Smith arrived. It rained... Done?Yes. Sold by Kumo Europe B.V."
        " in Eindhoven, e.g. by J. Mori. Ends with the USA. Next"
    )
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "東京です。",
        "「本当？」",
        "はい！",
        "Mr. Smith arrived.",
        "It rained...",
        "Done?",
        "Yes.",
        "Sold by Kumo Europe B.V. in Eindhoven, e.g. by J. Mori.",
        "Ends with the USA.",
        "Next",
    ]


def test_chunks_keep_offsets_headings_and_never_cross_a_heading(embedder: Embedder) -> None:
    chunks = chunk_text(POLICY, embedder.count_tokens, target_tokens=40, overlap_tokens=10)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert POLICY[chunk.start : chunk.end] == chunk.text
        assert embedder.count_tokens(chunk.text) <= 40
        assert not chunk.text.lstrip().startswith("#")
    assert chunks[0].headings == ("就業規則", "休暇")
    assert chunks[-1].headings == ("就業規則", "経費")
    assert chunks[-1].indexed_text().startswith("就業規則 > 経費\n")
    assert chunks[-1].for_embedding("就業規則") == chunks[-1].indexed_text()  # said once, not twice
    assert chunks[-1].for_embedding("社内規程集") == "社内規程集\n" + chunks[-1].indexed_text()
    assert all("交通費" not in c.text for c in chunks if c.headings[-1] == "休暇")


def test_neighbouring_chunks_overlap_by_whole_sentences(embedder: Embedder) -> None:
    chunks = chunk_text(POLICY, embedder.count_tokens, target_tokens=40, overlap_tokens=20)
    same_section = [(a, b) for a, b in pairwise(chunks) if a.headings == b.headings]
    assert any(b.start < a.end for a, b in same_section)


def test_a_sentence_longer_than_the_budget_is_cut_to_fit(embedder: Embedder) -> None:
    text = "あ" * 2000
    chunks = chunk_text(text, embedder.count_tokens, target_tokens=50, overlap_tokens=0)
    assert "".join(c.text for c in chunks) == text
    assert all(embedder.count_tokens(c.text) <= 50 for c in chunks)


def test_bad_budgets_are_refused(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="overlap_tokens"):
        chunk_text("text", embedder.count_tokens, target_tokens=50, overlap_tokens=50)
