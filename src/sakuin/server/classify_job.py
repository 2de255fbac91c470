"""Classification as a background job: an uploaded table labelled by prompt-defined labels.

The same call as ``sakuin classify``: :func:`sakuin.classify.classify_file` over the uploaded
CSV/JSONL/Parquet file with the engine the parameters name, on the backend
:func:`sakuin.classify.backend.choose_backend` picks for that engine (the server's own model for
``generate``; where sakuin chooses a faster scoring backend, a second model loaded on the first
such job). Batches are the job's progress; a cancel stops before the next batch. The result is the
labelled table (every input column plus ``predicted`` and ``p_<label>``), a summary with the
backend used and the answers that named no label, and a bar chart of the per-label counts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from sakuin.classify import EngineOptions, build_engine, classify_file, make_task
from sakuin.classify.backend import BackendChoice, choose_backend
from sakuin.classify.tables import read_table
from sakuin.config import Settings
from sakuin.errors import SakuinError
from sakuin.models import LanguageModel
from sakuin.server.jobs import JobCancelledError, JobContext, JobKind
from sakuin.server.shared_model import SharedModel


class ClassifyJobError(SakuinError):
    """A classification job without exactly one table to label."""


class ClassifyParams(BaseModel):
    """Labels and instruction (the CLI's --labels/--instruction), the text column, the engine."""

    labels: list[str] = Field(min_length=2, max_length=50, description="The label names.")
    instruction: str = Field("", max_length=2000, description="What the labels mean, in plain words.")
    text_column: str = Field("text", min_length=1, max_length=200, description="The column to classify.")
    engine: Literal["score", "distill", "generate"] = "score"


class ClassifyModels:
    """The models classify jobs run on, each lent exclusively for a whole run."""

    def __init__(self, settings: Settings, server_model: SharedModel) -> None:
        self._settings = settings
        self._server_model = server_model
        self._scoring: SharedModel | None = None
        self._loading = threading.Lock()

    def choice(self, engine: str) -> BackendChoice:
        """The backend a job with ``engine`` runs on; a model handed to the server is always used."""
        if self._server_model.given:
            return BackendChoice(self._settings, engine, automatic=False)
        return choose_backend(self._settings, engine)

    @contextmanager
    def lend(self, choice: BackendChoice) -> Iterator[LanguageModel]:
        """The model for ``choice``: the server's own, or the scoring backend's, loaded once."""
        if not choice.automatic:
            with self._server_model.generating() as model:
                yield model
            return
        with self._loading:
            if self._scoring is None:
                self._scoring = SharedModel(choice.settings)
            scoring = self._scoring
        with scoring.generating() as model:
            yield model

    def close(self) -> None:
        """Release the scoring model if one was loaded (the server's own is the server's to close)."""
        with self._loading:
            if self._scoring is not None:
                self._scoring.close()


def classify_kind(models: ClassifyModels) -> JobKind:
    """The ``classify`` job kind; ``models`` lends the model the job's engine runs on."""

    def run(params: ClassifyParams, context: JobContext) -> None:
        if len(context.inputs) != 1:
            raise ClassifyJobError("upload exactly one table (CSV, JSONL or Parquet) to classify.")
        (table,) = context.inputs
        task = make_task(params.labels, instruction=params.instruction, text_columns=[params.text_column])
        output = context.output_dir / f"labelled{table.suffix.lower()}"
        choice = models.choice(params.engine)
        context.report(0, 0, f"waiting for the model ({choice.describe()})")
        with models.lend(choice) as loaded:  # the whole run: the model decodes for one caller at a time
            result = classify_file(
                task,
                table,
                output,
                engine=build_engine(loaded, task, EngineOptions(params.engine)),
                progress=lambda done, total: context.report(done, total, f"{done}/{total} rows"),
                should_stop=context.cancelled,
                backend=choice,
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
            "unparsed": result.unparsed,
            **choice.as_dict(),
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
