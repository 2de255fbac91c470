"""CLI for curation: ``sakuin curate judge | filter | dedup | synth | run``.

``judge``, ``filter`` and ``dedup`` are one-step pipelines, so every command reads records the
same way (bad lines counted and named), shows the same progress bar and writes the same report
(``<out>.report.json``, and ``<out>.quality.png`` when a judge ran).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sakuin.config import Settings
from sakuin.curate.filters import FILTERS
from sakuin.curate.pipeline import REMOVED, PipelineResult, PipelineSpec, load_pipeline, run_pipeline
from sakuin.curate.records import CurateError, Record, read_records, write_records
from sakuin.curate.report import build_report, write_report
from sakuin.curate.steps import StepSpec
from sakuin.terminal import err, out, progress_bars, settings_of

curate = typer.Typer(
    help="Curate training data: judge quality, filter, de-duplicate, rewrite.", no_args_is_help=True
)

InputArg = Annotated[Path, typer.Argument(help="Records to curate: JSONL, one JSON object per line.")]
OutOption = Annotated[Path, typer.Option("--out", help="Where the kept records go (JSONL).")]
TextField = Annotated[str, typer.Option("--text-field", help="The field holding each record's text.")]
RemovedOption = Annotated[
    Path | None, typer.Option("--removed", help="Also write the removed records, each with its reason.")
]
BatchOption = Annotated[int, typer.Option(min=1, help="Records per batch.")]
EngineOption = Annotated[
    str, typer.Option(help="local or ray (a local one-node cluster unless --ray-address).")
]
RayAddress = Annotated[str | None, typer.Option(help="ray: the cluster to join.")]


@curate.command()
def judge(
    ctx: typer.Context,
    input_path: InputArg,
    out_path: OutOption,
    rubric: Annotated[str, typer.Option(help="educational, ask_llm, or a rubric YAML file.")] = "educational",
    engine: Annotated[
        str, typer.Option(help="score (the model grades every record), distill or ray.")
    ] = "score",
    threshold: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Remove records whose quality is below this.")
    ] = None,
    calibrate: Annotated[
        bool, typer.Option(help="Divide out the prompt's own grade bias (N/A input).")
    ] = True,
    sample: Annotated[
        int, typer.Option(min=10, help="distill: records the model grades to train the head.")
    ] = 500,
    margin: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="distill: below this head margin, ask the model.")
    ] = 0.2,
    fluency: Annotated[
        bool,
        typer.Option(help="score: quality 0 where the model finds the text word salad or repeating itself."),
    ] = True,
    text_field: TextField = "text",
    batch_size: BatchOption = 32,
    removed: RemovedOption = None,
    ray_address: RayAddress = None,
) -> None:
    """Add quality in [0, 1] and each grade's probability to every record (one forward pass each)."""
    if engine not in ("score", "distill", "ray"):
        raise CurateError(f"unknown engine '{engine}'; use score, distill or ray.")
    params: dict[str, Any] = {"rubric": rubric, "calibrate": calibrate, "fluency": fluency}
    if threshold is not None:
        params["threshold"] = threshold
    if engine == "distill":
        params |= {"engine": "distill", "sample": sample, "margin": margin}
    spec = PipelineSpec((StepSpec("judge", params),), text_field, batch_size)
    _run(ctx, spec, input_path, out_path, removed, "ray" if engine == "ray" else "local", ray_address)


@curate.command("filter")
def filter_command(
    ctx: typer.Context,
    input_path: InputArg,
    out_path: OutOption,
    steps: Annotated[
        str, typer.Option(help=f"Comma-separated filters, in order; all: {','.join(FILTERS)}.")
    ] = ",".join(FILTERS),
    text_field: TextField = "text",
    removed: RemovedOption = None,
) -> None:
    """Remove records that heuristic rules reject (Gopher, C4, FineWeb; Japanese rules), with reasons."""
    names = [s.strip() for s in steps.split(",") if s.strip()]
    unknown = [n for n in names if n not in FILTERS]
    if unknown or not names:
        raise CurateError(
            f"unknown filter(s) {unknown or 'none given'}; the filters are {', '.join(FILTERS)}."
        )
    spec = PipelineSpec(tuple(StepSpec(n) for n in names), text_field)
    _run(ctx, spec, input_path, out_path, removed, "local", None)


@curate.command()
def dedup(
    ctx: typer.Context,
    input_path: InputArg,
    out_path: OutOption,
    threshold: Annotated[
        float, typer.Option(min=0.01, max=0.99, help="Jaccard similarity of a near copy.")
    ] = 0.7,
    ngram: Annotated[int, typer.Option(min=1, help="Characters per shingle.")] = 3,
    near: Annotated[
        bool, typer.Option(help="Also remove near copies (MinHash LSH), not only exact ones.")
    ] = True,
    text_field: TextField = "text",
    removed: RemovedOption = None,
) -> None:
    """Keep one record of each group of exact and near copies; the report lists the groups."""
    steps = [StepSpec("dedup_exact")]
    if near:
        steps.append(StepSpec("dedup_minhash", {"threshold": threshold, "ngram": ngram}))
    _run(ctx, PipelineSpec(tuple(steps), text_field), input_path, out_path, removed, "local", None)


@curate.command()
def run(
    ctx: typer.Context,
    pipeline: Annotated[Path, typer.Argument(help="Pipeline file (YAML): the steps, in order.")],
    input_path: InputArg,
    out_path: OutOption,
    engine: EngineOption = "local",
    workers: Annotated[int, typer.Option(min=1, help="ray: workers for the per-record steps.")] = 1,
    removed: RemovedOption = None,
    ray_address: RayAddress = None,
) -> None:
    """Run a YAML pipeline of filters, de-duplication and judges over a corpus, with a report."""
    if engine not in ("local", "ray"):
        raise CurateError(f"unknown engine '{engine}'; use local or ray.")
    _run(ctx, load_pipeline(pipeline), input_path, out_path, removed, engine, ray_address, workers)


@curate.command()
def synth(
    ctx: typer.Context,
    out_path: OutOption,
    input_path: Annotated[
        Path | None, typer.Argument(help="Source records (JSONL); or --from-kb with --as.")
    ] = None,
    style: Annotated[
        list[str] | None, typer.Option(help="textbook, qa or paraphrase (repeatable; default textbook).")
    ] = None,
    from_kb: Annotated[bool, typer.Option("--from-kb", help="Rewrite knowledge-base documents.")] = False,
    user: Annotated[str | None, typer.Option("--as", help="--from-kb: whose readable documents.")] = None,
    name_prefix: Annotated[str, typer.Option(help="--from-kb: only documents whose name starts so.")] = "",
    limit: Annotated[int | None, typer.Option(min=1, help="Rewrite at most this many sources.")] = None,
    max_tokens: Annotated[int, typer.Option(min=8, help="Most tokens per rewrite.")] = 192,
    judged: Annotated[bool, typer.Option("--judge/--no-judge", help="Grade every rewrite.")] = True,
    text_field: TextField = "text",
) -> None:
    """Rewrite sources as textbook passages, Q&A or paraphrases, with provenance; readers carry over."""
    from sakuin.classify.backend import choose_backend
    from sakuin.curate.judge import Judge
    from sakuin.curate.rubric import load_rubric
    from sakuin.curate.synth import SynthOptions, kb_sources, synthesize
    from sakuin.models import load_model

    options = SynthOptions(tuple(style or ("textbook",)), max_tokens)
    settings = settings_of(ctx)
    sources = _sources(settings, input_path, from_kb, user, name_prefix, text_field, kb_sources)
    sources = sources[:limit] if limit else sources
    with err.status(f"loading {settings.model.name}…"):
        model = load_model(choose_backend(settings, "score").settings if judged else settings)
    grader = Judge.build(model, load_rubric("educational")) if judged else None
    with progress_bars("records") as progress:
        made = synthesize(
            model,
            sources,
            options,
            text_field=text_field,
            judge=grader,
            progress=lambda done, total: progress("writing", done, total),
        )
    write_records(made, out_path)
    judged_quality = [r["quality"] for r in made if r.get("quality") is not None]
    mean = f"; mean quality {sum(judged_quality) / len(judged_quality):.3f}" if judged_quality else ""
    out.print(f"wrote {len(made)} synthetic records from {len(sources)} sources → {out_path}{mean}")


def _sources(
    settings: Settings,
    input_path: Path | None,
    from_kb: bool,
    user: str | None,
    name_prefix: str,
    text_field: str,
    kb_sources: Any,
) -> list[Record]:
    if from_kb:
        if not user:
            raise CurateError("--from-kb needs --as USER: only documents that user may read are rewritten.")
        from sakuin.knowledge.workspace import KnowledgeBase

        kb = KnowledgeBase(settings)
        try:
            kb.store.require_user(user)
            found: list[Record] = kb_sources(kb.store, user, name_prefix=name_prefix)
        finally:
            kb.close()
        if not found:
            raise CurateError(
                f"{user} can read no documents{' named ' + name_prefix + '…' if name_prefix else ''}."
            )
        return found
    if input_path is None:
        raise CurateError("give a JSONL file of sources, or --from-kb --as USER.")
    corpus = read_records(input_path, text_field)
    for bad in corpus.bad:
        err.print(f"line {bad.line} skipped: {bad.reason}")
    return corpus.records


def _run(
    ctx: typer.Context,
    spec: PipelineSpec,
    input_path: Path,
    output: Path,
    removed: Path | None,
    engine: str,
    address: str | None,
    workers: int = 1,
) -> None:
    corpus = read_records(input_path, spec.text_field)
    settings = settings_of(ctx)
    with progress_bars("records") as progress:
        result: PipelineResult
        if engine == "ray":
            from sakuin.curate.ray_engine import run_pipeline_ray

            result = run_pipeline_ray(
                spec, corpus, settings=settings, workers=workers, address=address, progress=progress
            )
        else:
            result = run_pipeline(spec, corpus, settings=settings, progress=progress)
    kept = write_records(result.kept, output)
    if removed is not None:
        write_records(({**r, "removed_by": r[REMOVED]} for r in result.removed), removed)
    report = build_report(result)
    report_path, png = write_report(report, output)
    _summary(report, kept, output, report_path, png)


def _summary(report: dict[str, Any], kept: int, output: Path, report_path: Path, png: Path | None) -> None:
    out.print(
        f"kept {kept} of {report['input_records']} records ({report['bad_records']} bad lines, "
        f"{report['removed']} removed) in {report['seconds']:.1f} s → {output}"
    )
    for step in report["steps"]:
        line = f"  {step['name']}: removed {step['removed']} of {step['seen']}"
        if step.get("mean_quality") is not None:
            line += f", mean {step['field']} {step['mean_quality']:.3f}"
        if "distill" in step:
            line += f", distilled head agrees with the model on {step['distill']['agreement']:.1%} held out"
        if step.get("clusters"):
            line += f", {len(step['clusters'])} clusters"
        out.print(line)
    if report["bad_lines"]:
        shown = ", ".join(str(b["line"]) for b in report["bad_lines"][:10])
        out.print(
            f"  bad lines: {shown}{' …' if len(report['bad_lines']) > 10 else ''} (reasons in the report)"
        )
    out.print(f"report: {report_path}" + (f", histogram: {png}" if png else ""))
