"""Classifying a whole table: batches, skipped rows, incremental results and resume.

:func:`label_batch` is the one per-batch function: the local runner here and the Ray engine both
map it over the input. :func:`classify_file` is the entry point the CLI and the server use: it
takes a progress callback and a cancel check, appends each finished batch to a checkpoint file
next to the output, and writes the output (input columns + ``predicted`` + ``p_<label>`` +
``skipped``) when every row is done. An interrupted or cancelled run leaves the checkpoint, and
``resume=True`` carries on from it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sakuin.classify.backend import BackendChoice
from sakuin.classify.distill import DistillEngine, DistillReport
from sakuin.classify.engines import Engine, Row, predicted_labels
from sakuin.classify.tables import read_table, write_table
from sakuin.classify.task import TableTask
from sakuin.errors import InputFileError, SakuinError

ROW = "_row"
Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class ClassifyResult:
    """What a run did; ``complete`` is False when it was cancelled (the checkpoint is kept)."""

    output: Path
    total: int
    labelled: int
    skipped: int
    resumed_from: int
    seconds: float
    complete: bool
    distill: DistillReport | None = None
    unparsed: int = 0  # rows labelled with no label: generate's answer named none of them
    backend: BackendChoice | None = None  # what the model ran on, when the caller chose it

    @property
    def items_per_second(self) -> float:
        done = self.labelled + self.skipped - self.resumed_from
        return done / self.seconds if self.seconds else 0.0


def output_columns(task: TableTask) -> list[str]:
    return ["predicted", *(f"p_{name}" for name in task.label_names), "skipped"]


def check_columns(frame: pd.DataFrame, task: TableTask, path: Path | str) -> None:
    """Every text column the task reads must exist; name the ones that do."""
    missing = [c for c in task.text_columns if c not in frame.columns]
    if missing:
        raise InputFileError(
            f"{path} has no column(s) {missing}; its columns are {list(map(str, frame.columns))}. "
            "Pass --text-column with one of them."
        )


def empty_reason(row: Row, task: TableTask) -> str:
    """Why a row cannot be classified (a missing or blank text), or '' when it can."""
    for column in task.text_columns:
        value = row.get(column)
        if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
            return f"empty {column}"
    return ""


def label_batch(engine: Engine, task: TableTask, frame: pd.DataFrame) -> pd.DataFrame:
    """The engine's columns for one batch: blank rows skipped, and a bad row never stops the batch.

    If the batch fails as a whole (one item overflows the context window, say), it is retried
    item by item so only the bad items are marked, with the reason.
    """
    rows: list[Row] = frame.to_dict(orient="records")
    reasons = [empty_reason(row, task) for row in rows]
    probabilities = np.zeros((len(rows), len(task.label_names)))
    todo = [i for i, reason in enumerate(reasons) if not reason]
    try:
        probabilities[todo] = engine.predict([rows[i] for i in todo])
    except SakuinError:
        for i in todo:
            try:
                probabilities[i] = engine.predict([rows[i]])[0]
            except SakuinError as exc:
                reasons[i] = str(exc)
    result = pd.DataFrame({"predicted": predicted_labels(probabilities, task.label_names)}, index=frame.index)
    for j, name in enumerate(task.label_names):
        result[f"p_{name}"] = probabilities[:, j]
    result["skipped"] = reasons
    return result


def train_if_distill(engine: Engine, frame: pd.DataFrame, task: TableTask) -> DistillReport | None:
    """Train a distill engine's head on a sample of ``frame`` unless it is trained already."""
    if not isinstance(engine, DistillEngine):
        return None
    usable = [row for row in frame.to_dict(orient="records") if not empty_reason(row, task)]
    return engine.report or engine.fit(usable)


def checkpoint_path(output: Path) -> Path:
    """Where finished batches accumulate until the output is written."""
    return output.with_name(output.name + ".partial.jsonl")


def classify_file(
    task: TableTask,
    input_path: Path,
    output_path: Path,
    *,
    engine: Engine,
    batch_size: int | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    backend: BackendChoice | None = None,
) -> ClassifyResult:
    """Label every row of ``input_path`` with ``engine`` and write ``output_path``.

    ``progress(done, total)`` is called after each batch; ``should_stop()`` is checked before each
    batch and, when true, the run returns with ``complete=False`` and can be resumed. A distill
    engine that is not trained yet is trained first on a sample of this file's rows. ``backend``
    (from :func:`~sakuin.classify.backend.choose_backend`) is recorded in the result. Each batch
    is ``batch_size`` rows, by default the engine's ``batch_rows``.
    """
    batch_size = batch_size or engine.batch_rows
    started = time.perf_counter()
    frame = read_table(input_path)
    check_columns(frame, task, input_path)
    report = train_if_distill(engine, frame, task)
    checkpoint = checkpoint_path(output_path)
    done = _finished_rows(checkpoint) if resume else {}
    resumed_from = len(done)
    # Rewritten from what was read, so a line cut short by the interruption is not appended to.
    checkpoint.write_text(
        "".join(json.dumps({ROW: i, **r}, ensure_ascii=False) + "\n" for i, r in done.items()),
        encoding="utf-8",
    )
    todo = [i for i in range(len(frame)) if i not in done]
    if progress:
        progress(len(done), len(frame))
    with checkpoint.open("a", encoding="utf-8") as handle:
        for start in range(0, len(todo), batch_size):
            if should_stop and should_stop():
                return _result(output_path, frame, done, resumed_from, started, False, report, backend)
            batch = frame.iloc[todo[start : start + batch_size]]
            labelled = label_batch(engine, task, batch)
            for position, record in zip(batch.index, labelled.to_dict(orient="records"), strict=True):
                done[int(position)] = record
                handle.write(json.dumps({ROW: int(position), **record}, ensure_ascii=False) + "\n")
            handle.flush()
            if progress:
                progress(len(done), len(frame))
    write_table(merge_results(frame, done, task), output_path)
    checkpoint.unlink()
    return _result(output_path, frame, done, resumed_from, started, True, report, backend)


def merge_results(frame: pd.DataFrame, done: dict[int, dict[str, object]], task: TableTask) -> pd.DataFrame:
    """The input with the engine's columns, in the input's row order."""
    results = pd.DataFrame.from_dict(done, orient="index").reindex(range(len(frame)))
    merged = frame.reset_index(drop=True).copy()
    for column in output_columns(task):
        merged[column] = results[column].to_numpy()
    return merged


def _finished_rows(checkpoint: Path) -> dict[int, dict[str, object]]:
    """Rows a previous run finished; a last line cut short by the interruption is ignored."""
    if not checkpoint.is_file():
        return {}
    done: dict[int, dict[str, object]] = {}
    for line in checkpoint.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        done[int(record.pop(ROW))] = record
    return done


def _result(
    output: Path,
    frame: pd.DataFrame,
    done: dict[int, dict[str, object]],
    resumed_from: int,
    started: float,
    complete: bool,
    report: DistillReport | None,
    backend: BackendChoice | None,
) -> ClassifyResult:
    skipped = sum(1 for record in done.values() if record.get("skipped"))
    unparsed = sum(1 for record in done.values() if not record.get("skipped") and not record["predicted"])
    return ClassifyResult(
        output,
        len(frame),
        len(done) - skipped,
        skipped,
        resumed_from,
        time.perf_counter() - started,
        complete,
        report,
        unparsed,
        backend,
    )
