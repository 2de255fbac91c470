"""Zero-shot classification at scale: labels defined by a prompt, no training data.

Engines (one protocol, :class:`~sakuin.classify.engines.Engine`): ``generate`` (the baseline that
parses generated text), ``score`` (label log-likelihoods in one cached, batched forward pass,
calibrated), ``distill`` (a light head trained on ``score``'s labels of a sample). Tables in CSV,
JSONL or Parquet go through :func:`classify_file`, locally or over Ray (:mod:`sakuin.classify.ray_engine`),
on the backend :func:`choose_backend` picks for the engine when the user named none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sakuin.classify.backend import BackendChoice, choose_backend
from sakuin.classify.choose import ChoiceEngine, ChoiceTask
from sakuin.classify.distill import DistillEngine, DistillReport
from sakuin.classify.engines import Engine
from sakuin.classify.features import FeatureKind, text_features
from sakuin.classify.generate import GenerateEngine
from sakuin.classify.run import ClassifyResult, classify_file
from sakuin.classify.score import ScoreEngine
from sakuin.classify.task import Label, Task, load_task, make_task
from sakuin.models.base import LanguageModel

EngineName = Literal["generate", "score", "distill"]

__all__ = [
    "BackendChoice",
    "ChoiceEngine",
    "ChoiceTask",
    "ClassifyResult",
    "DistillEngine",
    "DistillReport",
    "Engine",
    "EngineOptions",
    "GenerateEngine",
    "Label",
    "ScoreEngine",
    "Task",
    "build_engine",
    "choose_backend",
    "classify_file",
    "load_task",
    "make_task",
]


@dataclass(frozen=True)
class EngineOptions:
    """How to build an engine; plain data, so a Ray worker can build the same engine."""

    engine: EngineName = "score"
    calibrate: bool = True
    length_normalise: bool = False
    first_token: bool = False
    features: FeatureKind = "embeddings"
    sample: int = 500
    margin: float = 0.2
    seed: int = 0


def build_engine(model: LanguageModel, task: Task, options: EngineOptions) -> Engine:
    """The engine ``options`` name, over ``model`` and ``task``."""
    if options.engine == "generate":
        return GenerateEngine(model, task)
    scorer = ScoreEngine(
        model,
        task,
        calibrate=options.calibrate,
        length_normalise=options.length_normalise,
        first_token=options.first_token,
    )
    if options.engine == "score":
        return scorer
    return DistillEngine(
        scorer,
        text_features(model, options.features),
        sample_size=options.sample,
        margin=options.margin,
        seed=options.seed,
    )
