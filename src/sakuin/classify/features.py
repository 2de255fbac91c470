"""Cheap per-item features for the ``distill`` head.

The head only has to imitate the model's own labels, so its features should be much cheaper
than the forward pass they replace. The default reads the language model's input token
embeddings and mean-pools them (its layer-0 hidden state: a table lookup, no transformer layers);
``hidden`` runs the whole model for its last pooled hidden state and ``e5`` uses the packaged
embedder, both better features but far slower. Rows with several text columns get each column's
vector plus, for each neighbouring pair, their absolute difference and product, which is where
pair tasks (inference, matching) find their signal.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np

from sakuin.classify.engines import Row
from sakuin.classify.task import Task
from sakuin.errors import UnsupportedByBackendError
from sakuin.models.base import LanguageModel, LocalLanguageModel

FeatureKind = Literal["embeddings", "hidden", "e5"]
TextFeatures = Callable[[Sequence[str]], np.ndarray]


def text_features(model: LanguageModel, kind: FeatureKind) -> TextFeatures:
    """A function from texts to one feature vector each, of the chosen kind."""
    if kind == "e5":
        from sakuin.embeddings import load_embedder

        return load_embedder("multilingual-e5-small").embed_passages
    if not isinstance(model, LocalLanguageModel):
        raise UnsupportedByBackendError(
            f"distill features '{kind}' need an in-process model (llama_cpp or transformers); "
            "use --features e5 with the openai backend."
        )
    if kind == "hidden":
        return model.hidden_states
    return TokenEmbeddingBag(model)


class TokenEmbeddingBag:
    """Mean of the model's input embeddings over a text's tokens: layer 0, without any layer."""

    def __init__(self, model: LocalLanguageModel) -> None:
        self.model = model
        self.lookup = input_embeddings(model)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        tokens = [self.model.tokenize(text) for text in texts]
        vocabulary = np.unique(np.fromiter((t for ids in tokens for t in ids), dtype=np.int64))
        table = self.lookup(vocabulary) if len(vocabulary) else np.zeros((0, 1), dtype=np.float32)
        position = {int(t): i for i, t in enumerate(vocabulary)}
        vectors = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        for i, ids in enumerate(tokens):
            if ids:
                vectors[i] = table[[position[t] for t in ids]].mean(axis=0)
        return vectors


def input_embeddings(model: LocalLanguageModel) -> Callable[[np.ndarray], np.ndarray]:
    """A lookup of token ids in the model's input embedding matrix, for either local backend.

    A GGUF's matrix stays quantised in the memory-mapped file and only the rows asked for are
    dequantised, so the first call costs milliseconds instead of dequantising the whole vocabulary.
    """
    network = getattr(model, "model", None)
    if network is not None and hasattr(network, "get_input_embeddings"):
        import torch  # already loaded: only the transformers backend has a network

        weights = network.get_input_embeddings().weight.detach()
        # rows are looked up before converting: bfloat16 has no numpy type, and the whole
        # vocabulary in float32 would be a needless copy of hundreds of MB
        return lambda ids: weights[torch.from_numpy(ids)].float().numpy()
    path = getattr(model, "path", None)
    if path is None:
        raise UnsupportedByBackendError(f"{model.name}: no token embeddings to read; use --features e5.")
    import gguf

    tensor = next(t for t in gguf.GGUFReader(path).tensors if t.name == "token_embd.weight")

    def lookup(ids: np.ndarray) -> np.ndarray:
        rows: np.ndarray = gguf.quants.dequantize(tensor.data[ids], tensor.tensor_type)
        return rows.astype(np.float32, copy=False).reshape(len(ids), -1)

    return lookup


def row_features(rows: Sequence[Row], task: Task, features: TextFeatures) -> np.ndarray:
    """Feature matrix of ``rows``: per-column vectors, plus the relation of neighbouring columns."""
    per_column = [features([str(row[c]) for row in rows]) for c in task.text_columns]
    relations = [relation_features(left, right) for left, right in itertools.pairwise(per_column)]
    return np.concatenate([*per_column, *relations], axis=1)


def relation_features(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """|a-b| and a*b of two texts' vectors: where a pair's relation (entails, answers) shows."""
    return np.concatenate([np.abs(left - right), left * right], axis=1)
