"""The default ``sakuin classify`` command, score against generate: marginal time per item.

Runs the real CLI (``python -m sakuin classify``, no ``--backend``, no ``--precision``) on JNLI
tables of 1 and ``--rows`` rows, for ``--engine score`` and ``--engine generate``, side by side
in one run. Each process's wall time includes loading the model; the marginal time per item is
``(time at N rows - time at 1 row) / (N - 1)``, so loading, the shared prefix and calibration
cancel out and what remains is what each further item costs. The task is the main benchmark's
JNLI task with its solved examples (``task.yaml``), so ``generate`` has examples to follow;
accuracy, macro-F1 and the answers that named no label are read from the output tables.
Each size runs ``--repeats`` times, the engines interleaved, and the fastest run counts, so a
burst of load from another process on a shared machine skews one run, not the ratio.

A breakdown in this process then says where an item's time goes on each engine's backend:
the tokens the transformers decoder runs per item (padding included) and its forward time per
item for ``score``; for ``generate`` on llama.cpp, the prefill of the item's tokens behind the
cached task prefix, the time per decoded token and the tokens decoded per item. Prints tables and
writes ``benchmarks/results/classify-default.json``.

    .venv/bin/python benchmarks/classify_default.py [--rows 400] [--engines score,generate] [--repeats 2]
    .venv/bin/python benchmarks/classify.py --default-path-only   # the same

About 10 minutes on a quiet 2-core machine (generate's 400 rows take most of it).
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
        seconds: dict[tuple[str, int], float] = {}
        last: dict[str, tuple[str, Path]] = {}
        for _ in range(args.repeats):
            for engine in engines:
                for size in (1, args.rows):
                    wall, stdout, output = run_command(tables[size], task_file, engine, data_dir)
                    seconds[engine, size] = min(wall, seconds.get((engine, size), wall))
                    last[engine] = (stdout, output)
        for engine in engines:
            one, many = seconds[engine, 1], seconds[engine, args.rows]
            stdout, output = last[engine]
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
    parts = breakdown(task, items.to_dict(orient="records"), data_dir) if args.breakdown else []
    if parts:
        keys = tuple(dict.fromkeys(key for part in parts for key in part))
        Console(width=220).print(table("where an item's time goes", keys, parts))
    document = {
        "command": "python -m sakuin classify <table> --task task.yaml --engine <engine> --out <file>",
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": [round(v, 2) for v in os.getloadavg()]},
        "arguments": vars(args),
        "results": results,
        "breakdown": parts,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


def breakdown(task: Task, rows: list[dict[str, Any]], data_dir: Path) -> list[dict[str, Any]]:
    """Per-item time of each engine's backend, split into the parts the module docstring names.

    Runs the backends the default command chose, in this process: ``score``'s transformers model
    with a forward hook counting the decoder's tokens, and llama.cpp's context stepped directly
    (the same calls its scorer makes) for ``generate``'s prefill and decoding.
    """
    from sakuin.classify import ScoreEngine, choose_backend
    from sakuin.classify.generate import GenerateEngine
    from sakuin.config import load_settings
    from sakuin.models import load_model
    from sakuin.models.llama_cpp import LlamaCppModel
    from sakuin.models.transformers import TransformersModel

    settings = load_settings(data_dir)
    scorer_model = load_model(choose_backend(settings, "score").settings)
    assert isinstance(scorer_model, TransformersModel)
    scorer = ScoreEngine(scorer_model, task)
    scorer.predict(rows[:1])  # the shared prefix and the calibration, once
    tokens: list[int] = []
    hook = scorer_model.model.get_decoder().register_forward_pre_hook(
        lambda _module, _args, kwargs: tokens.append(int(kwargs["input_ids"].numel())), with_kwargs=True
    )
    started = time.perf_counter()
    for start in range(0, len(rows), scorer.batch_rows):
        scorer.predict(rows[start : start + scorer.batch_rows])
    forward_s = time.perf_counter() - started
    hook.remove()
    item_tokens = [len(scorer_model.tokenize(task.query(row))) for row in rows]
    parts = [
        {
            "engine": "score",
            "backend": f"transformers ({scorer_model.model.dtype})",
            "item_tokens": round(float(np.mean(item_tokens)), 1),
            "tokens_run_per_item": round(sum(tokens) / len(rows), 1),
            "forward_ms_per_item": round(1000 * forward_s / len(rows), 1),
            "tokens_per_s": round(sum(tokens) / forward_s),
        }
    ]
    del scorer, scorer_model
    model = load_model(choose_backend(settings, "generate").settings)
    assert isinstance(model, LlamaCppModel)
    generator = GenerateEngine(model, task)
    head = model._prompt_tokens(task.prefix())[:-1]  # what llama.cpp keeps cached between items
    sample = rows[: min(len(rows), 60)]
    prefill, decoded, produced, fed = [], [], [], []
    for row in sample:
        prompt = model._prompt_tokens(generator.prompt(row))
        fed.append(len(prompt) - len(head))
        model._keep_prefix(head)
        started = time.perf_counter()
        model._eval(prompt[len(head) :], len(head), [len(prompt) - len(head) - 1])
        prefill.append(time.perf_counter() - started)
        started = time.perf_counter()
        model._eval(prompt[-1:], len(prompt), [0])  # one more token: a decode step
        decoded.append(time.perf_counter() - started)
        model._forget_from(len(head))
        produced.append(len(model.tokenize(generator.answer(row))) + 1)  # + the newline that stops it
    item = float(np.mean(fed))
    parts.append(
        {
            "engine": "generate",
            "backend": "llama_cpp",
            "item_tokens": round(float(np.mean(item_tokens)), 1),
            "tokens_run_per_item": round(float(np.mean(produced)) + item, 1),
            "forward_ms_per_item": round(1000 * float(np.mean(prefill)), 1),
            "tokens_per_s": round(item / float(np.mean(prefill))),
            "decode_ms_per_token": round(1000 * float(np.median(decoded)), 1),
            "decoded_tokens_per_item": round(float(np.mean(produced)), 2),
        }
    )
    model.close()
    return parts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """This benchmark's options (also offered by ``classify.py --default-path-only``)."""
    parser.add_argument("--rows", type=int, default=400, help="rows of the larger table")
    parser.add_argument("--engines", default="score,generate", help="engines to compare")
    parser.add_argument("--repeats", type=int, default=2, help="runs per size; the fastest counts")
    parser.add_argument(
        "--no-breakdown", dest="breakdown", action="store_false", help="skip the per-engine time breakdown"
    )


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
