"""Curation as a background job: an uploaded JSONL corpus through a pipeline, with its report.

The same call as ``sakuin curate run``: :func:`sakuin.curate.run_pipeline` over the uploaded
file, with the steps the parameters name (a YAML pipeline, or the default: every heuristic
filter, exact and near de-duplication, and the judge when a threshold is given). The judge runs
on the model :class:`~sakuin.server.classify_job.ClassifyModels` lends for ``score``, so curate
and classify jobs share one scoring model. Each batch is progress; a cancel stops at the next
batch. Results: ``kept.jsonl``, ``removed.jsonl`` (each with its reason), ``report.json`` and,
when a judge ran, ``report.png`` (the quality histogram).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import BaseModel, Field

from sakuin.curate.filters import FILTERS
from sakuin.curate.pipeline import REMOVED, PipelineSpec, parse_pipeline, run_pipeline
from sakuin.curate.records import CurateError, read_records, write_records
from sakuin.curate.report import build_report, plot_histograms
from sakuin.curate.steps import JUDGE_STEPS, Models, StepSpec
from sakuin.server.classify_job import ClassifyModels
from sakuin.server.jobs import Job, JobContext, JobKind


class CurateParams(BaseModel):
    """A pipeline in YAML, or the default one; the text field; the judge's threshold."""

    pipeline: str = Field("", max_length=20_000, description="Pipeline YAML (empty: the default).")
    text_field: str = Field("text", min_length=1, max_length=200)
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="Default pipeline: judge threshold.")


def default_pipeline(params: CurateParams) -> PipelineSpec:
    """Every filter, exact and near de-duplication, then the judge if a threshold is given."""
    steps = [StepSpec(name) for name in FILTERS] + [StepSpec("dedup_exact"), StepSpec("dedup_minhash")]
    if params.threshold is not None:
        steps.append(StepSpec("judge", {"threshold": params.threshold}))
    return PipelineSpec(tuple(steps), params.text_field)


def curate_results(job: Job) -> dict[str, Any]:
    """What the Curate page shows of a finished job: its report."""
    path = job.results_dir / "report.json"
    if job.status != "done" or not path.is_file():
        return {}
    return {"report": json.loads(path.read_text(encoding="utf-8"))}


def curate_kind(models: ClassifyModels) -> JobKind:
    """The ``curate`` job kind; ``models`` lends the scoring model a judge step needs."""

    def run(params: CurateParams, context: JobContext) -> None:
        if len(context.inputs) != 1:
            raise CurateError("upload exactly one JSONL file (one record per line) to curate.")
        if params.pipeline.strip():
            try:
                data = yaml.safe_load(params.pipeline)
            except yaml.YAMLError as exc:
                raise CurateError(f"the pipeline is not valid YAML ({exc}).") from exc
            spec = parse_pipeline(data)
            if isinstance(data, dict) and "text_field" not in data:
                spec = PipelineSpec(spec.steps, params.text_field, spec.batch_size)
        else:
            spec = default_pipeline(params)
        corpus = read_records(context.inputs[0], spec.text_field)

        def progress(label: str, done: int, total: int) -> None:
            context.check_cancelled()
            context.report(done, total, f"{label}: {done}/{total}")

        choice = models.choice("score")
        if not any(step.name in JUDGE_STEPS for step in spec.steps):  # rules only: no model needed
            result = run_pipeline(spec, corpus, settings=choice.settings, progress=progress)
        else:
            context.report(0, 0, f"waiting for the model ({choice.describe()})")
            with models.lend(choice) as model:  # the whole run: one caller at a time on the model
                shared = Models(choice.settings, model)
                result = run_pipeline(
                    spec, corpus, settings=choice.settings, models=shared, progress=progress
                )
        out = context.output_dir
        write_records(result.kept, out / "kept.jsonl")
        write_records(({**r, "removed_by": r[REMOVED]} for r in result.removed), out / "removed.jsonl")
        report = build_report(result)
        (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        plot_histograms(report, out / "report.png")

    return JobKind(
        "curate",
        "Filter, de-duplicate and judge an uploaded JSONL corpus, with a report.",
        CurateParams,
        run,
        accepts_files=True,
    )
