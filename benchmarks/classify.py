"""Zero-shot classification engines side by side: items/s, accuracy and speed over ``generate``.

On JNLI (3 labels; macro-F1 and accuracy) and JCommonsenseQA (5 choices; accuracy) from
``../shared/data/jglue``, every engine runs with the default model in this one process on the
same items. ``generate`` is slow, so it runs on a sample (``--generate-items``) and every engine
is also scored on exactly that sample; ``score`` and ``distill`` also run on a larger set. Then
throughput at growing sizes (synthetic repeats of JNLI items), and the Ray engine's overhead at
small scale. Prints a table, writes ``benchmarks/results/classify.json`` and a bar chart PNG.

    .venv/bin/python benchmarks/classify.py [--generate-items 30] [--items 300] [--jcqa-items 150]
        [--sample 300] [--scale 1000,10000,100000] [--score-scale-max 0] [--ray-items 32]
        [--backend transformers] [--jglue ../shared/data/jglue]

The defaults keep a run to about a quarter of an hour on a busy 2-core machine.
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
from sakuin.models.packaged import PACKAGED_MODELS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "jglue"
RESULTS = Path(__file__).parent / "results" / "classify.json"
NLI_LABELS = ("entailment", "contradiction", "neutral")
SHOTS = 2  # solved examples per label, taken from the start of the file and never evaluated
NOTES = {
    "jnli_examples": f"{SHOTS} solved examples per label, taken from the start of the validation file "
    "and excluded from evaluation",
    "distill": "head = logistic regression on mean-pooled input token embeddings of the model (layer 0); "
    "teacher = score with first-token labels; trained on items disjoint from the evaluated ones",
    "jcqa_distill": "not run: options differ per question, so there is no fixed label set for a head",
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


def timed(engine: Engine, rows: Sequence[Row]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    probabilities = engine.predict(rows)
    return probabilities, time.perf_counter() - start


def nli_metrics(probabilities: np.ndarray, rows: Sequence[Row]) -> dict[str, float]:
    predicted = predicted_labels(probabilities, NLI_LABELS)
    gold = [row["label"] for row in rows]
    return {
        "accuracy": round(float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)])), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=list(NLI_LABELS), average="macro")), 4),
        "unparsed": int(sum(1 for p in predicted if not p)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--generate-items", type=int, default=30, help="items the slow generate engine labels"
    )
    parser.add_argument("--items", type=int, default=300, help="JNLI items for score and distill")
    parser.add_argument("--jcqa-items", type=int, default=150, help="JCommonsenseQA items for score")
    parser.add_argument("--sample", type=int, default=300, help="distill: items the model labels")
    parser.add_argument("--margin", type=float, default=0.2, help="distill: fall back to score below it")
    parser.add_argument("--scale", default="1000,10000,100000", help="sizes for the throughput curve")
    parser.add_argument("--score-scale-max", type=int, default=0, help="largest size score runs at")
    parser.add_argument(
        "--ray-items", type=int, default=32, help="items for the Ray overhead check (0: skip)"
    )
    parser.add_argument("--backend", default="transformers", help="llama_cpp or transformers")
    parser.add_argument("--jglue", default=str(DATA), help="folder with the JGLUE validation files")
    parser.add_argument("--data-dir", default=os.environ.get("SAKUIN_BENCH_DATA", ""))
    args = parser.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="sakuin-bench-"))
    settings = load_settings(data_dir, model={"backend": args.backend, "context_length": 2048})
    PACKAGED_MODELS[settings.model.name].locate(settings.models_dir)
    model = load_model(settings)
    task, pool = jnli(Path(args.jglue))
    rng = np.random.default_rng(0)
    order = rng.permutation(len(pool))
    evaluated = [pool[i] for i in order[: args.items]]
    sampled = evaluated[: args.generate_items]
    distill_pool = [
        pool[i] for i in order[args.items :]
    ] or evaluated  # the head never trains on evaluated items

    first_token = ScoreEngine(model, task, first_token=True)
    engines: dict[str, Engine] = {
        "generate": GenerateEngine(model, task),
        "score (uncalibrated)": ScoreEngine(model, task, calibrate=False),
        "score": ScoreEngine(model, task),
        "score first-token": first_token,
    }
    rows_out: list[dict[str, Any]] = []
    sample_probabilities: dict[str, np.ndarray] = {}
    ScoreEngine(model, task).predict(sampled[:2])  # warm up and fill the prefix cache once

    def run(name: str, engine: Engine, rows: Sequence[Row], subset: str) -> np.ndarray:
        probabilities, seconds = timed(engine, rows)
        rows_out.append(
            {
                "dataset": "JNLI",
                "engine": name,
                "items": subset,
                "n": len(rows),
                "items_per_s": round(len(rows) / seconds, 2),
                **nli_metrics(probabilities, rows),
            }
        )
        print(rows_out[-1], flush=True)
        return probabilities

    for name, engine in engines.items():
        sample_probabilities[name] = run(name, engine, sampled, "generate sample")
    for name in ("score", "score first-token"):
        run(name, engines[name], evaluated, "all")

    features = text_features(model, "embeddings")
    distill = DistillEngine(first_token, features, sample_size=args.sample, margin=args.margin)
    start = time.perf_counter()
    report = distill.fit(distill_pool)
    fit_s = time.perf_counter() - start
    head_only = DistillEngine(distill.teacher, features, margin=0.0)
    head_only.head, head_only.report = distill.head, report
    for name, engine in (("distill (head only)", head_only), ("distill", distill)):
        run(name, engine, sampled, "generate sample")
        distill.fallbacks = 0
        run(name, engine, evaluated, "all")
        rows_out[-1]["fallback_share"] = round(getattr(engine, "fallbacks", 0) / len(evaluated), 3)

    choice_task, questions = jcqa(Path(args.jglue))
    questions = questions[: args.jcqa_items]
    choice_sample = questions[: args.generate_items]
    for name, engine in (
        ("generate", ChoiceGenerateEngine(model, choice_task)),
        ("score", ChoiceEngine(model, choice_task)),
        ("score calibrated", ChoiceEngine(model, choice_task, calibrate=True)),
    ):
        for subset, rows in (("generate sample", choice_sample), ("all", questions)):
            if name == "generate" and subset == "all":
                continue
            probabilities, seconds = timed(engine, rows)
            predicted = probabilities.argmax(axis=1)
            answered = probabilities.sum(axis=1) > 0
            accuracy = float(np.mean((predicted == np.array([r["label"] for r in rows])) & answered))
            rows_out.append(
                {
                    "dataset": "JCommonsenseQA",
                    "engine": name,
                    "items": subset,
                    "n": len(rows),
                    "items_per_s": round(len(rows) / seconds, 2),
                    "accuracy": round(accuracy, 4),
                    "unparsed": int((~answered).sum()),
                }
            )
            print(rows_out[-1], flush=True)

    scaling = measure_scaling(
        args,
        {"distill (head only)": head_only, "distill": distill, "score first-token": first_token},
        evaluated,
    )
    ray_overhead = measure_ray(args, settings, task, evaluated) if args.ray_items else None
    write_results(args, settings, rows_out, report, fit_s, scaling, ray_overhead)


def measure_scaling(
    args: argparse.Namespace, engines: dict[str, Engine], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Items/s at growing sizes (synthetic repeats of the evaluated JNLI items).

    Engines that ask the model (score, and distill through its fallback) run only up to
    ``--score-scale-max`` items; the head alone runs at every size.
    """
    results = []
    for size in (int(s) for s in args.scale.split(",")):
        repeated = [rows[i % len(rows)] for i in range(size)]
        for name, engine in engines.items():
            if name != "distill (head only)" and size > args.score_scale_max:
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
) -> dict[str, Any]:
    """The same score run on a local one-node Ray cluster and locally, on a small file."""
    from sakuin.classify import EngineOptions, build_engine, classify_file
    from sakuin.classify.ray_engine import classify_file_ray

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "items.jsonl"
        pd.DataFrame(rows[: args.ray_items])[["sentence1", "sentence2", "label"]].to_json(
            source, orient="records", lines=True, force_ascii=False
        )
        options = EngineOptions("score", first_token=True)
        start = time.perf_counter()
        local_model = load_model(settings)
        classify_file(
            task, source, Path(folder) / "local.jsonl", engine=build_engine(local_model, task, options)
        )
        local_s = time.perf_counter() - start
        local_model.close()
        start = time.perf_counter()
        classify_file_ray(task, source, Path(folder) / "ray.jsonl", settings=settings, options=options)
        ray_s = time.perf_counter() - start
        same = pd.read_json(Path(folder) / "local.jsonl", lines=True)["predicted"].equals(
            pd.read_json(Path(folder) / "ray.jsonl", lines=True)["predicted"]
        )
    return {
        "items": args.ray_items,
        "local_s_incl_model_load": round(local_s, 1),
        "ray_s_incl_cluster_start_and_model_load": round(ray_s, 1),
        "overhead_s": round(ray_s - local_s, 1),
        "same_predictions": bool(same),
    }


def write_results(
    args: argparse.Namespace,
    settings: Any,
    rows: list[dict[str, Any]],
    report: Any,
    fit_s: float,
    scaling: list[dict[str, Any]],
    ray_overhead: dict[str, Any] | None,
) -> None:
    from rich.console import Console
    from rich.table import Table

    def speed(dataset: str, engine: str, subset: str = "generate sample") -> float:
        return float(
            next(
                r["items_per_s"]
                for r in rows
                if r["dataset"] == dataset and r["engine"] == engine and r["items"] == subset
            )
        )

    for row in rows:
        base = speed(row["dataset"], "generate")
        row["x_generate"] = round(row["items_per_s"] / base, 1)
    table = Table(
        title=f"zero-shot classification, {settings.model.name} ({settings.model.backend}), "
        f"{os.cpu_count()} CPU cores"
    )
    for column in (
        "dataset",
        "engine",
        "items",
        "n",
        "items_per_s",
        "x_generate",
        "accuracy",
        "macro_f1",
        "unparsed",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            *(
                str(row.get(c, "-"))
                for c in (
                    "dataset",
                    "engine",
                    "items",
                    "n",
                    "items_per_s",
                    "x_generate",
                    "accuracy",
                    "macro_f1",
                    "unparsed",
                )
            )
        )
    console = Console()
    console.print(table)
    scale_table = Table("engine", "items", "items/s", title="throughput at scale (JNLI items repeated)")
    for entry in scaling:
        scale_table.add_row(entry["engine"], str(entry["items"]), str(entry["items_per_s"]))
    console.print(scale_table)
    console.print(
        f"distill: head trained on {report.trained_on} items labelled by score in {fit_s:.1f} s; "
        f"agreement with the model on {report.held_out} held-out items: {report.agreement:.1%}"
    )
    if ray_overhead:
        console.print(f"ray: {ray_overhead}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "model": settings.model.name,
                "backend": settings.model.backend,
                "machine": {
                    "cpus": os.cpu_count(),
                    "processor": platform.processor() or platform.machine(),
                    "note": "shared with other work running at the same time; ratios come from one process",
                },
                "arguments": vars(args),
                "notes": {
                    **NOTES,
                    "generate_sample": f"generate ran on the first {args.generate_items} evaluated items "
                    "only; every engine is also reported on exactly those items",
                },
                "results": rows,
                "distill": {
                    "sample": report.sample,
                    "trained_on": report.trained_on,
                    "held_out": report.held_out,
                    "agreement": round(report.agreement, 4),
                    "fit_s_incl_teacher_labelling": round(fit_s, 1),
                },
                "scaling": scaling,
                "ray": ray_overhead,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    plot(rows, RESULTS.with_suffix(".png"))
    print(f"wrote {RESULTS} and {RESULTS.with_suffix('.png')}")


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Bar chart: items/s (log scale) and accuracy per engine, on the generate sample."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in rows if r["items"] == "generate sample"]
    names = [f"{r['dataset']}\n{r['engine']}" for r in shown]
    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 6))
    left.barh(names, [r["items_per_s"] for r in shown], color="tab:blue")
    left.set_xscale("log")
    left.set_xlabel("items/s (log scale)")
    right.barh(names, [r.get("macro_f1", r["accuracy"]) for r in shown], color="tab:green")
    right.set_xlabel("JNLI macro-F1 / JCommonsenseQA accuracy")
    right.set_yticks([])
    figure.suptitle("zero-shot classification engines (same items)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
