"""``--engine ray``: the same per-batch function mapped over a Ray Dataset.

Each Ray worker loads the model once and applies :func:`~sakuin.classify.run.label_batch` to
the batches it is given, exactly as the local runner does, so results are the same. Without an
address a local one-node cluster is started for the run and shut down after it; with one, the run
joins that cluster. The table is read and written by the same functions as locally (so Shift_JIS
CSV and every format behave the same), with Ray distributing the work in between. ``distill``
trains its head once in the driver and ships it to the workers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sakuin.classify.backend import choose_backend
from sakuin.classify.distill import DistillEngine, DistillReport
from sakuin.classify.generate import GenerateEngine
from sakuin.classify.run import ClassifyResult, check_columns, label_batch, train_if_distill
from sakuin.classify.score import ScoreEngine
from sakuin.classify.tables import read_table, write_table
from sakuin.classify.task import Task
from sakuin.config import Settings

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from sakuin.classify import EngineOptions


class _Labeller:
    """A Ray actor's state: the model and engine, built once per worker."""

    def __init__(self, settings: Settings, task: Task, options: EngineOptions, head: Pipeline | None) -> None:
        from sakuin.classify import build_engine
        from sakuin.models import load_model

        self.task = task
        self.engine = build_engine(load_model(settings), task, options)
        if isinstance(self.engine, DistillEngine):
            self.engine.head = head  # trained once by the driver, the same for every worker

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        labelled = label_batch(self.engine, self.task, batch)
        return pd.concat([batch, labelled], axis=1)


def classify_file_ray(
    task: Task,
    input_path: Path,
    output_path: Path,
    *,
    settings: Settings,
    options: EngineOptions,
    batch_size: int | None = None,
    workers: int = 1,
    address: str | None = None,
) -> ClassifyResult:
    """Label ``input_path`` on a Ray cluster (a local one when ``address`` is None).

    The workers load the model on the backend :func:`choose_backend` picks for their engine;
    each gets ``batch_size`` rows at a time, by default as many as that engine takes locally.
    """
    import ray

    started = time.perf_counter()
    engine_class = GenerateEngine if options.engine == "generate" else ScoreEngine
    batch_size = batch_size or engine_class.batch_rows
    backend = choose_backend(settings, options.engine)
    settings = backend.settings
    frame = read_table(input_path).reset_index(drop=True)
    check_columns(frame, task, input_path)
    report, head = _distill_head(settings, task, options, frame)
    own_cluster = not ray.is_initialized()
    if own_cluster:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        dataset = ray.data.from_pandas(frame)
        labelled = dataset.map_batches(
            _Labeller,
            fn_constructor_args=(settings, task, options, head),
            batch_size=batch_size,
            batch_format="pandas",
            concurrency=workers,
            num_cpus=max(1, (os.cpu_count() or 1) // workers),
        ).to_pandas()
    finally:
        if own_cluster:
            ray.shutdown()
    write_table(labelled, output_path)
    skipped_rows = labelled["skipped"].astype(str) != ""
    skipped = int(skipped_rows.sum())
    unparsed = int(((labelled["predicted"].astype(str) == "") & ~skipped_rows).sum())
    seconds = time.perf_counter() - started
    return ClassifyResult(
        output_path, len(frame), len(frame) - skipped, skipped, 0, seconds, True, report, unparsed, backend
    )


def _distill_head(
    settings: Settings, task: Task, options: EngineOptions, frame: pd.DataFrame
) -> tuple[DistillReport | None, Pipeline | None]:
    """For ``distill``: the head, trained here on a sample of ``frame`` before the workers start.

    Training needs the model's labels of the whole sample in one place, so it is not spread
    over workers; they then only apply the head (and ask the model where it is unsure).
    """
    if options.engine != "distill":
        return None, None
    from sakuin.classify import build_engine
    from sakuin.models import load_model

    model = load_model(settings)
    try:
        engine = build_engine(model, task, options)
        report = train_if_distill(engine, frame, task)
        return report, engine.head if isinstance(engine, DistillEngine) else None
    finally:
        model.close()
