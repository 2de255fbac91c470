"""``sakuin classify`` and ``sakuin choose`` as users run them (a real process, the tiny model)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sakuin.classify.tables import read_table
from tests.conftest import sakuin_command

pytestmark = pytest.mark.slow


def sakuin(model: Path, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAKUIN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    command = [*sakuin_command(), "--backend", "transformers", "--model", str(model), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_classify_with_labels_and_with_a_task_file(
    tiny_classify_dir: Path, reviews_csv: Path, tmp_path: Path
) -> None:
    result = sakuin(
        tiny_classify_dir,
        "--precision",
        "bfloat16",
        "classify",
        str(reviews_csv),
        "--text-column",
        "review",
        "--labels",
        "良い,悪い",
        "--instruction",
        "レビューを分類",
        "--out",
        str(tmp_path / "out.csv"),
        "--batch-size",
        "4",
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "labelled 9 of 12 rows (3 skipped)" in result.stdout
    frame = read_table(tmp_path / "out.csv")
    assert {"p_良い", "p_悪い", "predicted", "skipped"} <= set(frame.columns)
    labelled = frame[frame["skipped"].fillna("") == ""]
    total = labelled["p_良い"].astype(float) + labelled["p_悪い"].astype(float)
    assert total.round(4).eq(1).all()  # bfloat16 scores still normalise

    task = tmp_path / "task.yaml"
    task.write_text(
        "instruction: Sentiment\ntext_column: review\nlabels: [positive, negative]\n", encoding="utf-8"
    )
    result = sakuin(
        tiny_classify_dir,
        "classify",
        str(reviews_csv),
        "--task",
        str(task),
        "--engine",
        "generate",
        "--out",
        str(tmp_path / "gen.jsonl"),
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert len(read_table(tmp_path / "gen.jsonl")) == 12


def test_classify_names_the_missing_column_in_one_line(
    tiny_classify_dir: Path, reviews_csv: Path, tmp_path: Path
) -> None:
    result = sakuin(
        tiny_classify_dir,
        "classify",
        str(reviews_csv),
        "--text-column",
        "body",
        "--labels",
        "a,b",
        data_dir=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [  # checked before the model loads
        f"error: {reviews_csv} has no column(s) ['body']; its columns are ['id', 'review']. "
        "Pass --text-column with one of them."
    ]


def test_choose_writes_the_chosen_option(tiny_classify_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "questions.jsonl"
    pd.DataFrame(
        {"question": ["日本の首都は？", "What is 2+2?"], "a": ["東京", "4"], "b": ["大阪", "5"]}
    ).to_json(source, orient="records", lines=True, force_ascii=False)
    result = sakuin(
        tiny_classify_dir,
        "choose",
        str(source),
        "--option-column",
        "a",
        "--option-column",
        "b",
        data_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    frame = read_table(tmp_path / "questions.chosen.jsonl")
    assert set(frame["predicted"]) <= {"a", "b"}
    assert (frame["p_a"] + frame["p_b"]).tolist() == pytest.approx([1.0, 1.0])
