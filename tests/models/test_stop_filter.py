"""Stop strings split across tokens, and the accounting of how a generation ended."""

from __future__ import annotations

from sakuin.models.base import Generation, StopFilter


def run(pieces: list[str], stop: list[str], max_tokens: int = 100) -> tuple[str, Generation]:
    generation = Generation(iter(pieces), stop, prompt_tokens=3, max_tokens=max_tokens)
    return "".join(generation), generation


def test_stop_split_across_pieces_is_never_emitted() -> None:
    text, gen = run(["Paris", " is", "\n", "\nQ", ": next"], ["\n\n"])
    assert text == "Paris is"
    assert gen.finish_reason == "stop"


def test_partial_match_that_does_not_complete_is_released() -> None:
    text, _ = run(["a", "\n", "b", "c"], ["\n\n"])
    assert text == "a\nbc"


def test_earliest_of_several_stops_wins() -> None:
    text, _ = run(["東京です。", "次の質問"], ["。", "次"])
    assert text == "東京です"


def test_length_finish_when_the_budget_is_spent() -> None:
    text, gen = run(["a", "b", "c"], [], max_tokens=3)
    assert (text, gen.finish_reason, gen.completion_tokens) == ("abc", "length", 3)


def test_empty_pieces_count_as_tokens() -> None:
    # a character split over two tokens yields "" for the first of them
    _, gen = run(["", "東"], [], max_tokens=2)
    assert gen.completion_tokens == 2


def test_filter_holds_back_only_a_possible_stop_prefix() -> None:
    stop_filter = StopFilter(["END"])
    assert stop_filter.feed("abcE") == "abc"
    assert stop_filter.feed("N") == ""
    assert stop_filter.feed("X") == "ENX"
    assert stop_filter.flush() == ""
