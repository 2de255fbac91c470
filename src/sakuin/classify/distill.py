"""The ``distill`` engine: the model labels a sample, a light head labels the rest.

``score`` labels a random sample of the input (default 500 items); a logistic-regression head is
trained on cheap features of most of it (see :mod:`sakuin.classify.features`) and its agreement
with the model is measured on the part it never saw. The head then classifies everything, and
items it is unsure of (a margin between its two most probable labels below the threshold) go
back to ``score``, so the threshold trades speed for fidelity to the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sakuin.classify.engines import Row
from sakuin.classify.features import TextFeatures, row_features
from sakuin.classify.score import ScoreEngine
from sakuin.errors import TaskError

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline


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


class DistillEngine:
    """A head that imitates ``score``; call :meth:`fit` on representative rows before :meth:`predict`."""

    name = "distill"

    def __init__(
        self,
        teacher: ScoreEngine,
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

    def fit(self, rows: Sequence[Row]) -> DistillReport:
        """Label a random sample with the model, train the head, measure agreement on held-out items."""
        rng = np.random.default_rng(self.seed)
        chosen = rng.permutation(len(rows))[: self.sample_size]
        sample = [rows[int(i)] for i in chosen]
        model_labels = self.teacher.predict(sample).argmax(axis=1)
        cut = max(1, round(len(sample) * (1 - self.held_out)))
        train, test = np.arange(cut), np.arange(cut, len(sample))
        if len(set(model_labels[train].tolist())) < 2:
            raise TaskError(
                f"the model gave one label to all {len(train)} sampled training items, so there is "
                "nothing to distil; use --engine score or a larger --sample."
            )
        x = row_features(sample, self.teacher.task, self.features)
        # imported here: scikit-learn takes over a second to import, which every CLI call would pay
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.head = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))
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
            return np.zeros((0, len(self.teacher.task.labels)))
        probabilities = self.head_probabilities(rows)
        ranked = np.sort(probabilities, axis=1)
        unsure = np.flatnonzero(ranked[:, -1] - ranked[:, -2] < self.margin)
        if len(unsure):
            probabilities[unsure] = self.teacher.predict([rows[int(i)] for i in unsure])
            self.fallbacks += len(unsure)
        return probabilities

    def head_probabilities(self, rows: Sequence[Row]) -> np.ndarray:
        """What the head alone says, without falling back to the model."""
        return self._head_from_features(row_features(rows, self.teacher.task, self.features))

    def _head_from_features(self, x: np.ndarray) -> np.ndarray:
        """Probabilities over every label, including labels the model never chose in the sample."""
        if self.head is None:
            raise TaskError("the distill head is not trained yet; call fit() on a sample of the input first.")
        known = self.head.predict_proba(x)
        full = np.zeros((len(x), len(self.teacher.task.labels)))
        full[:, self.head.classes_] = known
        return full
