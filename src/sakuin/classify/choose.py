"""Multiple choice with the same scoring: a question, its options, the most likely option.

Each item brings its own options, so they are the continuations scored behind the cached
instruction prefix. Options differ in length and in how common they are; ``length_normalise``
compares per-token log-likelihoods, and ``calibrate`` subtracts each option's log-likelihood
after a content-free question (how likely the option is on its own), which favours the option
the question makes likely rather than the one that is frequent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sakuin.classify.engines import ONE_AT_A_TIME_ROWS, SORTED_ROWS, Row, softmax
from sakuin.classify.generate import parse_label
from sakuin.classify.task import CONTENT_FREE, one_line
from sakuin.errors import TaskError
from sakuin.models.base import LanguageModel, LocalLanguageModel, ScoreRequest


@dataclass(frozen=True)
class ChoiceTask:
    """A question column, the option columns, and the words around them in the prompt."""

    question_column: str
    option_columns: tuple[str, ...]
    instruction: str = ""
    question_prefix: str = "質問:"
    answer_prefix: str = "答え:"

    def __post_init__(self) -> None:
        if len(self.option_columns) < 2:
            raise TaskError(f"multiple choice needs at least two option columns; got {self.option_columns}.")
        if len(set(self.option_columns)) != len(self.option_columns):
            raise TaskError(f"option columns {list(self.option_columns)} repeat; name each once.")

    @property
    def text_columns(self) -> tuple[str, ...]:
        return (self.question_column, *self.option_columns)

    @property
    def label_names(self) -> list[str]:
        return list(self.option_columns)

    def prefix(self) -> str:
        return f"{self.instruction.strip()}\n\n" if self.instruction.strip() else ""

    def query(self, question: str) -> str:
        return f"{self.question_prefix} {one_line(question)}\n{self.answer_prefix}"


class ChoiceEngine:
    """Option probabilities for each row from one scoring pass (two with calibration)."""

    name = "choose"
    batch_rows = SORTED_ROWS

    def __init__(
        self,
        model: LanguageModel,
        task: ChoiceTask,
        *,
        calibrate: bool = False,
        length_normalise: bool = True,
    ) -> None:
        self.model = model
        self.task = task
        self.calibrate = calibrate
        self.length_normalise = length_normalise

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        options = [[f" {one_line(row[c])}" for c in self.task.option_columns] for row in rows]
        logits = self._scores([self.task.query(str(row[self.task.question_column])) for row in rows], options)
        if self.calibrate:
            logits = logits - self._scores([self.task.query(CONTENT_FREE)] * len(rows), options)
        return softmax(logits)

    def _scores(self, queries: Sequence[str], options: Sequence[Sequence[str]]) -> np.ndarray:
        requests = [ScoreRequest(q, o) for q, o in zip(queries, options, strict=True)]
        prefix = self.task.prefix()
        if isinstance(self.model, LocalLanguageModel):
            scores = np.asarray(
                self.model.score_batch(requests, shared_prefix=prefix, relative=not self.length_normalise),
                dtype=np.float64,
            )
            if self.length_normalise:
                scores /= np.array([[max(1, len(self.model.tokenize(c))) for c in o] for o in options])
            return scores
        raw = np.asarray([self.model.score(prefix + r.prefix, r.continuations) for r in requests])
        return (
            raw / np.array([[max(1, len(c)) for c in o] for o in options]) if self.length_normalise else raw
        )


class ChoiceGenerateEngine:
    """The multiple-choice baseline: list the options, let the model write one, match it."""

    name = "generate"
    batch_rows = ONE_AT_A_TIME_ROWS

    def __init__(self, model: LanguageModel, task: ChoiceTask, *, max_tokens: int = 8) -> None:
        self.model = model
        self.task = task
        self.max_tokens = max_tokens

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        result = np.zeros((len(rows), len(self.task.option_columns)))
        for i, row in enumerate(rows):
            options = [one_line(row[c]) for c in self.task.option_columns]
            listed = "".join(f"- {option}\n" for option in options)
            question = f"{self.task.question_prefix} {one_line(row[self.task.question_column])}\n{listed}"
            prompt = f"{self.task.prefix()}{question}{self.task.answer_prefix}"
            text = self.model.generate(prompt, max_tokens=self.max_tokens, stop=["\n"]).text
            chosen = parse_label(text, options)
            if chosen is not None:
                result[i, chosen] = 1.0
        return result
