"""What the distilled judge reads off a text: the model's token embeddings and cheap measures.

A bag of token embeddings sees which words a text holds but not their order or how often a
line comes back, so a head on it alone could not learn what the judge's fluency check sees
(``benchmarks/curate.py``: held-out ROC-AUC 0.18 on machine-repeated text, 0.34 on shuffled
words). The measures added here are those of the heuristic filters that need no word
segmentation (MeCab would cost more than the rest of the head together): shares of repeated
lines and paragraphs, of lines that end like a sentence, symbols, digits, URLs, boilerplate,
Japanese characters, hiragana and mojibake, and the length; and how far zlib compresses the
text, which sees a sentence said over and over on one line, where no line repeats. They are
features, not rules: the head learns from the judge how much each matters.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

import numpy as np

from sakuin.classify.features import FeatureKind, TextFeatures, text_features
from sakuin.curate.filters import (
    Boilerplate,
    Filter,
    Japanese,
    Mojibake,
    Ratios,
    TerminalPunctuation,
    duplicate_share,
)
from sakuin.curate.text import lines, paragraphs, visible
from sakuin.models.base import LanguageModel

# Filters whose measures read characters and lines only (no MeCab), each at its defaults.
SEGMENTATION_FREE: tuple[Filter, ...] = (
    Ratios(),
    Boilerplate(),
    TerminalPunctuation(),
    Japanese(),
    Mojibake(),
)
MEASURES = (
    *(name for f in SEGMENTATION_FREE for name in f.measures("")),
    *("dup_lines", "dup_line_chars", "dup_paragraphs", "dup_paragraph_chars", "log_chars", "compressed"),
)


def text_measures(texts: Sequence[str]) -> np.ndarray:
    """(texts, measures): the word-free filters' measures, repeated lines and paragraphs, log length
    and compression, in the order of :data:`MEASURES`.

    A measure that does not apply (hiragana in English text) is -1, a value no share takes.
    """
    rows = []
    for text in texts:
        values = [v for f in SEGMENTATION_FREE for v in f.measures(text).values()]
        values += [
            *duplicate_share(lines(text)),
            *duplicate_share(paragraphs(text)),
            math.log1p(visible(text)),
            compressed_share(text),
        ]
        rows.append([-1.0 if math.isnan(v) else v for v in values])
    return np.array(rows, dtype=np.float32).reshape(len(texts), len(MEASURES))


def compressed_share(text: str) -> float:
    """zlib's output over its input, in UTF-8 bytes: low for text that repeats itself."""
    raw = text.encode("utf-8")
    return len(zlib.compress(raw)) / len(raw) if raw else 1.0


def judge_features(model: LanguageModel, kind: FeatureKind) -> TextFeatures:
    """The classification features of ``kind`` followed by :func:`text_measures`."""
    vectors = text_features(model, kind)
    return lambda texts: np.concatenate([vectors(texts), text_measures(texts)], axis=1)
