"""The default ``sakuin classify`` command, score against generate: marginal time per item.

Runs the real CLI (``python -m sakuin classify``, no ``--backend``, no ``--precision``) on JNLI
tables of 1 and ``--rows`` rows, for ``--engine score`` and ``--engine generate``, side by side
in one run. Each process's wall time includes loading the model; the marginal time per item is
``(time at N rows - time at 1 row) / (N - 1)``, so loading, the shared prefix and calibration
cancel out and what remains is what each further item costs. The task is the main benchmark's
JNLI task with its solved examples (``task.yaml``), so ``generate`` has examples to follow;
accuracy, macro-F1 and the answers that named no label are read from the output tables.
Prints a table and writes ``benchmarks/results/classify-default.json``.

    .venv/bin/python benchmarks/classify_default.py [--rows 400] [--engines score,generate]
    .venv/bin/python benchmarks/classify.py --default-path-only   # the same

About 25 minutes on a quiet 2-core machine (generate's 400 rows take most of it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import f1_score

from sakuin.classify.task import Task

BENCHMARKS = Path(__file__).parent
RESULTS = BENCHMARKS / "results" / "classify-default.json"


def task_yaml(task: Task) -> str:
    """``task`` as a task file, so the command reads it as a user's would be read."""
    return yaml.safe_dump(
        {
            "instruction": task.instruction,
            "text_columns": list(task.text_columns),
            "answer_prefix": task.answer_prefix,
            "field_names": dict(task.field_names),
            "labels": [
                {"name": label.name, "description": label.description, "examples": list(label.examples)}
                for label in task.labels
            ],
        },
        allow_unicode=True,
        sort_keys=False,
    )


def run_command(table: Path, task_file: Path, engine: str, data_dir: Path) -> tuple[float, str, Path]:
    """Wall seconds of one default ``sakuin classify`` process, its standard output, its output."""
    output = table.with_name(f"{table.stem}.{engine}.jsonl")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SAKUIN_")}
    environment |= {"SAKUIN_DATA_DIR": str(data_dir), "COLUMNS": "300"}
    command = [sys.executable, "-m", "sakuin", "classify", str(table), "--task", str(task_file)]
    command += ["--engine", engine, "--out", str(output)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds, done.stdout, output


def metrics(output: Path, labels: tuple[str, ...]) -> dict[str, Any]:
    frame = pd.read_json(output, lines=True, dtype=False)
    predicted = frame["predicted"].fillna("").astype(str)
    gold = frame["label"].astype(str)
    return {
        "accuracy": round(float((predicted == gold).mean()), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=list(labels), average="macro")), 4),
        "unparsed": int((predicted == "").sum()),
    }


def measure(args: argparse.Namespace) -> None:
    """Both engines at 1 and ``--rows`` rows through the default command; see the module docstring."""
    from classify import MAX_SHOTS, NLI_LABELS, jnli, table
    from rich.console import Console

    task, _ = jnli(Path(args.jglue))
    _, pool = jnli(Path(args.jglue), MAX_SHOTS)  # never an example of the task
    order = np.random.default_rng(0).permutation(len(pool))
    items = pd.DataFrame([pool[i] for i in order[: args.rows]])[["sentence1", "sentence2", "label"]]
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="sakuin-bench-"))
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        task_file = Path(folder) / "task.yaml"
        task_file.write_text(task_yaml(task), encoding="utf-8")
        tables = {}
        for size in (1, args.rows):
            tables[size] = Path(folder) / f"jnli-{size}.jsonl"
            items[:size].to_json(tables[size], orient="records", lines=True, force_ascii=False)
        engines = args.engines.split(",")
        for engine in engines:  # warm-up: the first transformers load converts the GGUF once
            run_command(tables[1], task_file, engine, data_dir)
        for engine in engines:
            one, _, _ = run_command(tables[1], task_file, engine, data_dir)
            many, stdout, output = run_command(tables[args.rows], task_file, engine, data_dir)
            marginal = (many - one) / (args.rows - 1)
            backend = re.search(r"^backend: .*$", stdout, re.MULTILINE)
            results.append(
                {
                    "engine": engine,
                    "backend": backend.group(0) if backend else "",
                    "s_at_1_row": round(one, 2),
                    f"s_at_{args.rows}_rows": round(many, 2),
                    "marginal_ms_per_item": round(1000 * marginal, 1),
                    "marginal_items_per_s": round(1 / marginal, 2),
                    **metrics(output, NLI_LABELS),
                }
            )
            print(results[-1], flush=True)
    base = next((r for r in results if r["engine"] == "generate"), None)
    for row in results:
        if base:
            row["x_generate"] = round(base["marginal_ms_per_item"] / row["marginal_ms_per_item"], 1)
    columns = ("engine", "marginal_items_per_s", "x_generate", "accuracy", "macro_f1", "unparsed", "backend")
    Console(width=220).print(table(f"default sakuin classify, JNLI, {args.rows} - 1 rows", columns, results))
    document = {
        "command": "python -m sakuin classify <table> --task task.yaml --engine <engine> --out <file>",
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": [round(v, 2) for v in os.getloadavg()]},
        "arguments": vars(args),
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options (also offered by ``classify.py --default-path-only``)."""
    parser.add_argument("--rows", type=int, default=400, help="rows of the larger table")
    parser.add_argument("--engines", default="score,generate", help="engines to compare")


def main() -> None:
    from classify import DATA

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument("--jglue", default=str(DATA), help="folder with the JGLUE validation files")
    parser.add_argument("--data-dir", default=os.environ.get("SAKUIN_BENCH_DATA", ""))
    measure(parser.parse_args())


if __name__ == "__main__":
    main()
