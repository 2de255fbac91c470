"""Lexical terms: MeCab words plus kanji/katakana bigrams, so segmentation quirks do not hide a match."""

from __future__ import annotations

from sakuin.knowledge.lexical import bigrams, match_query, terms, words


def test_words_drop_particles_and_fold_width_and_case() -> None:
    assert words("日本の首都はＴｏｋｙｏです。") == ["日本", "首都", "tokyo"]


def test_bigrams_cover_kanji_and_katakana_runs_only() -> None:
    assert bigrams("新製品ゼフィロスを発売") == [
        "新製",
        "製品",
        "品ゼ",
        "ゼフ",
        "フィ",
        "ィロ",
        "ロス",
        "発売",
    ]
    assert bigrams("これはペンです") == ["ペン"]
    assert bigrams("それはいいですね") == []


def test_query_and_passage_share_terms_even_when_mecab_cuts_them_differently() -> None:
    passage, query = "新製品ゼフィロスを来月発売します。", "ゼフィロスとは何ですか"
    assert "ゼフィロス" in words(passage) and "ゼフィロス" not in words(query)  # the quirk
    assert set(terms(query)) & set(terms(passage)) >= {"ゼフ", "フィ", "ィロ", "ロス"}


def test_match_query_quotes_terms_and_handles_empty_queries() -> None:
    assert match_query('he said "hi"') == '"he" OR "hi" OR "said"'
    assert match_query("。、！") is None
