"""Running over a table with the tiny model: skipped rows, bad rows, progress, cancel and resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sakuin.classify import ScoreEngine, classify_file
from sakuin.classify.run import checkpoint_path
from sakuin.classify.tables import read_table
from sakuin.classify.task import Task
from sakuin.models.transformers import TransformersModel

pytestmark = pytest.mark.blas  # run again with the BLAS kernel settings flipped (make test)


def test_output_keeps_input_columns_and_adds_label_probabilities(
    tiny_model: TransformersModel, review_task: Task, reviews_csv: Path, tmp_path: Path
) -> None:

    seen: list[tuple[int, int]] = []
    result = classify_file(
        review_task,
        reviews_csv,
        tmp_path / "out.jsonl",
        engine=ScoreEngine(tiny_model, review_task),
        batch_size=5,
        progress=lambda done, total: seen.append((done, total)),
    )
    frame = read_table(tmp_path / "out.jsonl")
    assert list(frame.columns) == [
        "id",
        "review",
        "predicted",
        "p_positive",
        "p_negative",
        "p_neutral",
        "skipped",
    ]
    assert frame["id"].tolist() == [str(i) for i in range(12)]  # CSV cells stay text
    blank = frame["skipped"] != ""
    assert frame.loc[blank, "id"].tolist() == ["2", "4", "10"]
    assert set(frame.loc[blank, "skipped"]) == {"empty review"}
    assert (frame.loc[blank, "predicted"] == "").all()
    probabilities = frame.loc[~blank, ["p_positive", "p_negative", "p_neutral"]].to_numpy(float)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-9)
    assert frame.loc[~blank, "predicted"].tolist() == [
        review_task.label_names[i] for i in probabilities.argmax(axis=1)
    ]
    assert (result.labelled, result.skipped, result.complete) == (9, 3, True)
    assert seen[0] == (0, 12) and seen[-1] == (12, 12) and len(seen) == 4
    assert not checkpoint_path(tmp_path / "out.jsonl").exists()


def test_a_row_too_long_for_the_model_is_skipped_with_the_reason_and_the_rest_labelled(
    tiny_model: TransformersModel, review_task: Task, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"review": ["good", "word " * 400, "bad"]}).to_csv(source, index=False)
    classify_file(review_task, source, tmp_path / "out.csv", engine=ScoreEngine(tiny_model, review_task))
    frame = read_table(tmp_path / "out.csv")
    assert "context window" in frame["skipped"][1]
    assert frame["skipped"].isna()[[0, 2]].all()  # empty CSV cells read back as missing
    assert frame["predicted"][[0, 2]].isin(review_task.label_names).all()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_resume_after_interruption_gives_the_uninterrupted_output(
    tiny_model: TransformersModel, review_task: Task, reviews_csv: Path, tmp_path: Path, suffix: str
) -> None:
    engine = ScoreEngine(tiny_model, review_task)
    whole = tmp_path / f"whole{suffix}"
    classify_file(review_task, reviews_csv, whole, engine=engine, batch_size=3)

    parts = tmp_path / f"parts{suffix}"
    batches = iter(range(100))
    stopped = classify_file(
        review_task, reviews_csv, parts, engine=engine, batch_size=3, should_stop=lambda: next(batches) >= 2
    )
    assert not stopped.complete and not parts.exists()
    with checkpoint_path(parts).open("a", encoding="utf-8") as handle:
        handle.write('{"_row": 9, "predic')  # a line cut short by the interruption
    resumed = classify_file(review_task, reviews_csv, parts, engine=engine, batch_size=3, resume=True)
    assert resumed.complete and resumed.resumed_from == 6
    assert parts.read_bytes() == whole.read_bytes()


def test_batched_prefix_cached_scores_equal_item_by_item_uncached(
    tiny_model: TransformersModel, review_task: Task
) -> None:
    rows = [
        {"review": text} for text in ("great", "すぐに壊れました。", "Review: fine\nok", "とても良い製品です")
    ]
    engine = ScoreEngine(tiny_model, review_task, calibrate=False)
    batched = engine.log_likelihoods(rows)
    one_by_one = np.concatenate([engine.log_likelihoods([row], use_cache=False) for row in rows])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-4)
