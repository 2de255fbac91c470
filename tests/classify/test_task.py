"""Tasks: label checks, the YAML format, and the prompt they render."""

from __future__ import annotations

from pathlib import Path

import pytest

from sakuin.classify.task import CONTENT_FREE, Label, Task, load_task, make_task
from sakuin.errors import TaskError


@pytest.mark.parametrize(
    ("labels", "problem"),
    [(["good", "good", "bad"], "duplicate"), (["good", " "], "empty"), (["only"], "at least two")],
)
def test_bad_label_sets_are_refused(labels: list[str], problem: str) -> None:
    with pytest.raises(TaskError, match=problem):
        make_task(labels)


def test_yaml_task_with_japanese_labels_descriptions_and_examples(tmp_path: Path) -> None:
    path = tmp_path / "task.yaml"
    path.write_text(
        """
instruction: 問い合わせを分類してください。
text_column: 本文
answer_prefix: "分類:"
labels:
  - name: 請求
    description: 料金や支払い
    examples: ["請求書が二重に届きました。"]
  - name: 技術
    examples: ["ログインできません。"]
  - その他
""",
        encoding="utf-8",
    )
    task = load_task(path)
    assert task.label_names == ["請求", "技術", "その他"]
    assert task.text_columns == ("本文",)
    prefix = task.prefix()
    assert "- 請求: 料金や支払い" in prefix
    # examples alternate between labels and end with the label continuation
    assert prefix.index("請求書が二重") < prefix.index("ログインできません")
    assert "本文: 請求書が二重に届きました。\n分類: 請求" in prefix
    assert task.query({"本文": "返金\nしてほしい"}) == "本文: 返金 してほしい\n分類:"
    assert task.content_free() == {"本文": CONTENT_FREE}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("labels: [a, b]\nextra: 1\n", "unknown key"),
        ("- a\n- b\n", "mapping"),
        ("labels: [a, b", "not valid YAML"),
    ],
)
def test_bad_task_files_name_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "task.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaskError, match=problem):
        load_task(path)


def test_an_example_must_fill_every_text_column() -> None:
    with pytest.raises(TaskError, match="lacks column"):
        Task("", (Label("a", examples=({"premise": "x"},)), Label("b")), ("premise", "hypothesis"))
