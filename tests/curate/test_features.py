"""The text measures the distilled judge reads beside the token embeddings, on hand-written cases."""

from __future__ import annotations

import math

import numpy as np

from sakuin.curate.features import MEASURES, text_measures


def measured(text: str) -> dict[str, float]:
    return dict(zip(MEASURES, text_measures([text])[0].tolist(), strict=True))


def test_repeated_lines_and_paragraphs_are_measured_in_japanese_and_english() -> None:
    ja = measured("今日は晴れです。\n今日は晴れです。\n明日は雨です。")
    assert ja["dup_lines"] == np.float32(1 / 3) and ja["dup_paragraphs"] == 0.0
    en = measured("It rains.\n\nIt rains.")
    assert (en["dup_lines"], en["dup_paragraphs"]) == (0.5, 0.5)


def test_a_text_cut_off_has_no_line_that_ends_like_a_sentence() -> None:
    assert measured("光合成とは、植物が光のエネルギーを使って")["terminal_lines"] == 0.0
    assert measured("光合成とは、植物のはたらきである。")["terminal_lines"] == 1.0
    assert measured("The Nile flows north and")["terminal_lines"] == 0.0


def test_a_measure_that_does_not_apply_is_minus_one_and_never_nan() -> None:
    english = measured("The Nile is a river in Africa.")
    assert english["hiragana"] == -1.0 and english["japanese"] == 0.0
    japanese = measured("東京は日本の首都である。")
    assert 0.0 < japanese["hiragana"] < 1.0
    assert not np.isnan(text_measures(["", " ", "a"])).any()
    assert measured("")["log_chars"] == 0.0 and math.isclose(
        measured("abc")["log_chars"], math.log(4), rel_tol=1e-6
    )


def test_mojibake_symbols_and_boilerplate_each_have_their_measure() -> None:
    assert measured("縺薙ｓ縺ｫ縺｡縺ｯ縲∽ｸ也阜")["mojibake"] > 0.2
    assert measured("#### *** ||| ###")["symbols"] > 0.5
    assert measured("ログイン | 会員登録\n利用規約")["boilerplate_lines"] == 1.0


def test_no_texts_give_an_empty_matrix_of_the_right_width() -> None:
    assert text_measures([]).shape == (0, len(MEASURES))


def test_a_sentence_said_over_and_over_on_one_line_compresses_far_more_than_prose() -> None:
    sentence = "光合成とは、植物が光のエネルギーを使って有機物をつくるはたらきである。"
    prose = (
        "東京は日本の首都であり、政治や経済の中心地である。"
        "人口はおよそ千四百万人で、多くの企業が本社を置いている。"
    )
    again = measured(sentence * 4)
    assert again["dup_lines"] == 0.0  # one line: no line repeats
    assert again["compressed"] < 0.5 * measured(prose)["compressed"]
