"""The ``distill`` engine: the model labels a sample, a light head labels the rest.

A teacher (``score`` for fixed labels, ``choose`` for multiple choice) labels a random sample of
the input (default 500 items); a logistic-regression head is trained on cheap features of most
of it (see :mod:`sakuin.classify.features`) and its agreement with the model is measured on the
part it never saw. The head then classifies everything, and items it is unsure of (a margin
between its two most probable answers below the threshold) go back to the teacher, so the
threshold trades speed for fidelity to the model.

Fixed labels get a multinomial head over the row's features. Multiple choice has no fixed label
set (every question brings its own options), so its head scores each (question, option) pair
and the options of a question compete in a softmax: the same engine, another head.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from sakuin.classify.choose import ChoiceTask
from sakuin.classify.engines import SORTED_ROWS, Row, softmax
from sakuin.classify.features import TextFeatures, relation_features, row_features
from sakuin.classify.task import Task, one_line
from sakuin.errors import TaskError

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline


class Teacher(Protocol):
    """An engine with a task: what the head imitates (how many rows it takes at once is not asked)."""

    name: str

    @property
    def task(self) -> Task | ChoiceTask: ...

    def predict(self, rows: Sequence[Row]) -> np.ndarray: ...


@dataclass(frozen=True)
class DistillReport:
    """How the head was trained and how often it agrees with the model on held-out items."""

    sample: int
    trained_on: int
    held_out: int
    agreement: float
    held_out_indices: tuple[int, ...]
    head_labels: tuple[int, ...]
    model_labels: tuple[int, ...]


def logistic_head() -> Pipeline:
    # imported here: scikit-learn takes over a second to import, which every CLI call would pay
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))


class DistillEngine:
    """A head that imitates ``teacher``; call :meth:`fit` on representative rows before :meth:`predict`."""

    name = "distill"
    batch_rows = SORTED_ROWS

    def __init__(
        self,
        teacher: Teacher,
        features: TextFeatures,
        *,
        sample_size: int = 500,
        held_out: float = 0.2,
        margin: float = 0.2,
        seed: int = 0,
    ) -> None:
        self.teacher = teacher
        self.features = features
        self.sample_size = sample_size
        self.held_out = held_out
        self.margin = margin
        self.seed = seed
        self.head: Pipeline | None = None
        self.report: DistillReport | None = None
        self.fallbacks = 0  # items handed back to the model so far
        self._choices = isinstance(teacher.task, ChoiceTask)

    @property
    def answers(self) -> int:
        """How many answers each row has: the labels, or the options of a question."""
        task = self.teacher.task
        return len(task.option_columns) if isinstance(task, ChoiceTask) else len(task.labels)

    def fit(self, rows: Sequence[Row]) -> DistillReport:
        """Label a random sample with the model, train the head, measure agreement on held-out items."""
        rng = np.random.default_rng(self.seed)
        chosen = rng.permutation(len(rows))[: self.sample_size]
        sample = [rows[int(i)] for i in chosen]
        model_labels = self.teacher.predict(sample).argmax(axis=1)
        cut = max(1, round(len(sample) * (1 - self.held_out)))
        train, test = np.arange(cut), np.arange(cut, len(sample))
        if not self._choices and len(set(model_labels[train].tolist())) < 2:
            raise TaskError(
                f"the model gave one label to all {len(train)} sampled training items, so there is "
                "nothing to distil; use --engine score or a larger --sample."
            )
        x = self._features(sample)
        self.head = logistic_head()
        if self._choices:  # one row per (question, option): was this the option the model chose?
            chosen_option = np.eye(self.answers, dtype=int)[model_labels[train]]
            self.head.fit(x[train].reshape(-1, x.shape[-1]), chosen_option.reshape(-1))
        else:
            self.head.fit(x[train], model_labels[train])
        head_labels = self._head_from_features(x[test]).argmax(axis=1) if len(test) else np.zeros(0, int)
        agreement = float((head_labels == model_labels[test]).mean()) if len(test) else float("nan")
        self.report = DistillReport(
            len(sample),
            len(train),
            len(test),
            agreement,
            tuple(int(i) for i in chosen[test]),
            tuple(int(v) for v in head_labels),
            tuple(int(v) for v in model_labels[test]),
        )
        return self.report

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.answers))
        probabilities = self.head_probabilities(rows)
        ranked = np.sort(probabilities, axis=1)
        unsure = np.flatnonzero(ranked[:, -1] - ranked[:, -2] < self.margin)
        if len(unsure):
            probabilities[unsure] = self.teacher.predict([rows[int(i)] for i in unsure])
            self.fallbacks += len(unsure)
        return probabilities

    def head_probabilities(self, rows: Sequence[Row]) -> np.ndarray:
        """What the head alone says, without falling back to the model."""
        return self._head_from_features(self._features(rows))

    def _features(self, rows: Sequence[Row]) -> np.ndarray:
        """(rows, features) for labels; (rows, options, features) for multiple choice."""
        task = self.teacher.task
        if isinstance(task, ChoiceTask):
            return choice_features(rows, task, self.features)
        return row_features(rows, task, self.features)

    def _head_from_features(self, x: np.ndarray) -> np.ndarray:
        """Probabilities over every answer, including labels the model never chose in the sample."""
        if self.head is None:
            raise TaskError("the distill head is not trained yet; call fit() on a sample of the input first.")
        if self._choices:
            decision: Any = self.head.decision_function(x.reshape(-1, x.shape[-1]))
            return softmax(np.asarray(decision).reshape(x.shape[0], x.shape[1]))
        known = self.head.predict_proba(x)
        full = np.zeros((len(x), self.answers))
        full[:, self.head.classes_] = known
        return full


def choice_features(rows: Sequence[Row], task: ChoiceTask, features: TextFeatures) -> np.ndarray:
    """Features of each (question, option) pair: shape (rows, options, features)."""
    questions = features([one_line(row[task.question_column]) for row in rows])
    options = [features([one_line(row[c]) for row in rows]) for c in task.option_columns]
    return np.stack(
        [
            np.concatenate([questions, option, relation_features(questions, option)], axis=1)
            for option in options
        ],
        axis=1,
    )
