"""CLI for classification: ``sakuin classify`` (labels from a prompt) and ``sakuin choose``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sakuin.classify import ChoiceEngine, ChoiceTask, EngineOptions, build_engine, load_task, make_task
from sakuin.classify.backend import choose_backend
from sakuin.classify.run import ClassifyResult, check_columns, classify_file
from sakuin.classify.tables import read_table
from sakuin.classify.task import Task
from sakuin.config import Settings
from sakuin.errors import TaskError
from sakuin.models import LanguageModel, load_model
from sakuin.terminal import err, out, progress_bars, settings_of

OutOption = Annotated[Path | None, typer.Option("--out", help="Output file (.csv, .jsonl, .parquet).")]
ResumeOption = Annotated[
    bool, typer.Option("--resume", help="Carry on from an interrupted run's checkpoint next to --out.")
]
BatchOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Rows per batch and per checkpoint write (default: 256 when scoring, whose batches are "
        "sorted by length to pad less; 32 for generate).",
    ),
]


def classify(
    ctx: typer.Context,
    input_path: Annotated[Path, typer.Argument(help="Table to label: .csv, .jsonl or .parquet.")],
    task_file: Annotated[
        Path | None, typer.Option("--task", help="Task file (YAML): instruction, labels, examples.")
    ] = None,
    labels: Annotated[
        str | None, typer.Option(help='Comma-separated labels, e.g. "positive,negative".')
    ] = None,
    instruction: Annotated[str, typer.Option(help="What the labels mean, in words.")] = "",
    text_column: Annotated[
        list[str] | None, typer.Option("--text-column", help="Column(s) to classify (repeatable).")
    ] = None,
    engine: Annotated[str, typer.Option(help="generate, score, distill or ray.")] = "score",
    out_path: OutOption = None,
    calibrate: Annotated[bool, typer.Option(help="Divide out the prompt's label bias (N/A input).")] = True,
    length_normalise: Annotated[bool, typer.Option(help="Per-token label log-likelihoods.")] = False,
    first_token: Annotated[
        bool, typer.Option(help="Score only labels' first tokens when those tell them apart.")
    ] = False,
    features: Annotated[str, typer.Option(help="distill features: embeddings, hidden or e5.")] = "embeddings",
    sample: Annotated[
        int, typer.Option(min=10, help="distill: items the model labels to train the head.")
    ] = 500,
    margin: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="distill: below this head margin, ask the model.")
    ] = 0.2,
    ray_address: Annotated[
        str | None, typer.Option(help="ray: cluster address (default: start a local one).")
    ] = None,
    ray_runs: Annotated[
        str, typer.Option(help="ray: the engine each worker runs (score, distill or generate).")
    ] = "score",
    batch_size: BatchOption = None,
    resume: ResumeOption = False,
) -> None:
    """Label every row of a table with labels defined only by a prompt (zero-shot)."""
    task = _task(task_file, labels, instruction, text_column)
    output = out_path or input_path.with_name(f"{input_path.stem}.labelled{input_path.suffix}")
    if engine not in ("generate", "score", "distill", "ray"):
        raise TaskError(f"unknown engine '{engine}'; use generate, score, distill or ray.")
    if ray_runs not in ("generate", "score", "distill"):
        raise TaskError(f"unknown --ray-runs engine '{ray_runs}'; use score, distill or generate.")
    if features not in ("embeddings", "hidden", "e5"):
        raise TaskError(f"unknown features '{features}'; use embeddings, hidden or e5.")
    options = EngineOptions(
        ray_runs if engine == "ray" else engine,  # type: ignore[arg-type]
        calibrate,
        length_normalise,
        first_token,
        features,  # type: ignore[arg-type]
        sample,
        margin,
    )
    check_columns(read_table(input_path), task, input_path)  # before the model loads, not after
    settings = settings_of(ctx)
    if engine == "ray":
        from sakuin.classify.ray_engine import classify_file_ray

        with err.status("labelling on Ray…"):
            result = classify_file_ray(
                task,
                input_path,
                output,
                settings=settings,
                options=options,
                batch_size=batch_size,
                address=ray_address,
            )
        if result.backend:
            out.print(result.backend.describe())
        _summary(result, options.engine)
        return
    choice = choose_backend(settings, options.engine)
    out.print(choice.describe())
    built = build_engine(_load(choice.settings), task, options)
    with progress_bars("items") as bars:
        result = classify_file(
            task,
            input_path,
            output,
            engine=built,
            batch_size=batch_size,
            resume=resume,
            progress=lambda done, total: bars("labelling", done, total),
            backend=choice,
        )
    _summary(result, options.engine)


def choose(
    ctx: typer.Context,
    input_path: Annotated[Path, typer.Argument(help="Table of questions and options.")],
    question_column: Annotated[str, typer.Option(help="Column with the question.")] = "question",
    option_column: Annotated[
        list[str] | None, typer.Option("--option-column", help="Option columns (repeatable).")
    ] = None,
    instruction: Annotated[str, typer.Option(help="Text placed before every question.")] = "",
    calibrate: Annotated[
        bool, typer.Option(help="Subtract each option's likelihood after a content-free question.")
    ] = False,
    length_normalise: Annotated[bool, typer.Option(help="Per-token option log-likelihoods.")] = True,
    out_path: OutOption = None,
    batch_size: BatchOption = None,
    resume: ResumeOption = False,
) -> None:
    """Pick the most likely option for each question (multiple choice by scoring)."""
    task = ChoiceTask(question_column, tuple(option_column or ()), instruction)
    check_columns(read_table(input_path), task, input_path)
    output = out_path or input_path.with_name(f"{input_path.stem}.chosen{input_path.suffix}")
    model = _load(settings_of(ctx))
    engine = ChoiceEngine(model, task, calibrate=calibrate, length_normalise=length_normalise)
    with progress_bars("items") as bars:
        result = classify_file(
            task,
            input_path,
            output,
            engine=engine,
            batch_size=batch_size,
            resume=resume,
            progress=lambda done, total: bars("labelling", done, total),
        )
    _summary(result)


def _task(task_file: Path | None, labels: str | None, instruction: str, columns: list[str] | None) -> Task:
    if task_file is not None:
        return load_task(task_file)
    if not labels:
        raise TaskError('give --labels "a,b,c" (and --instruction), or --task task.yaml.')
    return make_task(labels.split(","), instruction=instruction, text_columns=columns or ["text"])


def _load(settings: Settings) -> LanguageModel:
    with err.status(f"loading {settings.model.name} ({settings.model.backend})…"):
        return load_model(settings)


def _summary(result: ClassifyResult, engine: str = "") -> None:
    resumed = f", {result.resumed_from} from the checkpoint" if result.resumed_from else ""
    out.print(
        f"labelled {result.labelled} of {result.total} rows ({result.skipped} skipped{resumed}) in "
        f"{result.seconds:.1f} s → {result.output}"
    )
    if result.unparsed or engine == "generate":
        out.print(f"{result.unparsed} of {result.labelled} answers named no label (predicted is empty)")
    if result.distill is not None:
        report = result.distill
        out.print(
            f"distill: head trained on {report.trained_on} model-labelled items; agrees with the model "
            f"on {report.agreement:.1%} of {report.held_out} held-out items"
        )
