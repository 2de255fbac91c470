"""Turning next-token logits into the log-probability of a continuation.

Shared by every in-process backend so that "the score of a continuation" means one thing:
the sum, over the continuation's tokens, of log-softmax(logits at the preceding position).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScoreRow:
    """One (request, continuation) pair laid out as the tokens the model must read.

    ``tokens`` ends just before the continuation's last token (that token is only a target);
    ``first`` is the position in ``tokens`` whose logits predict the continuation's first token.
    """

    request: int
    continuation: int
    tokens: list[int]
    targets: list[int]

    @property
    def first(self) -> int:
        return len(self.tokens) - len(self.targets)

    @property
    def positions(self) -> range:
        """Positions in ``tokens`` whose logits are read: one per target token."""
        return range(self.first, len(self.tokens))


def build_rows(
    lead: Sequence[int], prefixes: Sequence[list[int]], continuations: Sequence[Sequence[list[int]]]
) -> list[ScoreRow]:
    """Rows ``lead + prefix + continuation[:-1]`` for every request and non-empty continuation.

    ``lead`` is at least one token (the last token before the prefix), so the first continuation
    token is always predicted from inside the row.
    """
    rows = []
    for r, (prefix, conts) in enumerate(zip(prefixes, continuations, strict=True)):
        for c, cont in enumerate(conts):
            if cont:
                rows.append(ScoreRow(r, c, [*lead, *prefix, *cont[:-1]], list(cont)))
    return rows


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable log-softmax over the last axis, in float64 for summing many tokens."""
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    result: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return result


def empty_scores(continuations: Sequence[Sequence[list[int]]]) -> list[list[float]]:
    """Zero for every continuation: an empty continuation has probability one."""
    return [[0.0] * len(conts) for conts in continuations]
