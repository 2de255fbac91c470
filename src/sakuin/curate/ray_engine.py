"""``--engine ray``: a pipeline's per-record segments mapped over a Ray Dataset.

Each Ray worker builds the pipeline's steps once (loading the model once, if a judge needs one)
and applies :func:`~sakuin.curate.pipeline.apply_segment` to the batches it is given, exactly as
the local runner does, so the output is the same. Whole-corpus steps (de-duplication, training a
distilled judge) run in the driver between segments. Records travel as JSON text, so every field
arrives as it left. Without an address a local one-node cluster is started for the run and shut
down after it (the pattern of :mod:`sakuin.classify.ray_engine`).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pandas as pd

from sakuin.config import Settings
from sakuin.curate.pipeline import (
    PipelineResult,
    PipelineSpec,
    Progress,
    Segment,
    StepStats,
    apply_segment,
    execute,
)
from sakuin.curate.records import Corpus, Record
from sakuin.curate.steps import Models, build_step

_COLUMN = "record"


class _SegmentWorker:
    """A Ray actor's state: the segment's steps, built once per worker."""

    def __init__(self, settings: Settings, spec: PipelineSpec, positions: list[int]) -> None:
        models = Models(settings)
        self.positions = positions
        self.steps = [build_step(spec.steps[p], models) for p in positions]
        self.text_field = spec.text_field

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        records = [json.loads(text) for text in batch[_COLUMN]]
        apply_segment(self.steps, self.positions, records, self.text_field)
        return pd.DataFrame({_COLUMN: [json.dumps(r, ensure_ascii=False) for r in records]})


def run_pipeline_ray(
    spec: PipelineSpec,
    corpus: Corpus,
    *,
    settings: Settings,
    workers: int = 1,
    address: str | None = None,
    progress: Progress | None = None,
) -> PipelineResult:
    """Run ``spec`` over ``corpus`` with per-record segments on a Ray cluster."""
    import ray

    models = Models(settings)  # the driver's model: only whole-corpus judge steps load it
    steps = [build_step(s, models) if _whole(s.name, s.params) else _Placeholder(s.name) for s in spec.steps]
    stats = [StepStats(s.name, s.params) for s in spec.steps]
    own_cluster = not ray.is_initialized()
    if own_cluster:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False

    def remote(segment: Segment, alive: list[Record]) -> list[Record]:
        if segment[0][1].whole_corpus:
            step = segment[0][1]
            apply_segment([step], [segment[0][0]], alive, spec.text_field)
            return alive
        if progress:
            progress(" + ".join(s.name for _, s in segment) + " (ray)", 0, len(alive))
        dataset = ray.data.from_pandas(
            pd.DataFrame({_COLUMN: [json.dumps(r, ensure_ascii=False) for r in alive]})
        )
        done = dataset.map_batches(
            _SegmentWorker,
            fn_constructor_args=(settings, spec, [p for p, _ in segment]),
            batch_size=spec.batch_size,
            batch_format="pandas",
            concurrency=workers,
            num_cpus=max(1, (os.cpu_count() or 1) // workers),
        ).to_pandas()
        if progress:
            progress(" + ".join(s.name for _, s in segment) + " (ray)", len(alive), len(alive))
        return [json.loads(text) for text in done[_COLUMN]]

    try:
        result = execute(spec, corpus, steps, stats, remote)  # type: ignore[arg-type]
    finally:
        if own_cluster:
            ray.shutdown()
    result.engine = "ray"
    return result


def _whole(name: str, params: dict[str, Any]) -> bool:
    """Steps the driver runs itself: de-duplication, and a judge whose head must first be trained."""
    return name.startswith("dedup_") or params.get("engine") == "distill"


class _Placeholder:
    """A per-record step as the driver sees it: run by the workers, so never built here."""

    whole_corpus = False

    def __init__(self, name: str) -> None:
        self.name = name
