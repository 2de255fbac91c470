"""Behaviour of the packaged Gemma 3 270M, offline, in both local backends."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from llama_cpp import Llama

from sakuin.models.base import LocalLanguageModel, ScoreRequest
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.models.transformers import TransformersModel
from sakuin.prompts import CAPITALS_EN, CAPITALS_JA, REVIEW_SENTIMENT
from tests.models.cases import MULTI_TOKEN, RANKING_CASES

pytestmark = pytest.mark.slow
BACKENDS = ["gemma_llama", "gemma_hf"]


@pytest.fixture(params=BACKENDS)
def gemma(request: pytest.FixtureRequest) -> LocalLanguageModel:
    model: LocalLanguageModel = request.getfixturevalue(request.param)
    return model


def test_loads_offline(gemma: LocalLanguageModel) -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert isinstance(gemma, LocalLanguageModel)
    assert gemma.context_length == 2048
    assert not gemma.has_chat_template  # the pretrained base model has none


@pytest.mark.parametrize(
    ("template", "question"),
    [(CAPITALS_EN, "What is the capital of Germany?"), (CAPITALS_JA, "ドイツの首都はどこですか？")],
)
def test_continues_few_shot_prompts_in_english_and_japanese(
    gemma: LocalLanguageModel, template, question
) -> None:  # type: ignore[no-untyped-def]
    done = gemma.generate(template.render(question), max_tokens=12, stop=["\n"])
    assert done.text.strip()
    assert "\n" not in done.text


@pytest.mark.parametrize(("prefix", "right", "wrong"), RANKING_CASES)
def test_obviously_right_continuation_ranks_first(
    gemma: LocalLanguageModel, prefix: str, right: str, wrong: str
) -> None:
    good, bad = gemma.score(prefix, [right, wrong])
    assert good > bad


def test_both_backends_rank_every_case_the_same(
    gemma_llama: LlamaCppModel, gemma_hf: TransformersModel
) -> None:
    for prefix, right, wrong in RANKING_CASES:
        a = gemma_llama.score(prefix, [right, wrong])
        b = gemma_hf.score(prefix, [right, wrong])
        assert (a[0] > a[1]) == (b[0] > b[1]), prefix
        # Q4_K_M in llama.cpp against its fp32 dequantisation in PyTorch: close, not equal
        assert a == pytest.approx(b, abs=1.0)


def test_llama_multi_token_score_equals_manual_sum(gemma_llama: LlamaCppModel, gemma_gguf) -> None:  # type: ignore[no-untyped-def]
    """Reference: llama-cpp-python's own public path, logits of every position in one evaluation."""
    reference = Llama(str(gemma_gguf), n_ctx=256, logits_all=True, verbose=False, n_threads=os.cpu_count())
    for prefix, continuation in MULTI_TOKEN:
        head = [reference.token_bos(), *gemma_llama.tokenize(prefix)]
        tail = gemma_llama.tokenize(continuation)
        assert len(tail) > 1
        reference.reset()
        reference.eval(head)  # same grouping as the scorer: prefix in one batch, continuation in another
        reference.eval(tail[:-1])
        logits = np.asarray(reference.scores[len(head) - 1 : len(head) + len(tail) - 1], dtype=np.float64)
        shifted = logits - logits.max(-1, keepdims=True)
        rows = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))  # log-softmax
        expected = float(rows[np.arange(len(tail)), tail].sum())
        assert gemma_llama.score(prefix, [continuation])[0] == pytest.approx(expected, abs=1e-4)
    reference.close()


def test_hf_multi_token_score_equals_manual_sum(gemma_hf: TransformersModel) -> None:
    for prefix, continuation in MULTI_TOKEN:
        head = [gemma_hf.bos_token_id, *gemma_hf.tokenize(prefix)]
        tail = gemma_hf.tokenize(continuation)
        with torch.inference_mode():
            logits = gemma_hf.model(input_ids=torch.tensor([head + tail])).logits[0].double()
        rows = torch.log_softmax(logits, -1)[len(head) - 1 : len(head) + len(tail) - 1]
        expected = float(rows[torch.arange(len(tail)), torch.tensor(tail)].sum())
        assert gemma_hf.score(prefix, [continuation])[0] == pytest.approx(expected, abs=1e-4)


REVIEWS = ["This phone is wonderful, I love it.", "壊れていて使えませんでした。", "最高の買い物でした！"]


def test_prefix_cache_matches_uncached_path(gemma: LocalLanguageModel) -> None:
    requests = [
        ScoreRequest(REVIEW_SENTIMENT.query(r), [" positive", " negative", " not sure at all"])
        for r in REVIEWS
    ]
    cached = gemma.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix())
    again = gemma.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix())
    uncached = gemma.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix(), use_cache=False)
    assert np.allclose(np.array(cached), np.array(uncached), atol=1e-4)
    assert np.allclose(np.array(cached), np.array(again), atol=1e-4)


def test_relative_scores_rank_labels_as_exact_scores_do(gemma: LocalLanguageModel) -> None:
    """What classification reads (a softmax over one item's labels) is the same either way."""
    labels = [" positive", " negative", " not sure"]
    requests = [ScoreRequest(REVIEW_SENTIMENT.query(r), labels) for r in REVIEWS]
    exact = np.array(gemma.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix()))
    relative = np.array(gemma.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix(), relative=True))
    offsets = exact - relative
    assert np.allclose(offsets, offsets[:, :1], atol=1e-3)


def test_generation_between_scorings_does_not_corrupt_the_cache(gemma_llama: LlamaCppModel) -> None:
    requests = [ScoreRequest(REVIEW_SENTIMENT.query(REVIEWS[0]), [" positive", " negative"])]
    before = gemma_llama.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix())
    gemma_llama.generate(REVIEW_SENTIMENT.prefix() + "Review: okay\nSentiment:", max_tokens=3)
    gemma_llama.generate("全く別の文章", max_tokens=3)
    after = gemma_llama.score_batch(requests, shared_prefix=REVIEW_SENTIMENT.prefix())
    assert after[0] == pytest.approx(before[0], abs=1e-4)


def test_hidden_states(gemma: LocalLanguageModel) -> None:
    states = gemma.hidden_states(["東京は日本の首都です。", "Paris is the capital of France.", "猫が好き"])
    assert states.shape == (3, 640)
    assert np.isfinite(states).all()


def test_token_logprobs_add_up_to_the_texts_score(gemma: LocalLanguageModel) -> None:
    """Each token's log-probability, given BOS and the tokens before it: the text's score in parts."""
    texts = [
        "光合成とは、植物が光のエネルギーを使って有機物をつくるはたらきである。",
        "The Nile is a river. " * 12,
        "猫",
    ]
    before = gemma.score_batch([ScoreRequest(REVIEW_SENTIMENT.query(REVIEWS[0]), [" positive"])])
    values = gemma.token_logprobs(texts)
    for text, logprobs in zip(texts, values, strict=True):
        assert len(logprobs) == len(gemma.tokenize(text))
        assert (logprobs <= 1e-3).all()
        # llama.cpp rounds by how tokens are grouped into a decode call: a few thousandths per token.
        assert float(logprobs.sum()) == pytest.approx(gemma.score("", [text])[0], abs=0.005 * len(logprobs))
    repeating = values[1][len(values[1]) // 2 :]
    assert (repeating > np.log(0.9)).mean() > 0.8  # a sentence said for the sixth time is foreseen
    after = gemma.score_batch([ScoreRequest(REVIEW_SENTIMENT.query(REVIEWS[0]), [" positive"])])
    assert after[0] == pytest.approx(before[0], abs=1e-4)


def test_token_logprobs_end_with_where_the_text_may_stop(gemma: LocalLanguageModel) -> None:
    """With ``ending``, one value more: likely after a whole sentence, unlikely in mid-sentence."""
    whole = "光合成とは、植物が光のエネルギーを使って有機物をつくるはたらきである。"
    cut = whole[:12]
    [plain] = gemma.token_logprobs([whole])
    ended, cut_off = gemma.token_logprobs([whole, cut], ending=True)
    assert len(ended) == len(plain) + 1 and len(cut_off) == len(gemma.tokenize(cut)) + 1
    assert ended[:-1] == pytest.approx(plain, abs=0.01)  # the text's own tokens are read as before
    # The ending counts a line break, a paragraph break and the end of the sequence together.
    breaks = float(np.logaddexp.reduce(gemma.score(whole, ["\n", "\n\n"])))
    assert breaks <= ended[-1] + 0.01 <= 0.01
    assert cut_off[-1] < ended[-1] - 3  # cut off, the model expects more, by e^3 at least
