"""The ``generate`` engine: the baseline that asks the model and parses what it writes.

The full prompt is sent for every item and a few tokens are decoded, the way a model is used
naively. It is the prompt ``score`` reads (``Task.prefix`` + ``Task.query``), examples included:
a base model given no solved examples rarely answers with a label, and the run counts the rows
whose answer named none (``ClassifyResult.unparsed``). It is the reference the other engines'
speed is measured against; its probabilities are one-hot (or all zero when the answer names no
label).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sakuin.classify.engines import ONE_AT_A_TIME_ROWS, Row
from sakuin.classify.task import Task
from sakuin.models.base import LanguageModel, LocalLanguageModel


class GenerateEngine:
    """Generate up to the end of the answer line, then match the text against the labels."""

    name = "generate"
    batch_rows = ONE_AT_A_TIME_ROWS

    def __init__(self, model: LanguageModel, task: Task) -> None:
        self.model = model
        self.task = task
        longest = max(
            len(model.tokenize(c)) if isinstance(model, LocalLanguageModel) else len(c)
            for c in task.continuations
        )
        self.max_tokens = longest + 2  # room for a stray space or punctuation before the newline
        self._prefix = task.prefix()

    def prompt(self, row: Row) -> str:
        """The text score scores for ``row``, as one prompt: instruction, labels, examples, item."""
        return self._prefix + self.task.query(row)

    def answer(self, row: Row) -> str:
        """What the model writes after the prompt, up to the end of the line."""
        return self.model.generate(self.prompt(row), max_tokens=self.max_tokens, stop=["\n"]).text

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        result = np.zeros((len(rows), len(self.task.labels)))
        for i, row in enumerate(rows):
            chosen = parse_label(self.answer(row), self.task.label_names)
            if chosen is not None:
                result[i, chosen] = 1.0
        return result


def parse_label(text: str, labels: Sequence[str]) -> int | None:
    """Index of the label the answer names: exact match first, else the longest label it starts with."""
    answer = text.strip().strip("。.、,:：「」\"'").casefold()
    folded = [label.casefold() for label in labels]
    if answer in folded:
        return folded.index(answer)
    starts = [i for i, label in enumerate(folded) if answer.startswith(label)]
    return max(starts, key=lambda i: len(folded[i])) if starts else None
