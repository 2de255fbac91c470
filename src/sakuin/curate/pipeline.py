"""A curation pipeline: steps from a YAML file, run over a JSONL corpus, locally or on Ray.

The file lists steps in order, each a bare name or a name with its parameters::

    text_field: text
    steps:
      - length: {min_chars: 80}
      - repetition
      - dedup_exact
      - dedup_minhash: {threshold: 0.7}
      - judge: {rubric: educational, threshold: 0.5}

Each step sees only the records the steps before it kept. Consecutive per-record steps form a
segment that runs batch by batch through :func:`apply_segment`, the one per-batch function the
local runner and the Ray engine (:mod:`sakuin.curate.ray_engine`) both use; a ``whole_corpus``
step (de-duplication, a distilled judge's training) runs in between on every record still in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sakuin.config import Settings
from sakuin.curate.records import Corpus, CurateError, Record, read_yaml
from sakuin.curate.steps import KNOWN_STEPS, Models, Step, StepSpec, build_step

REMOVED = "_removed"  # the reason a record was removed, set by the step that removed it
STEP = "_step"  # the position of that step in the pipeline
Progress = Callable[[str, int, int], None]  # (what is running, done, total)


@dataclass(frozen=True)
class PipelineSpec:
    """The steps of a pipeline and the field holding each record's text."""

    steps: tuple[StepSpec, ...]
    text_field: str = "text"
    batch_size: int = 64


def load_pipeline(path: Path) -> PipelineSpec:
    """Read a pipeline file; see the module docstring for the format."""
    if not path.is_file():
        raise CurateError(f"pipeline file {path} does not exist.")
    return parse_pipeline(read_yaml(path, "pipeline"), str(path))


def parse_pipeline(data: Any, where: str = "pipeline") -> PipelineSpec:
    """A pipeline from decoded YAML (a mapping with ``steps``, or just the list of steps)."""
    if isinstance(data, list):
        data = {"steps": data}
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list) or not data["steps"]:
        raise CurateError(f"{where}: a pipeline is a mapping with a non-empty list under 'steps'.")
    unknown = sorted(set(data) - {"steps", "text_field", "batch_size"})
    if unknown:
        raise CurateError(f"{where}: unknown key(s) {unknown}; allowed: batch_size, steps, text_field.")
    steps = tuple(_step(entry, where) for entry in data["steps"])
    return PipelineSpec(steps, str(data.get("text_field", "text")), int(data.get("batch_size", 64)))


def _step(entry: Any, where: str) -> StepSpec:
    params: Any
    if isinstance(entry, str):
        name, params = entry, {}
    elif isinstance(entry, dict) and len(entry) == 1:
        name, params = next(iter(entry.items()))
        params = params or {}
        if not isinstance(params, dict):
            raise CurateError(f"{where}: the parameters of step '{name}' must be a mapping.")
    else:
        raise CurateError(f"{where}: each step is a name or {{name: {{parameters}}}}; got {entry!r}.")
    if name not in KNOWN_STEPS:
        raise CurateError(f"{where}: unknown step '{name}'; the steps are {', '.join(KNOWN_STEPS)}.")
    return StepSpec(str(name), dict(params))


@dataclass
class StepStats:
    """What one step did: records in, records removed, time taken."""

    name: str
    params: dict[str, Any]
    seen: int = 0
    removed: int = 0
    seconds: float = 0.0


@dataclass
class PipelineResult:
    """Every record of the run, in input order, each marked with the step that removed it, if any."""

    spec: PipelineSpec
    records: list[Record]
    steps: list[Step]
    stats: list[StepStats]
    corpus: Corpus
    seconds: float
    engine: str = "local"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> list[Record]:
        return [r for r in self.records if REMOVED not in r]

    @property
    def removed(self) -> list[Record]:
        return [r for r in self.records if REMOVED in r]


def apply_segment(
    steps: Sequence[Step], positions: Sequence[int], records: list[Record], text_field: str
) -> list[float]:
    """Run per-record steps (at pipeline ``positions``) over one batch, in place; seconds per step.

    A record removed by one step is not shown to the next.
    """
    seconds = []
    for step, position in zip(steps, positions, strict=True):
        started = time.perf_counter()
        alive = [r for r in records if REMOVED not in r]
        for record, reason in zip(alive, step.run(alive, text_field) if alive else [], strict=True):
            if reason:
                record[REMOVED], record[STEP] = reason, position
        seconds.append(time.perf_counter() - started)
    return seconds


Segment = list[tuple[int, Step]]
SegmentRunner = Callable[[Segment, list[Record]], list[Record]]


def segments(steps: Sequence[Step]) -> list[Segment]:
    """Runs of per-record steps, and each whole-corpus step on its own."""
    found: list[Segment] = []
    for position, step in enumerate(steps):
        if step.whole_corpus or not found or found[-1][-1][1].whole_corpus:
            found.append([(position, step)])
        else:
            found[-1].append((position, step))
    return found


def run_pipeline(
    spec: PipelineSpec,
    corpus: Corpus,
    *,
    settings: Settings,
    models: Models | None = None,
    progress: Progress | None = None,
) -> PipelineResult:
    """Run ``spec`` over ``corpus`` in this process."""
    models = models or Models(settings)
    steps = [build_step(s, models) for s in spec.steps]
    stats = [StepStats(s.name, s.params) for s in spec.steps]

    def local(segment: Segment, alive: list[Record]) -> list[Record]:
        size = len(alive) if segment[0][1].whole_corpus else spec.batch_size
        label = " + ".join(step.name for _, step in segment)
        for start in range(0, len(alive), size):
            batch = alive[start : start + size]
            spent = apply_segment([s for _, s in segment], [p for p, _ in segment], batch, spec.text_field)
            for (position, _), seconds in zip(segment, spent, strict=True):
                stats[position].seconds += seconds
            if progress:
                progress(label, min(start + size, len(alive)), len(alive))
        return alive

    return execute(spec, corpus, steps, stats, local)


def execute(
    spec: PipelineSpec, corpus: Corpus, steps: list[Step], stats: list[StepStats], runner: SegmentRunner
) -> PipelineResult:
    """Drive ``runner`` over each segment in order and count what every step saw and removed."""
    started = time.perf_counter()
    records = [dict(r) for r in corpus.records]
    by_line = {r["_line"]: i for i, r in enumerate(records)}
    for segment in segments(steps):
        alive = [r for r in records if REMOVED not in r]
        for record in runner(segment, alive):  # a remote runner returns copies: fold them back
            records[by_line[record["_line"]]] = record
        for position, _ in segment:
            stats[position].seen = sum(1 for r in records if REMOVED not in r or r[STEP] >= position)
            stats[position].removed = sum(1 for r in records if r.get(STEP) == position)
    return PipelineResult(spec, records, steps, stats, corpus, time.perf_counter() - started)
