"""Every embedder: unit vectors of its dimension, Japanese and English meaning, token counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

from sakuin.embeddings import Embedder, load_embedder
from sakuin.errors import ConfigError

PACKAGED = ["multilingual-e5-small", "universal-sentence-encoder-multilingual"]


@pytest.fixture(scope="module", params=PACKAGED)
def packaged(request: pytest.FixtureRequest) -> Embedder:
    return load_embedder(request.param)


def test_vectors_are_unit_length_with_the_declared_dimension(packaged: Embedder) -> None:
    vectors = packaged.embed_passages(["東京は日本の首都です。", "Paris is the capital of France.", "猫"])
    assert vectors.shape == (3, packaged.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert packaged.embed_queries([]).shape == (0, packaged.dim)


@pytest.mark.parametrize(
    ("query", "right", "wrong"),
    [
        ("日本の首都はどこですか", "東京は日本の首都です。", "この猫は毎日よく眠ります。"),
        (
            "What is the capital of France?",
            "Paris is the capital of France.",
            "Bananas are rich in potassium.",
        ),
        ("有給休暇の日数", "年次有給休暇は10日付与されます。", "交通費は実費で精算します。"),
    ],
)
def test_meaning_ranks_the_right_passage_first(
    packaged: Embedder, query: str, right: str, wrong: str
) -> None:
    q = packaged.embed_queries([query])[0]
    good, bad = packaged.embed_passages([right, wrong]) @ q
    assert good > bad


def test_token_counts_grow_with_text(packaged: Embedder) -> None:
    assert 0 < packaged.count_tokens("東京") < packaged.count_tokens("東京は日本の首都です。" * 5)


def build_sentence_transformer(directory: Path) -> Path:
    """A tiny random BERT with mean pooling, saved as a sentence-transformers directory."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as st_models

    corpus = ["東京は日本の首都です。", "Paris is the capital of France.", "猫が好きです。"] * 10
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer()
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        corpus,
        trainers.WordPieceTrainer(
            vocab_size=200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        ),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    hf_dir = directory / "hf"
    config = BertConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(hf_dir)
    fast.save_pretrained(hf_dir)
    transformer = st_models.Transformer(str(hf_dir), max_seq_length=64)
    pooling = st_models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    st_dir = directory / "tiny-st"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(st_dir))
    return st_dir


def test_any_sentence_transformers_directory(tmp_path: Path) -> None:
    embedder = load_embedder(str(build_sentence_transformer(tmp_path)))
    assert embedder.dim == 32 and embedder.name == "sentence-transformers:tiny-st"
    vectors = embedder.embed_passages(["東京は日本の首都です。", "Paris"])
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(embedder.embed_passages(["Paris"])[0], vectors[1], atol=1e-5)
    assert embedder.count_tokens("東京は日本の首都です。") > 1


def test_unknown_embedders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown embedder 'word2vec'"):
        load_embedder("word2vec")
