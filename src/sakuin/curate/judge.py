"""The quality judge: a rubric read by a classification engine, one forward pass per text.

``score`` gives every grade's probability from the log-likelihood of its name after the prompt;
``distill`` trains a light head
on the grades the model gave a sample and grades the rest from cheap features, asking the model
where the head is unsure. Both are :mod:`sakuin.classify` engines over :meth:`Rubric.task`; the
judge only turns their probabilities into a quality. A text that cannot be judged (it overflows
the context window, say) gets no quality and a reason, and the batch goes on.

The ``score`` judge also reads how natural the model finds each text, and whether it ends where
it stops (:mod:`sakuin.curate.fluency`), where a band is known for the model: outside it,
quality is 0 and the reason is kept. The distilled judge learns from that whole verdict, grades
and fluency together, over features that can see what the fluency check sees
(:mod:`sakuin.curate.features`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sakuin.classify import EngineOptions, build_engine
from sakuin.classify.distill import DistillEngine, DistillReport
from sakuin.classify.engines import Engine, Row
from sakuin.classify.run import label_batch
from sakuin.classify.task import Task
from sakuin.curate.features import judge_features
from sakuin.curate.fluency import Fluency, ModelBands, packaged_bands, read_fluency
from sakuin.curate.records import CurateError, Record
from sakuin.curate.rubric import TEXT, Rubric
from sakuin.models.base import LanguageModel
from sakuin.models.local import LocalModelBase

# Beside the clipped text, each row keeps the text itself: the fluency check reads a text's ending
# only where the clip left the text's own end, so a teacher that runs it must know which it is.
ORIGINAL = "original"


@dataclass(frozen=True)
class Judgement:
    """Per text: each grade's probability (rows of zeros where it failed), quality, failure reason,
    and, where the fluency check ran, what the model made of the text and why it is not prose."""

    probabilities: np.ndarray
    quality: np.ndarray
    failed: list[str]
    fluency: list[Fluency | None]
    unnatural: list[str | None]

    def verdicts(self, lowest: int) -> np.ndarray:
        """The grade probabilities with a text found unnatural put wholly on grade ``lowest``:
        the judge's whole verdict as grades, what a distilled judge learns from."""
        probabilities = self.probabilities.copy()
        zeroed = [i for i, why in enumerate(self.unnatural) if why]
        probabilities[zeroed] = np.eye(probabilities.shape[1])[lowest]
        return probabilities

    def grades(self, i: int, names: Sequence[str]) -> dict[str, float]:
        return {name: round(float(p), 6) for name, p in zip(names, self.probabilities[i], strict=True)}

    def fields(self, i: int, names: Sequence[str], field: str) -> Record:
        """What a judged record gains: ``field``, ``{field}_grades``, and ``{field}_fluency`` if measured."""
        if self.failed[i]:
            return {field: None, f"{field}_grades": None}
        added: Record = {field: round(float(self.quality[i]), 6), f"{field}_grades": self.grades(i, names)}
        fluency = self.fluency[i]
        if fluency is not None:
            added[f"{field}_fluency"] = {**fluency.as_dict(), "unnatural": self.unnatural[i]}
        return added


class Judge:
    """Grades texts by a rubric through a ``score`` or ``distill`` engine, with the fluency check."""

    def __init__(
        self,
        rubric: Rubric,
        engine: Engine,
        model: LocalModelBase | None = None,
        bands: ModelBands | None = None,
    ) -> None:
        self.rubric = rubric
        self.task = rubric.task()
        self.engine = engine
        self.model = model
        self.bands = bands if model is not None else None

    @classmethod
    def build(
        cls,
        model: LanguageModel,
        rubric: Rubric,
        options: EngineOptions | None = None,
        *,
        fluency: bool = True,
    ) -> Judge:
        """A judge over ``model``; ``options`` pick the engine (default ``score``, uncalibrated).

        Classification divides out the grades' probabilities for a content-free input; for judging
        that hurt: with Gemma 3 270M and the educational rubric, ROC-AUC against navigation pages
        0.96 calibrated vs 1.00 not, mojibake 0.49 vs 0.76 (12 JSQuAD paragraphs per junk kind).
        The fluency check runs with the ``score`` engine on an in-process model that has bands.
        A distilled judge imitates that ``score`` judge, check included, and runs it only on the
        texts its head is unsure of (it exists not to run the model on every text).
        """
        options = options or EngineOptions("score", calibrate=False)
        if options.engine not in ("score", "distill"):
            raise CurateError(f"the judge runs on score or distill, not '{options.engine}'.")
        if options.engine == "distill":
            teacher = VerdictTeacher(
                cls.build(model, rubric, replace(options, engine="score"), fluency=fluency)
            )
            features = judge_features(model, options.features)
            head = DistillEngine(
                teacher, features, sample_size=options.sample, margin=options.margin, seed=options.seed
            )
            return cls(rubric, head)
        engine = build_engine(model, rubric.task(), options)
        local = model if isinstance(model, LocalModelBase) else None
        bands = packaged_bands(model.name) if fluency and options.engine == "score" and local else None
        return cls(rubric, engine, local if bands else None, bands)

    @property
    def needs_fit(self) -> bool:
        return isinstance(self.engine, DistillEngine) and self.engine.head is None

    def fit(self, texts: Sequence[str]) -> DistillReport:
        """Distill: the model grades a sample of ``texts``, the head learns from it (agreement measured)."""
        if not isinstance(self.engine, DistillEngine):
            raise CurateError("only a distill judge is fitted; the score judge asks the model directly.")
        return self.engine.fit(self.rows(texts).to_dict(orient="records"))

    def rows(self, texts: Sequence[str]) -> pd.DataFrame:
        """The engine's rows: each text as the rubric clips it, and as it was (see :data:`ORIGINAL`)."""
        return pd.DataFrame({TEXT: [self.rubric.clip(t) for t in texts], ORIGINAL: list(texts)})

    def judge(self, texts: Sequence[str]) -> Judgement:
        """Grade probabilities and quality of each text; 0 for a text the model finds unnatural."""
        rows = self.rows(texts)
        clipped = rows[TEXT].tolist()
        labelled = label_batch(self.engine, self.task, rows)
        probabilities = labelled[[f"p_{name}" for name in self.rubric.grade_names]].to_numpy(dtype=np.float64)
        quality = self.rubric.quality(probabilities)
        failed = labelled["skipped"].tolist()
        fluency: list[Fluency | None] = [None] * len(texts)
        unnatural: list[str | None] = [None] * len(texts)
        if self.model is not None and self.bands is not None:
            judged = [i for i, reason in enumerate(failed) if not reason]
            for i, found in zip(
                judged, read_fluency(self.model, [texts[i] for i in judged], self.rubric.clip), strict=True
            ):
                fluency[i] = found
                unnatural[i] = self.bands.verdict(clipped[i], found)
                if unnatural[i]:
                    quality[i] = 0.0
        return Judgement(probabilities, quality, failed, fluency, unnatural)


class VerdictTeacher:
    """The ``score`` judge as the distilled judge's teacher: its grades, and for a text its fluency
    check finds unnatural, all probability on the lowest grade (the judge gives it quality 0).

    A text it cannot judge fails the whole call, as a ``score`` engine's would, so the runner
    retries item by item and marks only that one.
    """

    name = "score"

    def __init__(self, judge: Judge) -> None:
        self.judge = judge

    @property
    def task(self) -> Task:
        return self.judge.task

    def predict(self, rows: Sequence[Row]) -> np.ndarray:
        found = self.judge.judge([str(row.get(ORIGINAL, row[TEXT])) for row in rows])
        failed = next((reason for reason in found.failed if reason), None)
        if failed:
            raise CurateError(failed)
        return found.verdicts(self.judge.rubric.lowest_grade)
