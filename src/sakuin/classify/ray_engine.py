"""``--engine ray``: the same per-batch function mapped over a Ray Dataset.

Each Ray worker loads the model once and applies :func:`~sakuin.classify.run.label_batch` to
the batches it is given, exactly as the local runner does, so results are the same. Without an
address a local one-node cluster is started for the run and shut down after it; with one, the run
joins that cluster. The table is read and written by the same functions as locally (so Shift_JIS
CSV and every format behave the same), with Ray distributing the work in between.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sakuin.classify.run import ClassifyResult, check_columns, label_batch
from sakuin.classify.tables import read_table, write_table
from sakuin.classify.task import Task
from sakuin.config import Settings
from sakuin.errors import TaskError

if TYPE_CHECKING:
    from sakuin.classify import EngineOptions


class _Labeller:
    """A Ray actor's state: the model and engine, built once per worker."""

    def __init__(self, settings: Settings, task: Task, options: EngineOptions) -> None:
        from sakuin.classify import build_engine
        from sakuin.models import load_model

        self.task = task
        self.engine = build_engine(load_model(settings), task, options)

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
    batch_size: int = 32,
    workers: int = 1,
    address: str | None = None,
) -> ClassifyResult:
    """Label ``input_path`` on a Ray cluster (a local one when ``address`` is None)."""
    import ray

    if options.engine == "distill":
        raise TaskError("the Ray engine runs 'score' or 'generate' per batch; distill runs locally.")
    started = time.perf_counter()
    frame = read_table(input_path).reset_index(drop=True)
    check_columns(frame, task, input_path)
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
            fn_constructor_args=(settings, task, options),
            batch_size=batch_size,
            batch_format="pandas",
            concurrency=workers,
            num_cpus=max(1, (os.cpu_count() or 1) // workers),
        ).to_pandas()
    finally:
        if own_cluster:
            ray.shutdown()
    write_table(labelled, output_path)
    skipped = int((labelled["skipped"].astype(str) != "").sum())
    return ClassifyResult(
        output_path, len(frame), len(frame) - skipped, skipped, 0, time.perf_counter() - started, True
    )
