"""The ``score`` engine: label probabilities from one forward pass per item.

The task's shared prefix (instruction, labels, examples) is encoded once and its KV cache reused;
items are batched by the model; each label's probability comes from the log-likelihood of its
continuation, exact over all of its tokens. A content-free input ("N/A") measures how much the
prompt alone favours each label, and that bias is divided out (Zhao et al. 2021, contextual
calibration), which removes most of a small model's habit of always answering the same label.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sakuin.classify.engines import SORTED_ROWS, Row, softmax
from sakuin.classify.task import Task
from sakuin.models.base import LanguageModel, LocalLanguageModel, ScoreRequest


class ScoreEngine:
    """Label log-likelihoods behind a cached shared prefix, optionally calibrated and normalised.

    ``length_normalise`` divides each label's log-likelihood by its token count, so long labels
    are not penalised for having more tokens to get right. ``first_token`` scores only each label's
    first token when those differ between labels: every label is then read from the same position
    of one row per item instead of one row per label (exact multi-token scoring stays the default).
    """

    name = "score"
    batch_rows = SORTED_ROWS

    def __init__(
        self,
        model: LanguageModel,
        task: Task,
        *,
        calibrate: bool = True,
        length_normalise: bool = False,
        first_token: bool = False,
    ) -> None:
        self.model = model
        self.task = task
        self.calibrate = calibrate
        self.continuations = task.continuations
        if first_token and isinstance(model, LocalLanguageModel):
            self.continuations = first_token_continuations(model, self.continuations)
        self._lengths = np.array(
            [
                len(model.tokenize(c)) if isinstance(model, LocalLanguageModel) else len(c)
                for c in self.continuations
            ],
            dtype=np.float64,
        )
        self.length_normalise = length_normalise
        self._prefix = task.prefix()
        self._bias: np.ndarray | None = None

    def log_likelihoods(self, rows: Sequence[Row], *, use_cache: bool = True) -> np.ndarray:
        """Log-likelihood of each label's continuation for each row: shape (rows, labels)."""
        if not rows:
            return np.zeros((0, len(self.continuations)))
        requests = [ScoreRequest(self.task.query(row), self.continuations) for row in rows]
        if isinstance(self.model, LocalLanguageModel):
            # Only a softmax over labels reads these, so a per-item constant does not matter,
            # unless lengths divide the scores.
            scores = self.model.score_batch(
                requests,
                shared_prefix=self._prefix,
                use_cache=use_cache,
                relative=not self.length_normalise,
            )
        else:
            scores = [self.model.score(self._prefix + r.prefix, r.continuations) for r in requests]
        values = np.asarray(scores, dtype=np.float64)
        return values / self._lengths if self.length_normalise else values

    def bias(self) -> np.ndarray:
        """Log-probability of each label for the content-free input, computed once."""
        if self._bias is None:
            self._bias = np.log(softmax(self.log_likelihoods([self.task.content_free()])))[0]
        return self._bias

    def predict(self, rows: Sequence[Row], *, use_cache: bool = True) -> np.ndarray:
        """Label probabilities, calibrated against the content-free input when asked."""
        logits = self.log_likelihoods(rows, use_cache=use_cache)
        if self.calibrate and len(rows):
            logits = logits - self.bias()
        return softmax(logits)


def first_token_continuations(model: LocalLanguageModel, continuations: Sequence[str]) -> list[str]:
    """Each continuation cut to the text of its first token, if those tokens tell labels apart.

    Only ``tokenize`` is needed: the shortest leading text that tokenises to exactly the first
    token is that token's text. Returns the continuations unchanged when two labels start with
    the same token or a first token is not a whole character.
    """
    cut = []
    for text in continuations:
        first = model.tokenize(text)[:1]
        head = next((text[:k] for k in range(1, len(text) + 1) if model.tokenize(text[:k]) == first), None)
        if head is None:
            return list(continuations)
        cut.append(head)
    return cut if len(set(cut)) == len(cut) else list(continuations)
