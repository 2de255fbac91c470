"""The Ray engine on a real local one-node cluster: same labels as the local run."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.classify import EngineOptions, build_engine, classify_file
from sakuin.classify.ray_engine import classify_file_ray
from sakuin.classify.tables import read_table
from sakuin.classify.task import Task
from sakuin.config import load_settings
from sakuin.models import load_model

pytestmark = pytest.mark.slow


def test_ray_engine_labels_like_the_local_engine_and_shuts_its_cluster_down(
    tiny_classify_dir: Path, review_task: Task, reviews_csv: Path, tmp_path: Path
) -> None:
    import ray

    settings = load_settings(
        tmp_path / "data",
        model={
            "backend": "transformers",
            "name": str(tiny_classify_dir),
            "context_length": 256,
            "threads": 1,
        },
    )
    options = EngineOptions("score")
    local = classify_file(
        review_task,
        reviews_csv,
        tmp_path / "local.parquet",
        engine=build_engine(load_model(settings), review_task, options),
    )
    distributed = classify_file_ray(
        review_task, reviews_csv, tmp_path / "ray.parquet", settings=settings, options=options, batch_size=4
    )
    assert not ray.is_initialized()
    assert (distributed.labelled, distributed.skipped) == (local.labelled, local.skipped) == (9, 3)
    ours, theirs = read_table(tmp_path / "local.parquet"), read_table(tmp_path / "ray.parquet")
    assert list(theirs.columns) == list(ours.columns)
    assert theirs["predicted"].tolist() == ours["predicted"].tolist()
    for column in ("p_positive", "p_negative", "p_neutral"):
        assert theirs[column].tolist() == pytest.approx(ours[column].tolist(), abs=1e-5)


def test_ray_distill_trains_the_head_once_and_labels_like_the_local_run(
    gemma_gguf: Path, tmp_path: Path
) -> None:
    """The driver trains the head on the same seeded sample as a local run, workers only apply it."""
    import pandas as pd

    from tests.classify.cases import SENTIMENT, SENTIMENT_ITEMS

    source = tmp_path / "reviews.jsonl"
    pd.DataFrame([{"review": text} for text, _ in SENTIMENT_ITEMS]).to_json(
        source, orient="records", lines=True, force_ascii=False
    )
    settings = load_settings(
        tmp_path / "data", model={"backend": "llama_cpp", "name": str(gemma_gguf), "context_length": 1024}
    )
    options = EngineOptions("distill", sample=24, margin=0.0)
    local = classify_file(
        SENTIMENT,
        source,
        tmp_path / "local.jsonl",
        engine=build_engine(load_model(settings), SENTIMENT, options),
    )
    distributed = classify_file_ray(
        SENTIMENT, source, tmp_path / "ray.jsonl", settings=settings, options=options, batch_size=8
    )
    assert distributed.distill is not None and local.distill is not None
    assert distributed.distill.agreement == local.distill.agreement
    ours, theirs = read_table(tmp_path / "local.jsonl"), read_table(tmp_path / "ray.jsonl")
    assert theirs["predicted"].tolist() == ours["predicted"].tolist()
    assert theirs["p_positive"].tolist() == pytest.approx(ours["p_positive"].tolist(), abs=1e-6)
