"""The steps a curation pipeline is made of, built from plain data so a Ray worker builds the same.

A step looks at the records still in the run and returns, for each, why it is removed (or None);
it may add fields (the judge adds its quality). Most steps look at one record at a time and run
batch by batch, locally or on Ray workers; ``whole_corpus`` steps need every record at once (a
duplicate's original may be anywhere; a distilled judge learns from a sample of all of them) and
run in the driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from sakuin.classify import EngineOptions
from sakuin.classify.distill import DistillReport
from sakuin.config import Settings
from sakuin.curate.dedup import NearDuplicates, duplicates_of, exact_clusters
from sakuin.curate.filters import FILTERS, Filter, make_filter
from sakuin.curate.judge import Judge
from sakuin.curate.records import LINE, CurateError, Record
from sakuin.curate.rubric import load_rubric
from sakuin.models.base import LanguageModel

DEDUP_STEPS = ("dedup_exact", "dedup_minhash")
JUDGE_STEPS = ("judge", "ask_llm")
KNOWN_STEPS = (*FILTERS, *DEDUP_STEPS, *JUDGE_STEPS)


@dataclass(frozen=True)
class StepSpec:
    """A step as the pipeline file names it: ``- repetition`` or ``- length: {min_chars: 80}``."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


class Models:
    """The model judge steps share, loaded on first use (a filter-only pipeline never loads one)."""

    def __init__(self, settings: Settings, model: LanguageModel | None = None) -> None:
        self.settings = settings
        self._model = model

    def get(self) -> LanguageModel:
        if self._model is None:
            from sakuin.classify.backend import choose_backend
            from sakuin.models import load_model

            self._model = load_model(choose_backend(self.settings, "score").settings)
        return self._model


class Step(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def whole_corpus(self) -> bool:
        """Whether the step needs every record at once rather than a batch."""
        ...

    def run(self, records: Sequence[Record], text_field: str) -> list[str | None]:
        """Why each record is removed, or None where it stays."""
        ...


@dataclass
class FilterStep:
    """A heuristic filter as a step."""

    filter: Filter
    whole_corpus: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return self.filter.name

    def run(self, records: Sequence[Record], text_field: str) -> list[str | None]:
        return [self.filter.reason(str(r[text_field])) for r in records]


@dataclass
class DedupStep:
    """Exact or near-duplicate removal; ``clusters`` keeps the input line numbers of each group."""

    name: str
    near: NearDuplicates | None
    whole_corpus: ClassVar[bool] = True
    clusters: list[list[int]] = field(default_factory=list)

    def run(self, records: Sequence[Record], text_field: str) -> list[str | None]:
        texts = [str(r[text_field]) for r in records]
        groups = self.near.clusters(texts) if self.near else exact_clusters(texts)
        kind = "near duplicate" if self.near else "duplicate"
        self.clusters += [[int(records[i][LINE]) for i in group] for group in groups]
        reasons: list[str | None] = [None] * len(records)
        for member, kept in duplicates_of(groups).items():
            reasons[member] = f"{self.name}: {kind} of line {records[kept][LINE]}"
        return reasons


@dataclass
class JudgeStep:
    """Grade each record by a rubric; below ``threshold`` (when set) it is removed.

    Adds ``field`` (quality in [0, 1], null where the text could not be judged) and
    ``{field}_grades`` (each grade's probability).
    """

    name: str
    judge: Judge
    threshold: float | None
    field: str
    distill: DistillReport | None = None

    @property
    def whole_corpus(self) -> bool:
        return self.judge.needs_fit

    def run(self, records: Sequence[Record], text_field: str) -> list[str | None]:
        texts = [str(r[text_field]) for r in records]
        if self.judge.needs_fit:
            self.distill = self.judge.fit(texts)
        result = self.judge.judge(texts)
        names = self.judge.rubric.grade_names
        reasons: list[str | None] = []
        for i, record in enumerate(records):
            record.update(result.fields(i, names, self.field))
            quality = record[self.field]
            if self.threshold is None:
                reasons.append(None)
            elif quality is None:
                reasons.append(f"{self.name}: not judged ({result.failed[i]})")
            elif unnatural := result.unnatural[i]:
                reasons.append(f"{self.name}: unnatural: {unnatural}")
            elif quality < self.threshold:
                reasons.append(f"{self.name}: quality {quality:.3f} < {self.threshold:g}")
            else:
                reasons.append(None)
        return reasons


@dataclass(frozen=True)
class JudgeTarget:
    """What a judge step grades by and writes: its rubric, output field and threshold."""

    rubric: str
    field: str
    threshold: float | None


def judge_target(spec: StepSpec) -> JudgeTarget:
    """A judge step's rubric (``ask_llm`` for that step), field and threshold, from its parameters."""
    asks = spec.name == "ask_llm"
    threshold = spec.params.get("threshold")
    return JudgeTarget(
        str(spec.params.get("rubric", "ask_llm" if asks else "educational")),
        str(spec.params.get("field", "ask_llm" if asks else "quality")),
        None if threshold is None else float(threshold),
    )


_JUDGE_PARAMS = {
    "rubric",
    "threshold",
    "field",
    "engine",
    "calibrate",
    "sample",
    "margin",
    "features",
    "fluency",
}


def build_step(spec: StepSpec, models: Models) -> Step:
    """The step ``spec`` names; an unknown name or parameter is an error that lists the known ones."""
    if spec.name in FILTERS:
        return FilterStep(make_filter(spec.name, spec.params))
    if spec.name in DEDUP_STEPS:
        allowed = {"threshold", "ngram", "num_perm", "bands"} if spec.name == "dedup_minhash" else set()
        _check_params(spec, allowed)
        return DedupStep(spec.name, NearDuplicates(**spec.params) if spec.name == "dedup_minhash" else None)
    if spec.name in JUDGE_STEPS:
        _check_params(spec, _JUDGE_PARAMS)
        target = judge_target(spec)
        params = spec.params
        options = EngineOptions(
            params.get("engine", "score"),
            calibrate=bool(params.get("calibrate", False)),
            features=params.get("features", "embeddings"),
            sample=int(params.get("sample", 500)),
            margin=float(params.get("margin", 0.2)),
        )
        fluency = bool(params.get("fluency", True))
        judge = Judge.build(models.get(), load_rubric(target.rubric), options, fluency=fluency)
        return JudgeStep(spec.name, judge, target.threshold, target.field)
    raise CurateError(f"unknown step '{spec.name}'; the steps are {', '.join(KNOWN_STEPS)}.")


def _check_params(spec: StepSpec, allowed: set[str]) -> None:
    unknown = sorted(set(spec.params) - allowed)
    if unknown:
        raise CurateError(
            f"step '{spec.name}' has no parameter(s) {unknown}; it takes {sorted(allowed) or 'none'}."
        )
