"""The default classify path: which backend runs each engine, and generate's answers that name no label.

The CLI runs as users run it, on the packaged Gemma 3 270M; its data directory's ``models`` folder
is the pytest cache's, so the GGUF is assembled and converted once per cache, not per test.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sakuin.classify import EngineOptions, ScoreEngine, build_engine, choose_backend, classify_file
from sakuin.classify.backend import hardware_precision
from sakuin.classify.generate import GenerateEngine
from sakuin.classify.tables import read_table
from sakuin.classify.task import Label, Task, make_task
from sakuin.config import load_settings
from sakuin.models.llama_cpp import LlamaCppModel
from sakuin.models.transformers import TransformersModel
from tests.classify.cases import SENTIMENT, SENTIMENT_ITEMS
from tests.conftest import sakuin_command

FAST_HARDWARE = hardware_precision() == "bfloat16"


def test_scoring_engines_run_on_transformers_where_the_cpu_has_bfloat16(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    for engine in ("score", "distill"):
        choice = choose_backend(settings, engine)
        assert choice.automatic is FAST_HARDWARE
        assert choice.backend == ("transformers" if FAST_HARDWARE else "llama_cpp")
        assert choice.as_dict()["precision"] == ("bfloat16" if FAST_HARDWARE else None)
    generate = choose_backend(settings, "generate")
    assert (generate.backend, generate.automatic) == ("llama_cpp", False)


def test_a_backend_set_anywhere_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_flag = choose_backend(load_settings(tmp_path, model={"backend": "llama_cpp"}), "score")
    assert (by_flag.backend, by_flag.automatic, by_flag.describe()) == (
        "llama_cpp",
        False,
        "backend: llama_cpp",
    )
    monkeypatch.setenv("SAKUIN_MODEL__BACKEND", "llama_cpp")
    assert choose_backend(load_settings(tmp_path), "distill").backend == "llama_cpp"
    monkeypatch.delenv("SAKUIN_MODEL__BACKEND")
    (tmp_path / "config.toml").write_text('[model]\nbackend = "llama_cpp"\n', encoding="utf-8")
    assert choose_backend(load_settings(tmp_path), "score").backend == "llama_cpp"


def test_a_configured_precision_is_kept(tmp_path: Path) -> None:
    exact = choose_backend(load_settings(tmp_path, model={"precision": "float32"}), "score")
    assert (exact.backend, exact.automatic) == ("llama_cpp", False)  # float32 transformers is not faster
    asked = choose_backend(load_settings(tmp_path, model={"precision": "bfloat16"}), "score")
    assert (asked.backend, asked.precision, asked.automatic) == ("transformers", "bfloat16", True)


def _rows(items: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"review": text} for text, _ in items]


@pytest.mark.slow
def test_generate_reads_the_examples_score_reads(gemma_llama: LlamaCppModel) -> None:
    """One prompt for both: the examples are there, and without them the base model names no label."""
    engine = GenerateEngine(gemma_llama, SENTIMENT)
    row = _rows(SENTIMENT_ITEMS)[0]
    prompt = engine.prompt(row)
    assert prompt == SENTIMENT.prefix() + SENTIMENT.query(row)  # what score scores, as one text
    for label in SENTIMENT.labels:
        for example in label.examples:
            assert f"Review: {example['review']}\nSentiment: {label.name}" in prompt
    bare = Task(SENTIMENT.instruction, tuple(Label(label.name) for label in SENTIMENT.labels), ("review",))
    rows = _rows(SENTIMENT_ITEMS[:10])
    answered = GenerateEngine(gemma_llama, SENTIMENT).predict(rows).sum(axis=1) > 0
    answered_bare = GenerateEngine(gemma_llama, bare).predict(rows).sum(axis=1) > 0
    assert answered.sum() > answered_bare.sum()
    assert answered.all()


@pytest.mark.slow
def test_the_result_counts_answers_that_named_no_label(gemma_llama: LlamaCppModel, tmp_path: Path) -> None:
    bare = Task("Sentiment.", tuple(Label(label.name) for label in SENTIMENT.labels), ("review",))
    table = tmp_path / "reviews.csv"
    pd.DataFrame(_rows(SENTIMENT_ITEMS[:8])).to_csv(table, index=False)
    engine = build_engine(gemma_llama, bare, EngineOptions("generate"))
    result = classify_file(bare, table, tmp_path / "out.csv", engine=engine)
    predicted = read_table(tmp_path / "out.csv")["predicted"].fillna("")
    assert result.unparsed == int((predicted == "").sum())
    assert result.unparsed > 0  # the base model without examples rarely answers with a label


def _sakuin(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAKUIN_")}
    env |= {"SAKUIN_DATA_DIR": str(data_dir), "COLUMNS": "300"}
    command = [*sakuin_command(), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)


@pytest.mark.slow
def test_the_default_command_says_which_backend_it_chose(
    models_dir: Path, gemma_gguf: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(models_dir)  # the converted checkpoint, made once per cache
    table = tmp_path / "reviews.csv"
    pd.DataFrame(_rows(SENTIMENT_ITEMS[:4])).to_csv(table, index=False)
    labels = ("--text-column", "review", "--labels", "positive,negative", "--out")
    chosen = _sakuin(data_dir, "classify", str(table), *labels, str(tmp_path / "score.csv"))
    assert chosen.returncode == 0, chosen.stderr
    expected = (
        "backend: transformers (bfloat16), chosen for --engine score"
        if FAST_HARDWARE
        else "backend: llama_cpp"
    )
    assert chosen.stdout.splitlines()[0].startswith(expected)
    assert "labelled 4 of 4 rows" in chosen.stdout
    kept = _sakuin(
        data_dir, "--backend", "llama_cpp", "classify", str(table), *labels, str(tmp_path / "l.csv")
    )
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.splitlines()[0] == "backend: llama_cpp"
    generated = _sakuin(
        data_dir, "classify", str(table), "--engine", "generate", *labels, str(tmp_path / "g.csv")
    )
    assert generated.returncode == 0, generated.stderr
    assert generated.stdout.splitlines()[0] == "backend: llama_cpp"
    unparsed = int((read_table(tmp_path / "g.csv")["predicted"].fillna("") == "").sum())
    assert f"{unparsed} of 4 answers named no label" in generated.stdout


NLI = Task(
    "前提と仮説の関係を entailment, contradiction, neutral のどれかで答えてください。",
    tuple(Label(name) for name in ("entailment", "contradiction", "neutral")),
    ("premise", "hypothesis"),
    "関係:",
)
PAIRS = [
    ("犬が公園を走っている。", "動物が外にいる。"),
    ("A man is cooking pasta in the kitchen.", "Nobody is in the kitchen."),
    ("会議は午後三時に始まる。", "会議は朝に始まる。"),
    ("The train to Osaka was full.", "Many people travel to Osaka."),
    ("子供たちがサッカーをしている。", "子供たちが遊んでいる。"),
    ("She bought a red umbrella.", "She owns an umbrella."),
    ("雨が降っているので傘を持っていく。", "今日は晴れている。"),
    ("The museum opens at nine.", "The museum is closed on Mondays."),
    ("猫がソファの上で寝ている。", "猫が起きて走っている。"),
]


@pytest.mark.slow
def test_labels_on_one_row_are_read_in_one_forward_per_batch(gemma_hf: TransformersModel) -> None:
    """' entailment' takes two Gemma tokens and the others one: each item is one row, no second pass.

    The scores are those of the full sequences run one by one without any cache.
    """
    assert [len(gemma_hf.tokenize(c)) for c in NLI.continuations] == [2, 1, 1]
    rows = [{"premise": p, "hypothesis": h} for p, h in PAIRS]
    engine = ScoreEngine(gemma_hf, NLI, calibrate=False)
    engine.log_likelihoods(rows[:1])  # the shared prefix's cache, computed once
    calls: list[int] = []
    hook = gemma_hf.model.get_decoder().register_forward_pre_hook(
        lambda _module, _args, kwargs: calls.append(int(kwargs["input_ids"].shape[0])), with_kwargs=True
    )
    try:
        cached = engine.log_likelihoods(rows)
    finally:
        hook.remove()
    # every item's row runs once, in passes of at most gemma_hf.batch_size rows, and no second
    # pass follows for the two-token label's tail
    assert sum(calls) == len(rows) and max(calls) <= gemma_hf.batch_size, calls
    reference = engine.log_likelihoods(rows, use_cache=False)
    assert np.allclose(cached, reference, atol=1e-3)


@pytest.mark.parametrize(
    ("engine", "expected"), [("score", [0, 256, 300]), ("generate", [0, *range(32, 300, 32), 300])]
)
def test_a_scoring_engine_gets_long_sorted_batches_and_generate_short_ones(
    tiny_model: TransformersModel, tmp_path: Path, engine: str, expected: list[int]
) -> None:
    """A score call sorts its rows by length before padding them, so the runner hands it 256 rows."""
    task = make_task(["positive", "negative"], text_columns=["review"])
    table = tmp_path / "reviews.csv"
    texts = [f"レビュー {i}: " + "とても良い。" * (i % 7) for i in range(300)]
    pd.DataFrame({"review": texts}).to_csv(table, index=False)
    done: list[int] = []
    built = build_engine(tiny_model, task, EngineOptions(engine))  # type: ignore[arg-type]
    classify_file(task, table, tmp_path / "out.csv", engine=built, progress=lambda d, _: done.append(d))
    assert done == expected
