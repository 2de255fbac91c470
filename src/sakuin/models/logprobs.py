"""Turning next-token logits into the log-probability of a continuation.

Shared by every in-process backend so that "the score of a continuation" means one thing:
the sum, over the continuation's tokens, of log-softmax(logits at the preceding position).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Read:
    """Where one continuation's tokens are predicted inside a row: from position ``first`` on."""

    request: int
    continuation: int
    first: int
    targets: list[int]

    @property
    def positions(self) -> range:
        return range(self.first, self.first + len(self.targets))


@dataclass
class ScoreRow:
    """Tokens the model reads once, and every continuation whose score comes from them."""

    tokens: list[int]
    reads: list[Read] = field(default_factory=list)


def build_rows(
    lead: Sequence[int], prefixes: Sequence[list[int]], continuations: Sequence[Sequence[list[int]]]
) -> list[ScoreRow]:
    """Rows ``lead + prefix + continuation[:-1]``, each distinct sequence read only once.

    Continuations of one request share the row of their longest sibling when they are a prefix
    of it: every single-token label of an item is read from the same positions, so scoring
    five labels costs one row, not five. ``lead`` is at least one token, so the first
    continuation token is always predicted inside the row.
    """
    rows: list[ScoreRow] = []
    for r, (prefix, conts) in enumerate(zip(prefixes, continuations, strict=True)):
        context = [*lead, *prefix]
        mine: list[ScoreRow] = []
        for c in sorted((c for c, cont in enumerate(conts) if cont), key=lambda c: -len(conts[c])):
            cont = conts[c]
            tokens = context + cont[:-1]
            row = next((row for row in mine if row.tokens[: len(tokens)] == tokens), None)
            if row is None:
                row = ScoreRow(tokens)
                mine.append(row)
            row.reads.append(Read(r, c, len(context) - 1, list(cont)))
        rows.extend(mine)
    return rows


def log_normaliser(logits: np.ndarray) -> np.ndarray:
    """log-sum-exp of each row: a token's log-probability is its logit minus this.

    Cheaper than a full log-softmax over a 262k vocabulary when only a few tokens are read;
    summed in float64 so long continuations do not accumulate rounding.
    """
    top = logits.max(axis=-1)
    total = np.exp(logits - top[:, None]).sum(axis=-1, dtype=np.float64)
    result: np.ndarray = top.astype(np.float64) + np.log(total)
    return result


def empty_scores(continuations: Sequence[Sequence[list[int]]]) -> list[list[float]]:
    """Zero for every continuation: an empty continuation has probability one."""
    return [[0.0] * len(conts) for conts in continuations]
