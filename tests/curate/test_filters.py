"""Each heuristic filter on hand-written edge cases, in Japanese and English."""

from __future__ import annotations

import pytest

from sakuin.curate.filters import FILTERS, make_filter
from sakuin.curate.records import CurateError
from tests.curate.conftest import GOOD

JA, _, EN, _ = GOOD


def reason(name: str, text: str, **params: object) -> str | None:
    return make_filter(name, dict(params)).reason(text)


@pytest.mark.parametrize("text", GOOD)
def test_good_paragraphs_pass_every_filter(text: str) -> None:
    for name in FILTERS:
        assert reason(name, text) is None, name


def test_length_counts_morphemes_for_japanese_and_words_for_english() -> None:
    assert reason("length", "短い文です。", min_chars=5) == "length: words 3 < 10"  # 短い・文・です
    assert reason("length", "Too short to keep.") == "length: chars 15 < 50"
    assert reason("length", EN, max_words=20) is not None
    ja = make_filter("length").measures(JA)
    assert 25 <= ja["words"] <= 45  # 東京 / は / 日本 / の / 首都 ...: morphemes, not characters


def test_repetition_finds_repeated_lines_and_ngrams() -> None:
    assert reason("repetition", "\n".join(["同じ行です。"] * 4 + ["違う行。"])).startswith(  # type: ignore[union-attr]
        "repetition: dup_lines"
    )
    spam = " ".join(["buy cheap shoes online now"] * 30)
    assert "gram" in (reason("repetition", spam) or "")
    assert reason("repetition", JA * 3) is not None  # a paragraph pasted three times


def test_gopher_quality_english_word_shape_and_japanese_stop_words() -> None:
    assert "mean_word_length" in (reason("gopher_quality", "a b c d e f g h i j k l m n o p the and") or "")
    assert "stop_words" in (reason("gopher_quality", "東京 大阪 名古屋 福岡 札幌 仙台 広島 京都") or "")
    assert "symbol_word_ratio" in (
        reason("gopher_quality", "# Heading # section ... with the longer words ... # #") or ""
    )
    bullets = "\n".join(f"- element number {i} within the longer listing" for i in range(10))
    assert "bullet_lines" in (reason("gopher_quality", bullets) or "")


def test_ratios_of_symbols_digits_and_urls() -> None:
    assert "symbols" in (reason("ratios", "★★★ 最新情報 ★★★ ☆☆☆ ■■■ ◆◆◆ ===") or "")
    assert "digits" in (reason("ratios", "電話 03-1234-5678 FAX 03-8765-4321 受付 9:00-18:00") or "")
    assert "url_chars" in (reason("ratios", "See https://example.com/a/very/long/path?q=1 now") or "")


def test_boilerplate_lines_japanese_and_english() -> None:
    assert reason("boilerplate", "ログイン\n会員登録\n利用規約\n本文の一行です。") is not None
    assert reason("boilerplate", "Click here to read more.\nAccept cookies.\nOne real line.") is not None
    one_in_four = "\n".join(["Cookies are baked in an oven.", EN, GOOD[3], "The end of the story."])
    assert reason("boilerplate", one_in_four) is None


def test_terminal_punctuation_c4() -> None:
    assert reason("terminal_punctuation", "見出し\nメニュー\nリンク\n一文だけ終わる。") is not None
    assert reason("terminal_punctuation", "「こんにちは」\nHe said yes!\n本当に？") is None


def test_japanese_share_and_hiragana() -> None:
    assert "hiragana" in (reason("japanese", "東京都千代田区丸の内一丁目 株式会社 本社所在地 電話番号") or "")
    assert reason("japanese", EN) is None  # English text has no hiragana rule
    assert "japanese" in (reason("japanese", EN, min_japanese=0.5) or "")


def test_mojibake_from_the_usual_wrong_decodings() -> None:
    assert reason("mojibake", JA.encode("utf-8").decode("cp932", errors="replace")) is not None
    assert reason("mojibake", JA.encode("utf-8").decode("latin-1")) is not None
    assert reason("mojibake", "caf\u00c3\u00a9 and na\u00c3\u00afve text with more words here") is not None
    assert reason("mojibake", JA.encode("euc-jp").decode("latin-1")) is not None
    assert reason("mojibake", "café, naïve, Ångström: accents are not mojibake.") is None


def test_severity_is_above_one_exactly_when_removed() -> None:
    length = make_filter("length")
    assert length.severity("short") > 1 > length.severity(EN)


def test_unknown_filters_and_parameters_are_listed() -> None:
    with pytest.raises(CurateError, match="the filters are"):
        make_filter("nonsense")
    with pytest.raises(CurateError, match="its parameters are"):
        make_filter("length", {"min_letters": 3})
