"""Reading a request: language, task, subject terms, length and tone."""

from __future__ import annotations

import pytest

from sakuin.language import language_of
from sakuin.write.request import contains_term, read_request, subject_terms


@pytest.mark.parametrize(
    ("text", "language"),
    [("ホシゾラ X3 の価格は？", "ja"), ("What is the price of the X3?", "en"), ("R2 の重量", "ja")],
)
def test_language_follows_the_script(text: str, language: str) -> None:
    assert language_of(text) == language


def test_subject_terms_keep_names_and_model_numbers_and_drop_the_task() -> None:
    assert subject_terms("ホシゾラ X3 の営業向け紹介文を書いてください。") == ("ホシゾラ", "x3")
    assert subject_terms("Write a short introduction to the Hakobu Gripper HG-3.") == (
        "hakobu",
        "gripper",
        "hg-3",
    )
    assert subject_terms("How many days a week can employees work remotely?") == (
        "days",
        "week",
        "employees",
        "work",
        "remotely",
    )


def test_the_output_language_is_not_a_subject() -> None:
    assert subject_terms("リモートワーク規程を日本語で要約してください。") == ("リモート", "ワーク", "規程")
    assert "english" not in subject_terms("Summarise the leave policy in English")


def test_task_length_and_tone_are_read_from_the_request() -> None:
    request = read_request("ツバメ T5 の営業向け紹介文を 200 字程度で、丁寧に書いてください。")
    assert (request.language, request.task, request.target_chars, request.tone) == (
        "ja",
        "write",
        200,
        "formal",
    )
    question = read_request("What is the payload of the Kumo Arm R2?")
    assert question.task == "answer"
    assert read_request("Write 3 sentences about the R2", target_chars=90).target_chars == 90


def test_terms_match_whole_latin_words_and_japanese_substrings() -> None:
    assert contains_term("The Kumo Arm R2 ships in April.", "r2")
    assert not contains_term("The Kumo Arm R20 ships in April.", "r2")
    assert contains_term("ホシゾラX3は倉庫用のドローンです。", "ホシゾラ")
    assert contains_term("ＨＺ－Ｘ３（全角）", "x3")  # NFKC folds full-width letters


def test_english_terms_match_their_regular_inflections_but_model_numbers_only_as_written() -> None:
    assert contains_term("The Sorano kettle holds 1.5 litres.", "hold")
    assert contains_term("Submit each claim with receipts.", "claims")
    assert contains_term("The LED lasts 40,000 hours.", "led") and not contains_term("the ledger", "led")
    assert not contains_term("the R20 arm", "r2") and not contains_term("holder", "hold")
