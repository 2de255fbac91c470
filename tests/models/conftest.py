"""A tiny randomly initialised Gemma-3-shaped model with its own byte-level tokenizer.

It has sliding-window and full-attention layers like the real model (with a window of 8 tokens,
so short texts already cross it; a twin with a wide window is where rows attend to a shared
prefix without copies) and builds in about a second: mechanics are tested here, behaviour on
the packaged models (joined once per pytest cache).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import Gemma3ForCausalLM, Gemma3TextConfig, PreTrainedTokenizerFast

from sakuin.models.packaged import PACKAGED_MODELS
from sakuin.models.transformers import TransformersModel

CORPUS = [
    "The capital of France is Paris. The capital of Japan is Tokyo.",
    "日本の首都は東京です。フランスの首都はパリです。",
    "Review: great product, works well.\nSentiment: positive",
    "レビュー：すぐに壊れました。\n感情：否定的",
] * 20


def build_tiny_model(directory: Path, *, sliding_window: int = 8, key_value_heads: int = 1) -> Path:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<pad>", "<eos>", "<bos>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>"
    )
    torch.manual_seed(0)
    config = Gemma3TextConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=4,
        num_attention_heads=2 * key_value_heads,
        num_key_value_heads=key_value_heads,
        head_dim=16,
        sliding_window=sliding_window,
        layer_types=["sliding_attention", "full_attention", "sliding_attention", "full_attention"],
        max_position_embeddings=512,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=2,
    )
    Gemma3ForCausalLM(config).save_pretrained(directory)
    fast.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def tiny(tiny_dir: Path, tmp_path: Path) -> TransformersModel:
    return TransformersModel.load(tiny_dir, tmp_path, name="tiny", context_length=256, batch_size=4)


@pytest.fixture(scope="session")
def tiny_wide_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A window wide enough for the test prompts, so shared-prefix attention applies; two key/value
    heads, each shared by two query heads, so grouped queries are regrouped per key/value head."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-wide-model"), sliding_window=256, key_value_heads=2)


@pytest.fixture
def tiny_wide(tiny_wide_dir: Path, tmp_path: Path) -> TransformersModel:
    return TransformersModel.load(tiny_wide_dir, tmp_path, name="tiny-wide", context_length=256, batch_size=4)


@pytest.fixture(scope="session")
def qwen05_gguf(models_dir: Path) -> Path:
    """The packaged Qwen2.5-Coder 0.5B Instruct, joined from its parts once per cache."""
    return PACKAGED_MODELS["qwen2.5-coder-0.5b-instruct"].locate(models_dir)
