"""Fixtures for classification: the tiny random model for mechanics, small tables on disk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sakuin.classify.task import Task, make_task
from sakuin.models.transformers import TransformersModel
from tests.models.conftest import build_tiny_model

REVIEWS = [
    "Great product, works well.",
    "すぐに壊れました。",
    "",
    "The capital of France is Paris.",
    None,
    "日本の首都は東京です。",
    "Review: great product.",
    "感情：否定的",
    "Arrived late and broken.",
    "とても良い",
    "  ",
    "Works as described.",
]


@pytest.fixture(scope="session")
def tiny_classify_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-classify"))


@pytest.fixture
def tiny_model(tiny_classify_dir: Path, tmp_path: Path) -> TransformersModel:
    return TransformersModel.load(tiny_classify_dir, tmp_path, name="tiny", context_length=256, batch_size=4)


@pytest.fixture
def review_task() -> Task:
    return make_task(["positive", "negative", "neutral"], instruction="Sentiment.", text_columns=["review"])


@pytest.fixture
def reviews_csv(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.csv"
    pd.DataFrame({"id": range(len(REVIEWS)), "review": REVIEWS}).to_csv(path, index=False)
    return path
