"""The quality judge: a rubric read by a classification engine, one forward pass per text.

``score`` gives every grade's probability from the log-likelihood of its name after the prompt;
``distill`` trains a light head
on the grades the model gave a sample and grades the rest from cheap features, asking the model
where the head is unsure. Both are :mod:`sakuin.classify` engines over :meth:`Rubric.task`; the
judge only turns their probabilities into a quality. A text that cannot be judged (it overflows
the context window, say) gets no quality and a reason, and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sakuin.classify import EngineOptions, build_engine
from sakuin.classify.distill import DistillEngine, DistillReport
from sakuin.classify.engines import Engine
from sakuin.classify.run import label_batch
from sakuin.curate.records import CurateError
from sakuin.curate.rubric import TEXT, Rubric
from sakuin.models.base import LanguageModel


@dataclass(frozen=True)
class Judgement:
    """Per text: each grade's probability (rows of zeros where it failed), quality, failure reason."""

    probabilities: np.ndarray
    quality: np.ndarray
    failed: list[str]

    def grades(self, i: int, names: Sequence[str]) -> dict[str, float]:
        return {name: round(float(p), 6) for name, p in zip(names, self.probabilities[i], strict=True)}


class Judge:
    """Grades texts by a rubric through a ``score`` or ``distill`` engine."""

    def __init__(self, rubric: Rubric, engine: Engine) -> None:
        self.rubric = rubric
        self.task = rubric.task()
        self.engine = engine

    @classmethod
    def build(cls, model: LanguageModel, rubric: Rubric, options: EngineOptions | None = None) -> Judge:
        """A judge over ``model``; ``options`` pick the engine (default ``score``, uncalibrated).

        Classification divides out the grades' probabilities for a content-free input; for judging
        that hurt: with Gemma 3 270M and the educational rubric, ROC-AUC against navigation pages
        0.96 calibrated vs 1.00 not, mojibake 0.49 vs 0.76 (12 JSQuAD paragraphs per junk kind).
        """
        options = options or EngineOptions("score", calibrate=False)
        if options.engine not in ("score", "distill"):
            raise CurateError(f"the judge runs on score or distill, not '{options.engine}'.")
        return cls(rubric, build_engine(model, rubric.task(), options))

    @property
    def needs_fit(self) -> bool:
        return isinstance(self.engine, DistillEngine) and self.engine.head is None

    def fit(self, texts: Sequence[str]) -> DistillReport:
        """Distill: the model grades a sample of ``texts``, the head learns from it (agreement measured)."""
        if not isinstance(self.engine, DistillEngine):
            raise CurateError("only a distill judge is fitted; the score judge asks the model directly.")
        return self.engine.fit([{TEXT: self.rubric.clip(t)} for t in texts])

    def judge(self, texts: Sequence[str]) -> Judgement:
        """Grade probabilities and quality of each text."""
        frame = pd.DataFrame({TEXT: [self.rubric.clip(t) for t in texts]})
        labelled = label_batch(self.engine, self.task, frame)
        probabilities = labelled[[f"p_{name}" for name in self.rubric.grade_names]].to_numpy(dtype=np.float64)
        return Judgement(probabilities, self.rubric.quality(probabilities), labelled["skipped"].tolist())
