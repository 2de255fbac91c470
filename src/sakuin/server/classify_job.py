"""Classification as a background job: an uploaded table labelled by prompt-defined labels.

The same call as ``sakuin classify``: :func:`sakuin.classify.classify_file` over the uploaded
CSV/JSONL/Parquet file with the engine the parameters name. Batches are the job's progress; a
cancel stops before the next batch. The result is the labelled table (every input column plus
``predicted`` and ``p_<label>``), a per-label count and a bar chart of those counts.
"""

from __future__ import annotations

import json
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sakuin.classify import EngineOptions, build_engine, classify_file, make_task
from sakuin.classify.tables import read_table
from sakuin.errors import SakuinError
from sakuin.server.jobs import JobCancelledError, JobContext, JobKind, ModelLender


class ClassifyJobError(SakuinError):
    """A classification job without exactly one table to label."""


class ClassifyParams(BaseModel):
    """Labels and instruction (the CLI's --labels/--instruction), the text column, the engine."""

    labels: list[str] = Field(min_length=2, max_length=50, description="The label names.")
    instruction: str = Field("", max_length=2000, description="What the labels mean, in plain words.")
    text_column: str = Field("text", min_length=1, max_length=200, description="The column to classify.")
    engine: Literal["score", "distill", "generate"] = "score"


def classify_kind(model: ModelLender) -> JobKind:
    """The ``classify`` job kind; ``model`` lends the server's language model, exclusively, for the run."""

    def run(params: ClassifyParams, context: JobContext) -> None:
        if len(context.inputs) != 1:
            raise ClassifyJobError("upload exactly one table (CSV, JSONL or Parquet) to classify.")
        (table,) = context.inputs
        task = make_task(params.labels, instruction=params.instruction, text_columns=[params.text_column])
        output = context.output_dir / f"labelled{table.suffix.lower()}"
        context.report(0, 0, "waiting for the model")
        with model() as loaded:  # the whole run: the model decodes for one caller at a time
            result = classify_file(
                task,
                table,
                output,
                engine=build_engine(loaded, task, EngineOptions(params.engine)),
                progress=lambda done, total: context.report(done, total, f"{done}/{total} rows"),
                should_stop=context.cancelled,
            )
        if not result.complete:
            raise JobCancelledError  # stopped between batches; nothing half-written is offered
        counts = read_table(output)["predicted"].value_counts().reindex(task.label_names, fill_value=0)
        summary = {
            "rows": result.total,
            "labelled": result.labelled,
            "skipped": result.skipped,
            "complete": result.complete,
            "seconds": result.seconds,
            "counts": {label: int(n) for label, n in counts.items()},
        }
        (context.output_dir / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _chart(counts, context)

    return JobKind(
        "classify",
        "Label every row of an uploaded table with prompt-defined labels (zero-shot).",
        ClassifyParams,
        run,
        accepts_files=True,
    )


def _chart(counts: pd.Series, context: JobContext) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3))
    axis.bar([str(label) for label in counts.index], counts.to_numpy())
    axis.set_ylabel("rows")
    axis.set_title("predicted labels")
    figure.tight_layout()
    figure.savefig(context.output_dir / "labels.png", dpi=110)
    plt.close(figure)
