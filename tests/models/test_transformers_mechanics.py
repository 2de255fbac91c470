"""Mechanics of the transformers backend on a tiny random model: fast, and exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from sakuin.errors import ChatTemplateMissingError, ContextOverflowError, EmptyPromptError
from sakuin.models import shared_prefix
from sakuin.models.base import LocalLanguageModel, Message, ScoreRequest
from sakuin.models.transformers import TransformersModel

SHARED = "Review: great product, works well.\nSentiment: positive\n\n" * 3  # longer than the window of 8
REQUESTS = [
    ScoreRequest("The capital of France is", [" Paris", " Tokyo", " a very large city"]),
    ScoreRequest("日本の首都は", ["東京", "パリ"]),
    ScoreRequest("", ["x", ""]),
]


def manual_sum(model: TransformersModel, tokens: list[int], continuation: list[int]) -> float:
    """Reference: one plain forward over the whole sequence, then token-by-token log-softmax."""
    with torch.inference_mode():
        logits = model.model(input_ids=torch.tensor([tokens + continuation])).logits[0].double()
    logprobs = torch.log_softmax(logits, dim=-1)
    return sum(float(logprobs[len(tokens) + k - 1, t]) for k, t in enumerate(continuation))


def test_satisfies_the_local_protocol(tiny: TransformersModel) -> None:
    assert isinstance(tiny, LocalLanguageModel)


def test_score_equals_manual_token_by_token_sum(tiny: TransformersModel) -> None:
    prefix, continuations = "The capital of France is", [" Paris", " a very large city", "日本の首都"]
    assert tiny.bos_token_id is not None
    head = [tiny.bos_token_id, *tiny.tokenize(prefix)]
    expected = [manual_sum(tiny, head, tiny.tokenize(c)) for c in continuations]
    assert all(len(tiny.tokenize(c)) > 1 for c in continuations[1:])
    assert tiny.score(prefix, continuations) == pytest.approx(expected, abs=1e-4)


def test_prefix_cache_matches_uncached_path(tiny: TransformersModel) -> None:
    cached = tiny.score_batch(REQUESTS, shared_prefix=SHARED, use_cache=True)
    uncached = tiny.score_batch(REQUESTS, shared_prefix=SHARED, use_cache=False)
    assert np.allclose(np.concatenate(cached), np.concatenate(uncached), atol=1e-4)
    # and again, now that the cache is warm
    assert np.allclose(
        np.concatenate(tiny.score_batch(REQUESTS, shared_prefix=SHARED)), np.concatenate(cached), atol=1e-4
    )


def test_shared_prefix_is_the_same_as_a_separately_tokenised_manual_sum(tiny: TransformersModel) -> None:
    assert tiny.bos_token_id is not None
    head = [tiny.bos_token_id, *tiny.tokenize(SHARED), *tiny.tokenize("日本の首都は")]
    expected = manual_sum(tiny, head, tiny.tokenize("東京"))
    assert tiny.score_batch(REQUESTS, shared_prefix=SHARED)[1][0] == pytest.approx(expected, abs=1e-4)


def test_batch_size_and_padding_do_not_change_scores(tiny: TransformersModel) -> None:
    batched = tiny.score_batch(REQUESTS, shared_prefix=SHARED)
    tiny.batch_size = 1
    one_by_one = tiny.score_batch(REQUESTS, shared_prefix=SHARED)
    assert np.allclose(np.concatenate(batched), np.concatenate(one_by_one), atol=1e-4)


def test_empty_continuation_scores_zero(tiny: TransformersModel) -> None:
    assert tiny.score_batch(REQUESTS)[2][1] == 0.0
    assert tiny.score("anything", []) == []


def test_hidden_states_shape_and_padding_invariance(tiny: TransformersModel) -> None:
    texts = ["short", "a much longer text that needs padding in a batch", "日本語の文"]
    together = tiny.hidden_states(texts)
    alone = np.stack([tiny.hidden_states([t])[0] for t in texts])
    assert together.shape == (3, 32)
    assert np.allclose(together, alone, atol=1e-4)
    assert tiny.hidden_states(texts, layer=1).shape == (3, 32)
    assert not np.allclose(tiny.hidden_states(texts, layer=1), together)


def test_greedy_generation_is_deterministic_and_respects_max_tokens(tiny: TransformersModel) -> None:
    first = tiny.generate("The capital of France", max_tokens=6)
    assert first == tiny.generate("The capital of France", max_tokens=6)
    assert first.completion_tokens <= 6
    assert first.prompt_tokens == len(tiny.tokenize("The capital of France")) + 1


def test_seeded_sampling_repeats(tiny: TransformersModel) -> None:
    a = tiny.generate("日本の", max_tokens=8, temperature=1.0, seed=7)
    b = tiny.generate("日本の", max_tokens=8, temperature=1.0, seed=7)
    assert a.text == b.text


def test_stream_joins_to_generate(tiny: TransformersModel) -> None:
    assert (
        "".join(tiny.stream("The capital", max_tokens=8)) == tiny.generate("The capital", max_tokens=8).text
    )


def test_bad_prompts_raise_specific_errors(tiny: TransformersModel) -> None:
    with pytest.raises(EmptyPromptError):
        tiny.generate("   ")
    with pytest.raises(ContextOverflowError, match="context window is 256"):
        tiny.generate("Paris " * 400)
    with pytest.raises(ContextOverflowError):
        tiny.score("Paris " * 400, [" x"])
    with pytest.raises(ChatTemplateMissingError, match="no chat template"):
        tiny.generate([Message("user", "hello")])


def test_generation_stops_at_the_context_window(tiny: TransformersModel) -> None:
    prompt = "Paris " * 120
    room = tiny.context_length - tiny.count_tokens(prompt)
    done = tiny.generate(prompt, max_tokens=1000)
    assert done.completion_tokens <= room


@pytest.mark.parametrize("name", ["tiny", "tiny_wide"])  # the copied prefix cache, then the shared one
def test_relative_scores_differ_from_exact_by_one_constant_per_request(
    name: str, request: pytest.FixtureRequest
) -> None:
    model: TransformersModel = request.getfixturevalue(name)
    exact = model.score_batch(REQUESTS[:2], shared_prefix=SHARED)
    relative = model.score_batch(REQUESTS[:2], shared_prefix=SHARED, relative=True)
    for exact_row, relative_row in zip(exact, relative, strict=True):
        offsets = np.array(exact_row) - np.array(relative_row)
        assert np.ptp(offsets) < 1e-4  # one constant for the request ...
        assert abs(offsets[0]) > 1e-3  # ... and it is the normaliser, which was really skipped


@pytest.mark.parametrize("directory", ["tiny_dir", "tiny_wide_dir"])
def test_bfloat16_precision_scores_close_to_float32(
    directory: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    weights = request.getfixturevalue(directory)
    exact = TransformersModel.load(weights, tmp_path, name="tiny", context_length=256)
    fast = TransformersModel.load(weights, tmp_path, name="tiny", context_length=256, precision="bfloat16")
    assert next(fast.model.parameters()).dtype == torch.bfloat16
    reference = np.concatenate(exact.score_batch(REQUESTS, shared_prefix=SHARED))
    approximate = np.concatenate(fast.score_batch(REQUESTS, shared_prefix=SHARED))
    assert np.allclose(reference, approximate, atol=0.1 * np.abs(reference).max())
    assert fast.hidden_states(["東京"]).dtype == np.float32


def test_two_pass_scoring_behind_padded_items_equals_manual_sums(tiny: TransformersModel) -> None:
    """Items of different lengths, labels of several tokens: the second pass reads labels behind padding."""
    requests = [ScoreRequest("Paris", [" Tokyo", "京"]), ScoreRequest("The capital of", [" Paris", "本"])]
    layout = tiny.layout(requests, "", use_cache=False)
    assert tiny._fits_window(layout)  # everything within the window of 8: the two-pass path
    assert len({len(p) for p in layout.prefixes}) == 2
    assert any(len(c) > 1 for conts in layout.continuations for c in conts)
    assert tiny.bos_token_id is not None
    expected = [
        [
            manual_sum(tiny, [tiny.bos_token_id, *tiny.tokenize(r.prefix)], tiny.tokenize(c))
            for c in r.continuations
        ]
        for r in requests
    ]
    assert np.allclose(tiny.score_batch(requests, use_cache=False), expected, atol=1e-4)


def test_rows_attend_to_the_uncopied_shared_prefix_exactly(tiny_wide: TransformersModel) -> None:
    """Prefix attended once for all rows, rows' own tokens under their mask, halves merged."""
    layout = tiny_wide.layout(REQUESTS, SHARED, use_cache=True)
    assert tiny_wide._fits_window(layout)
    assert tiny_wide.model.config._attn_implementation == shared_prefix.NAME
    assert tiny_wide.bos_token_id is not None
    head = [tiny_wide.bos_token_id, *tiny_wide.tokenize(SHARED)]
    tokens = tiny_wide.tokenize
    expected = [
        [manual_sum(tiny_wide, head + tokens(r.prefix), tokens(c)) for c in r.continuations] for r in REQUESTS
    ]
    exact = tiny_wide.score_batch(REQUESTS, shared_prefix=SHARED)
    assert np.allclose(np.concatenate(exact), np.concatenate(expected), atol=1e-4)
    # without a shared prefix (generation, hidden states) the same function is plain attention
    ids = torch.tensor([tiny_wide._prompt_tokens("日本の首都は東京です。")])
    with torch.inference_mode():
        ours = tiny_wide.model(input_ids=ids).logits
        tiny_wide.model.set_attn_implementation("eager")
        assert torch.allclose(ours, tiny_wide.model(input_ids=ids).logits, atol=1e-5)
