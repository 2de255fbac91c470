"""Zero-shot classification engines side by side: items/s, accuracy and speed over ``generate``.

On JNLI (3 labels; macro-F1 and accuracy) and JCommonsenseQA (5 choices; accuracy) from
``../shared/data/jglue``, every engine runs with the default model in this one process on the
same items. ``generate`` is slow, so it runs on a sample (``--generate-items``) and every engine
is also scored on exactly that sample; ``score`` and ``distill`` also run on a larger set. Then:
how the score/generate ratio grows with the prompt (solved examples per label), distill's margin
trade-off (fallback share vs agreement and macro-F1), throughput at growing sizes (synthetic
repeats of JNLI items) and the Ray engine's overhead at small scale. Prints tables, writes
``benchmarks/results/classify.json``, ``classify.png`` (engines) and ``classify-distill.png``.

    .venv/bin/python benchmarks/classify.py [--generate-items 40] [--items 800] [--jcqa-items 400]
        [--sample 500] [--margin 0.2] [--shots-sweep 0,2,4,8] [--scale 1000,10000,100000]
        [--score-scale-max 10000] [--ray-items 64] [--backend transformers] [--precision bfloat16]
    .venv/bin/python benchmarks/classify.py --score-scaling-only --scale 100000   # ~40 minutes
    .venv/bin/python benchmarks/classify.py --default-path-only [--rows 400]   # see classify_default.py
    .venv/bin/python benchmarks/classify.py --compare-models gemma-3-270m,qwen2.5-coder-0.5b-instruct \
        --backend llama_cpp   # generate and score per model on the same held-out sample, side by side

About ten minutes on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import classify_default
import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from sakuin.classify import ChoiceEngine, ChoiceTask, DistillEngine, GenerateEngine, ScoreEngine
from sakuin.classify.choose import ChoiceGenerateEngine
from sakuin.classify.engines import Engine, Row, predicted_labels
from sakuin.classify.features import text_features
from sakuin.classify.task import Label, Task
from sakuin.config import load_settings
from sakuin.models import load_model
from sakuin.models.base import LocalLanguageModel, ScoreRequest
from sakuin.models.packaged import PACKAGED_MODELS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "jglue"
RESULTS = Path(__file__).parent / "results" / "classify.json"
MODEL_RESULTS = RESULTS.with_name("classify-models.json")
NLI_LABELS = ("entailment", "contradiction", "neutral")
SHOTS = 2  # solved examples per label in the main comparison
BOUND = "bound: bare forward over items"
MAX_SHOTS = 8  # examples are drawn from the first items of the file; these are never evaluated
NOTES = {
    "jnli_examples": f"{SHOTS} solved examples per label (the sweep: other counts), taken from the start "
    f"of the validation file; the first {MAX_SHOTS} per label are never evaluated",
    "bound": f"'{BOUND}' runs the model over each item's own tokens only (no instruction, examples or "
    "labels; one single-token read), batched like score: the least any engine that runs the model once per "
    "item costs with these kernels, so score's ceiling",
    "warm_up": "every engine labels the generate sample once before it is timed: in bfloat16, oneDNN "
    "builds a kernel per new matrix shape (about a second each), a one-off cost per process that is "
    "not per item",
    "distill": "head = logistic regression on mean-pooled input token embeddings of the model (layer 0), "
    "per text column plus |a-b| and a*b; teacher = score with first-token labels (JNLI) or option scoring "
    "(JCommonsenseQA: the head scores each question-option pair); trained on items disjoint from the "
    "evaluated ones",
}


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def jnli(data: Path, shots: int = SHOTS) -> tuple[Task, list[dict[str, Any]]]:
    """The JNLI task (Japanese instruction, English label names as in the data) and its items."""
    rows = read_lines(data / "jnli-valid-v1.3.json")
    examples: dict[str, list[dict[str, Any]]] = {label: [] for label in NLI_LABELS}
    used = set()
    for i, row in enumerate(rows):
        if len(examples[row["label"]]) < shots:
            examples[row["label"]].append(row)
            used.add(i)
    descriptions = {
        "entailment": "前提が正しければ仮説も必ず正しい",
        "contradiction": "前提が正しければ仮説は正しくない",
        "neutral": "前提からは仮説が正しいかどうか決まらない",
    }
    task = Task(
        "前提と仮説の関係を entailment, contradiction, neutral のどれかで答えてください。",
        tuple(
            Label(
                name,
                descriptions[name],
                tuple({"sentence1": r["sentence1"], "sentence2": r["sentence2"]} for r in examples[name]),
            )
            for name in NLI_LABELS
        ),
        ("sentence1", "sentence2"),
        "関係:",
        {"sentence1": "前提", "sentence2": "仮説"},
    )
    return task, [row for i, row in enumerate(rows) if i not in used]


def jcqa(data: Path) -> tuple[ChoiceTask, list[dict[str, Any]]]:
    rows = read_lines(data / "jcommonsenseqa-valid-v1.3.json")
    task = ChoiceTask("question", tuple(f"choice{i}" for i in range(5)), "次の質問に答えてください。")
    return task, rows


def jnli_pool(args: argparse.Namespace) -> tuple[list[dict[str, Any]], np.ndarray]:
    """JNLI items never used as examples, and the fixed order in which they are evaluated."""
    _, pool = jnli(Path(args.jglue), MAX_SHOTS)
    return pool, np.random.default_rng(0).permutation(len(pool))


def compare_models(args: argparse.Namespace, data_dir: Path) -> None:
    """generate and score for each of ``--compare-models`` on the same held-out items, side by side.

    The items are the main run's generate sample (JNLI) and the first JCommonsenseQA questions;
    every model gets the same completion-style prompts, so the rows differ by the model only.
    Written to ``classify-models.json``.
    """
    from rich.console import Console

    task, _ = jnli(Path(args.jglue))
    pool, order = jnli_pool(args)
    sampled = [pool[i] for i in order[: args.generate_items]]
    choice_task, questions = jcqa(Path(args.jglue))
    choice_sample = questions[: args.generate_items]
    rows: list[dict[str, Any]] = []
    for name in args.compare_models.split(","):
        settings = load_settings(
            data_dir,
            model={
                "name": name,
                "backend": args.backend,
                "context_length": 4096,
                "precision": args.precision,
            },
        )
        model = load_model(settings)
        suites: tuple[tuple[str, dict[str, Engine], Sequence[Row]], ...] = (
            ("JNLI", {"generate": GenerateEngine(model, task), "score": ScoreEngine(model, task)}, sampled),
            (
                "JCommonsenseQA",
                {
                    "generate": ChoiceGenerateEngine(model, choice_task),
                    "score": ChoiceEngine(model, choice_task),
                },
                choice_sample,
            ),
        )
        for dataset, engines, items in suites:
            for engine_name, engine in engines.items():
                engine.predict(items[:4])  # warm-up: see NOTES["warm_up"]
                probabilities, seconds = timed(engine, items)
                metrics = (
                    nli_metrics(probabilities, items)
                    if dataset == "JNLI"
                    else choice_metrics(probabilities, items)
                )
                rows.append(
                    {
                        "model": name,
                        "dataset": dataset,
                        "engine": engine_name,
                        "n": len(items),
                        "items_per_s": round(len(items) / seconds, 2),
                        **metrics,
                    }
                )
                print(rows[-1], flush=True)
        model.close()
        # Written after every model: a larger model can take an hour here, and what was
        # measured before it is kept if the run is stopped.
        document = {
            "backend": args.backend,
            "precision": args.precision,
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
            },
            "arguments": vars(args),
            "results": rows,
        }
        MODEL_RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    columns = ("model", "dataset", "engine", "n", "items_per_s", "accuracy", "macro_f1", "unparsed")
    Console(width=200).print(table(f"models side by side ({args.backend}, {args.precision})", columns, rows))
    print(f"wrote {MODEL_RESULTS}")


def timed(engine: Engine, rows: Sequence[Row]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    probabilities = engine.predict(rows)
    return probabilities, time.perf_counter() - start


def forward_bound(model: LocalLanguageModel, task: Task, rows: Sequence[Row]) -> float:
    """Items/s of the model's forward pass over each item's own tokens, through score's code path.

    No shared prompt and one single-token read per item: what any engine that runs the model
    once per item costs at least with these kernels, and so the most ``score`` could reach.
    """
    requests = [ScoreRequest(task.query(row), ["x"]) for row in rows]
    model.score_batch(requests[:64], relative=True)  # warm-up
    start = time.perf_counter()
    model.score_batch(requests, relative=True)
    return len(rows) / (time.perf_counter() - start)


def nli_metrics(probabilities: np.ndarray, rows: Sequence[Row]) -> dict[str, float]:
    predicted = predicted_labels(probabilities, NLI_LABELS)
    gold = [row["label"] for row in rows]
    return {
        "accuracy": round(float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)])), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=list(NLI_LABELS), average="macro")), 4),
        "unparsed": int(sum(1 for p in predicted if not p)),
    }


def main() -> None:
    args = arguments()
    if args.default_path_only:
        classify_default.measure(args)
        return
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="sakuin-bench-"))
    settings = load_settings(
        data_dir,
        model={"backend": args.backend, "context_length": 4096, "precision": args.precision},
    )
    if args.compare_models:
        compare_models(args, data_dir)
        return
    PACKAGED_MODELS[settings.model.name].locate(settings.models_dir)
    model = load_model(settings)
    task, _ = jnli(Path(args.jglue))
    pool, order = jnli_pool(args)
    evaluated = [pool[i] for i in order[: args.items]]
    sampled = evaluated[: args.generate_items]
    distill_pool = [pool[i] for i in order[args.items :]]  # the head never trains on evaluated items
    if args.score_scaling_only:
        add_score_scaling(args, ScoreEngine(model, task, first_token=True), evaluated)
        return
    results: list[dict[str, Any]] = []

    def run(dataset: str, name: str, engine: Engine, rows: Sequence[Row], subset: str) -> np.ndarray:
        probabilities, seconds = timed(engine, rows)
        metrics = (
            nli_metrics(probabilities, rows) if dataset == "JNLI" else choice_metrics(probabilities, rows)
        )
        entry = {"dataset": dataset, "engine": name, "items": subset, "n": len(rows)}
        results.append({**entry, "items_per_s": round(len(rows) / seconds, 2), **metrics})
        print(results[-1], flush=True)
        return probabilities

    first_token = ScoreEngine(model, task, first_token=True)
    for name, engine in (
        ("generate", GenerateEngine(model, task)),
        ("score (uncalibrated)", ScoreEngine(model, task, calibrate=False)),
        ("score", ScoreEngine(model, task)),
        ("score first-token", first_token),
    ):
        engine.predict(sampled)  # warm-up: see NOTES["warm_up"]
        run("JNLI", name, engine, sampled, "generate sample")
    run("JNLI", "score", ScoreEngine(model, task), evaluated, "all")
    teacher_probabilities = run("JNLI", "score first-token", first_token, evaluated, "all")
    if isinstance(model, LocalLanguageModel):
        bound = round(forward_bound(model, task, evaluated), 2)
        results.append(
            {"dataset": "JNLI", "engine": BOUND, "items": "all", "n": len(evaluated), "items_per_s": bound}
        )

    features = text_features(model, "embeddings")
    distill = DistillEngine(first_token, features, sample_size=args.sample, margin=args.margin)
    started = time.perf_counter()
    report = distill.fit(distill_pool)
    fit_s = time.perf_counter() - started
    head_only = DistillEngine(first_token, features, margin=0.0)
    head_only.head, head_only.report = distill.head, report
    for subset, rows in (("generate sample", sampled), ("all", evaluated)):
        run("JNLI", "distill (head only)", head_only, rows, subset)
        distill.fallbacks = 0
        run("JNLI", "distill", distill, rows, subset)
        results[-1]["fallback_share"] = round(distill.fallbacks / len(rows), 3)
    margins = margin_sweep(args, head_only.head_probabilities(evaluated), teacher_probabilities, evaluated)

    choice_task, questions = jcqa(Path(args.jglue))
    choice_distill_pool, questions = questions[args.jcqa_items :], questions[: args.jcqa_items]
    choice_sample = questions[: args.generate_items]
    choice_teacher = ChoiceEngine(model, choice_task)
    choice_generate = ChoiceGenerateEngine(model, choice_task)
    for warm in (choice_generate, choice_teacher):
        warm.predict(choice_sample)  # warm-up
    run("JCommonsenseQA", "generate", choice_generate, choice_sample, "generate sample")
    choice_distill = DistillEngine(choice_teacher, features, sample_size=args.sample, margin=args.margin)
    choice_report = choice_distill.fit(choice_distill_pool)
    choice_head = DistillEngine(choice_teacher, features, margin=0.0)
    choice_head.head, choice_head.report = choice_distill.head, choice_report
    choice_engines: tuple[tuple[str, Engine], ...] = (
        ("score", choice_teacher),
        ("score calibrated", ChoiceEngine(model, choice_task, calibrate=True)),
        ("distill (head only)", choice_head),
        ("distill", choice_distill),
    )
    for name, choice_engine in choice_engines:
        for subset, rows in (("generate sample", choice_sample), ("all", questions)):
            choice_distill.fallbacks = 0
            run("JCommonsenseQA", name, choice_engine, rows, subset)
            if choice_engine is choice_distill:
                results[-1]["fallback_share"] = round(choice_distill.fallbacks / len(rows), 3)

    shots = shots_sweep(args, model, evaluated)
    scaling = measure_scaling(
        args,
        {"distill (head only)": head_only, "distill": distill, "score first-token": first_token},
        evaluated,
    )
    ray_overhead = measure_ray(args, settings, task, evaluated) if args.ray_items else None
    distill_reports = {"JNLI": (report, fit_s), "JCommonsenseQA": (choice_report, None)}
    write_results(args, settings, results, distill_reports, margins, shots, scaling, ray_overhead)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--generate-items", type=int, default=40, help="items the slow generate engine labels"
    )
    parser.add_argument("--items", type=int, default=800, help="JNLI items for score and distill")
    parser.add_argument("--jcqa-items", type=int, default=400, help="JCommonsenseQA items evaluated")
    parser.add_argument("--sample", type=int, default=500, help="distill: items the model labels")
    parser.add_argument("--margin", type=float, default=0.2, help="distill: fall back to score below it")
    parser.add_argument("--margins", default="0,0.1,0.2,0.3,0.5,0.7", help="distill margins to compare")
    parser.add_argument("--shots-sweep", default="0,2,4,8", help="solved examples per label to compare")
    parser.add_argument("--scale", default="1000,10000,100000", help="sizes for the throughput curve")
    parser.add_argument("--score-scale-max", type=int, default=10000, help="largest size score runs at")
    parser.add_argument(
        "--score-scaling-only",
        action="store_true",
        help="measure only score at the --scale sizes and add them to the last results file",
    )
    parser.add_argument(
        "--ray-items", type=int, default=64, help="items for the Ray overhead check (0: skip)"
    )
    parser.add_argument(
        "--compare-models",
        default="",
        help="comma-separated model names: only generate and score per model on the same held-out items",
    )
    parser.add_argument(
        "--default-path-only",
        action="store_true",
        help="only the default command's marginal time per item, score vs generate (classify_default.py)",
    )
    classify_default.add_arguments(parser)
    parser.add_argument("--backend", default="transformers", help="llama_cpp or transformers")
    parser.add_argument("--precision", default="bfloat16", help="transformers: float32, bfloat16 or auto")
    parser.add_argument("--jglue", default=str(DATA), help="folder with the JGLUE validation files")
    parser.add_argument("--data-dir", default=os.environ.get("SAKUIN_BENCH_DATA", ""))
    return parser.parse_args()


def add_score_scaling(args: argparse.Namespace, engine: ScoreEngine, rows: list[dict[str, Any]]) -> None:
    """Only score's throughput at ``--scale`` sizes, added to the last run's results file.

    score takes about 40 minutes for 100k items here, so the main run stops at
    ``--score-scale-max``; this measures the larger sizes on their own.
    """
    engine.predict(rows[: args.generate_items])  # warm-up, as in the main run
    args.score_scale_max = max(int(s) for s in args.scale.split(","))
    measured = measure_scaling(args, {"score first-token": engine}, rows)
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    sizes = {entry["items"] for entry in measured}
    document["scaling"] = [
        e for e in document["scaling"] if not (e["engine"] == "score first-token" and e["items"] in sizes)
    ] + [{**e, "measured_separately": True, "load_average_at_end": list(os.getloadavg())} for e in measured]
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def separately_measured(scaling: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sizes the last results file had from ``--score-scaling-only`` and this run did not measure.

    Those runs take the better part of an hour, so a main run keeps them (they stay marked
    ``measured_separately``) rather than dropping them.
    """
    if not RESULTS.is_file():
        return []
    measured = {(e["engine"], e["items"]) for e in scaling}
    previous = json.loads(RESULTS.read_text(encoding="utf-8")).get("scaling") or []
    return [e for e in previous if e.get("measured_separately") and (e["engine"], e["items"]) not in measured]


def choice_metrics(probabilities: np.ndarray, rows: Sequence[Row]) -> dict[str, float]:
    answered = probabilities.sum(axis=1) > 0
    right = (probabilities.argmax(axis=1) == np.array([r["label"] for r in rows])) & answered
    return {"accuracy": round(float(np.mean(right)), 4), "unparsed": int((~answered).sum())}


def margin_sweep(
    args: argparse.Namespace, head: np.ndarray, teacher: np.ndarray, rows: Sequence[Row]
) -> list[dict[str, Any]]:
    """Distill's trade-off on the evaluated items: below each margin the model answers instead.

    Computed from the head's and the model's probabilities of the same items (both measured
    above), so every margin is compared on exactly the same answers.
    """
    ranked = np.sort(head, axis=1)
    sweep = []
    for margin in (float(m) for m in args.margins.split(",")):
        unsure = ranked[:, -1] - ranked[:, -2] < margin
        answers = np.where(unsure[:, None], teacher, head)
        sweep.append(
            {
                "margin": margin,
                "fallback_share": round(float(unsure.mean()), 3),
                "agreement_with_model": round(float((answers.argmax(1) == teacher.argmax(1)).mean()), 4),
                **nli_metrics(answers, rows),
            }
        )
    return sweep


def shots_sweep(
    args: argparse.Namespace, model: Any, evaluated: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Score against generate as the shared prompt grows: the ratio follows prompt / item tokens.

    generate reads the whole prompt for every item; score reads it once. So the speed-up is
    bounded by (prompt + item tokens + decoding) / item tokens, whatever the implementation.
    """
    sampled = evaluated[: args.generate_items]
    sweep = []
    for shots in (int(k) for k in args.shots_sweep.split(",")):
        task, _ = jnli(Path(args.jglue), shots)
        item_tokens = float(np.mean([len(model.tokenize(task.query(row))) for row in sampled]))
        scorer, generator = ScoreEngine(model, task, first_token=True), GenerateEngine(model, task)
        scorer.predict(sampled)  # warm-up, as above
        generator.predict(sampled)
        _, generate_s = timed(generator, sampled)
        _, score_s = timed(scorer, sampled)
        probabilities = scorer.predict(evaluated)
        sweep.append(
            {
                "shots_per_label": shots,
                "prompt_tokens": model.count_tokens(task.prefix()),
                "item_tokens": round(item_tokens, 1),
                "generate_items_per_s": round(len(sampled) / generate_s, 2),
                "score_items_per_s": round(len(sampled) / score_s, 2),
                "x_generate": round(generate_s / score_s, 1),
                "score_macro_f1_all": nli_metrics(probabilities, evaluated)["macro_f1"],
            }
        )
        print(sweep[-1], flush=True)
    return sweep


def measure_scaling(
    args: argparse.Namespace, engines: dict[str, Engine], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Items/s at growing sizes (synthetic repeats of the evaluated JNLI items).

    score runs only up to ``--score-scale-max`` items; the distill head and distill (whose
    fallback asks the model) run at every size.
    """
    results = []
    for size in (int(s) for s in args.scale.split(",")):
        repeated = [rows[i % len(rows)] for i in range(size)]
        for name, engine in engines.items():
            if name.startswith("score") and size > args.score_scale_max:
                continue
            start = time.perf_counter()
            for offset in range(0, size, 1000):
                engine.predict(repeated[offset : offset + 1000])
            seconds = time.perf_counter() - start
            results.append({"engine": name, "items": size, "items_per_s": round(size / seconds, 1)})
            print(results[-1], flush=True)
    return results


def measure_ray(
    args: argparse.Namespace, settings: Any, task: Task, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """score and distill on a local one-node Ray cluster and locally, on the same small file.

    Both times include loading the model (Ray: in its worker, after starting the cluster), which
    is what a user waits for; the difference is Ray's overhead at this scale.
    """
    from sakuin.classify import EngineOptions, build_engine, classify_file
    from sakuin.classify.ray_engine import classify_file_ray

    measured = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "items.jsonl"
        pd.DataFrame(rows[: args.ray_items])[["sentence1", "sentence2", "label"]].to_json(
            source, orient="records", lines=True, force_ascii=False
        )
        for engine in ("score", "distill"):
            options = EngineOptions(engine, first_token=True, sample=args.ray_items)
            start = time.perf_counter()
            local_model = load_model(settings)
            local = Path(folder) / f"local-{engine}.jsonl"
            classify_file(task, source, local, engine=build_engine(local_model, task, options))
            local_s = time.perf_counter() - start
            local_model.close()
            start = time.perf_counter()
            remote = Path(folder) / f"ray-{engine}.jsonl"
            classify_file_ray(task, source, remote, settings=settings, options=options)
            ray_s = time.perf_counter() - start
            same = pd.read_json(local, lines=True)["predicted"].equals(
                pd.read_json(remote, lines=True)["predicted"]
            )
            measured.append(
                {
                    "engine": engine,
                    "items": args.ray_items,
                    "local_s_incl_model_load": round(local_s, 1),
                    "ray_s_incl_cluster_start_and_model_load": round(ray_s, 1),
                    "overhead_s": round(ray_s - local_s, 1),
                    "same_predictions": bool(same),
                }
            )
            print(measured[-1], flush=True)
    return measured


def write_results(
    args: argparse.Namespace,
    settings: Any,
    results: list[dict[str, Any]],
    distill_reports: dict[str, tuple[Any, float | None]],
    margins: list[dict[str, Any]],
    shots: list[dict[str, Any]],
    scaling: list[dict[str, Any]],
    ray_overhead: list[dict[str, Any]] | None,
) -> None:
    from rich.console import Console

    for row in results:
        base = next(
            r["items_per_s"]
            for r in results
            if r["dataset"] == row["dataset"]
            and r["engine"] == "generate"
            and r["items"] == "generate sample"
        )
        row["x_generate"] = round(row["items_per_s"] / base, 1)
    console = Console(width=200)
    columns = ("dataset", "engine", "items", "n", "items_per_s", "x_generate", "accuracy", "macro_f1")
    title = (
        f"zero-shot classification, {settings.model.name} ({settings.model.backend}, "
        f"{settings.model.precision}), {os.cpu_count()} CPU cores"
    )
    console.print(table(title, (*columns, "fallback_share"), results))
    console.print(table("score vs generate as the shared prompt grows (JNLI)", tuple(shots[0]), shots))
    console.print(
        table("distill: margin below which the model answers (JNLI, all items)", tuple(margins[0]), margins)
    )
    console.print(
        table("throughput at scale (JNLI items repeated)", ("engine", "items", "items_per_s"), scaling)
    )
    distill = {}
    for dataset, (report, fit_s) in distill_reports.items():
        distill[dataset] = {
            "sample": report.sample,
            "trained_on": report.trained_on,
            "held_out": report.held_out,
            "agreement": round(report.agreement, 4),
            **({"fit_s_incl_teacher_labelling": round(fit_s, 1)} if fit_s is not None else {}),
        }
        console.print(
            f"distill {dataset}: head trained on {report.trained_on} items the model labelled; agreement "
            f"with the model on {report.held_out} held-out items: {report.agreement:.1%}"
        )
    if ray_overhead:
        console.print(
            table("Ray (local one-node cluster) vs local, small file", tuple(ray_overhead[0]), ray_overhead)
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    scaling = scaling + separately_measured(scaling)
    document = {
        "model": settings.model.name,
        "backend": settings.model.backend,
        "precision": settings.model.precision,
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
            "note": "ratios come from one process, measured side by side",
        },
        "arguments": vars(args),
        "notes": {
            **NOTES,
            "generate_sample": f"generate ran on the first {args.generate_items} evaluated items only; "
            "every engine is also reported on exactly those items",
        },
        "results": results,
        "distill": distill,
        "distill_margins": margins,
        "shots": shots,
        "scaling": scaling,
        "ray": ray_overhead,
    }
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(results, RESULTS.with_suffix(".png"))
    plot_distill(margins, shots, RESULTS.with_name("classify-distill.png"))
    print(f"wrote {RESULTS}, {RESULTS.with_suffix('.png')} and {RESULTS.with_name('classify-distill.png')}")


def table(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Any:
    from rich.table import Table

    shown = Table(*columns, title=title)
    for row in rows:
        shown.add_row(*(str(row.get(c, "-")) for c in columns))
    return shown


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Bar chart: items/s (log scale) and accuracy per engine, on the generate sample."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in rows if r["items"] == "generate sample"]
    names = [f"{r['dataset']}\n{r['engine']}" for r in shown]
    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 7))
    left.barh(names, [r["items_per_s"] for r in shown], color="tab:blue")
    left.set_xscale("log")
    left.set_xlabel("items/s (log scale)")
    right.barh(names, [r.get("macro_f1", r["accuracy"]) for r in shown], color="tab:green")
    right.set_xlabel("JNLI macro-F1 / JCommonsenseQA accuracy")
    right.set_yticks([])
    figure.suptitle("zero-shot classification engines (same items)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def plot_distill(margins: list[dict[str, Any]], shots: list[dict[str, Any]], path: Path) -> None:
    """Left: distill's fallback share against fidelity; right: score/generate against prompt length."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    shares = [m["fallback_share"] for m in margins]
    left.plot(shares, [m["agreement_with_model"] for m in margins], "o-", label="agreement with the model")
    left.plot(shares, [m["macro_f1"] for m in margins], "s-", label="macro-F1 (gold)")
    for m in margins:
        left.annotate(f"margin {m['margin']}", (m["fallback_share"], m["agreement_with_model"]), fontsize=8)
    left.set_xlabel("share of items handed back to the model")
    left.set_title("distill (JNLI)")
    left.legend()
    tokens = [s["prompt_tokens"] for s in shots]
    right.plot(tokens, [s["x_generate"] for s in shots], "o-", color="tab:red")
    for s in shots:
        right.annotate(
            f"{s['shots_per_label']} shots, F1 {s['score_macro_f1_all']}",
            (s["prompt_tokens"], s["x_generate"]),
            fontsize=8,
        )
    right.set_xlabel("shared prompt (tokens)")
    right.set_ylabel("score speed / generate speed")
    right.set_title("score / generate against the shared prompt (JNLI)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
