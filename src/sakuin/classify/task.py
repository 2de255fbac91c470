"""What a zero-shot classification task is, and the completion-style prompt it becomes.

A task is an instruction, a set of labels (each with an optional description and optional solved
examples) and the input column(s) to read. The default model is a pretrained base model, so the
prompt is a document it would naturally continue: the instruction, the labels, the solved examples,
then the item, ending right where the label goes. Everything before the item is the same for every
item, which is what lets the scoring engine encode it once and reuse its KV cache.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any, Protocol

import yaml

from sakuin.errors import TaskError

CONTENT_FREE = "N/A"  # the input used to measure the prompt's own label bias (calibration)


class TableTask(Protocol):
    """What running over a table needs of a task: the columns it reads and the answers it names."""

    @property
    def text_columns(self) -> tuple[str, ...]: ...

    @property
    def label_names(self) -> list[str]: ...


@dataclass(frozen=True)
class Label:
    """One label: its name (what the model is asked to write) and how to recognise it."""

    name: str
    description: str = ""
    examples: tuple[Mapping[str, str], ...] = ()

    @property
    def continuation(self) -> str:
        """The text scored after the prompt: a space, then the name, as the examples show it."""
        return f" {self.name}"


@dataclass(frozen=True)
class Task:
    """Instruction, labels and input columns; renders the prompt's shared prefix and per-item part."""

    instruction: str
    labels: tuple[Label, ...]
    text_columns: tuple[str, ...] = ("text",)
    answer_prefix: str = "Label:"
    field_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [label.name for label in self.labels]
        if len(names) < 2:
            raise TaskError(f"a task needs at least two labels; got {names or 'none'}.")
        if any(not name.strip() for name in names):
            raise TaskError(f"a label is empty in {names}; give every label a name.")
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise TaskError(f"duplicate labels {duplicates}; each label must appear once.")
        if not self.text_columns:
            raise TaskError("a task needs at least one text column to classify.")
        for label in self.labels:
            for example in label.examples:
                missing = [c for c in self.text_columns if c not in example]
                if missing:
                    raise TaskError(
                        f"an example of label '{label.name}' lacks column(s) {missing}; "
                        f"examples must give every text column {list(self.text_columns)}."
                    )

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.labels]

    @property
    def continuations(self) -> list[str]:
        return [label.continuation for label in self.labels]

    def prefix(self) -> str:
        """Instruction, label list and solved examples: the part every item shares.

        Examples alternate between labels so that no label is always the last one the model saw.
        """
        lines = [self.instruction.strip()] if self.instruction.strip() else []
        described = [
            f"- {label.name}" + (f": {label.description}" if label.description else "")
            for label in self.labels
        ]
        lines.append("\n".join(described))
        shots = [
            self.query(example) + label.continuation
            for round_ in zip_longest(*[[(label, e) for e in label.examples] for label in self.labels])
            for label, example in (pair for pair in round_ if pair is not None)
        ]
        return "\n\n".join([*lines, *shots]) + "\n\n"

    def query(self, row: Mapping[str, Any]) -> str:
        """The per-item part, ending right before the label."""
        fields = "".join(f"{self.field_names.get(c, c)}: {one_line(row[c])}\n" for c in self.text_columns)
        return f"{fields}{self.answer_prefix}"

    def content_free(self) -> dict[str, str]:
        """An item with no content: how much the prompt alone favours each label."""
        return dict.fromkeys(self.text_columns, CONTENT_FREE)


def one_line(value: Any) -> str:
    """Cell text on one line, so an item cannot fake the prompt's structure with newlines."""
    return " ".join(str(value).split())


def make_task(
    labels: Sequence[str],
    *,
    instruction: str = "",
    text_columns: Sequence[str] = ("text",),
    answer_prefix: str = "Label:",
) -> Task:
    """A task from plain label names (the CLI's ``--labels "a,b,c"``)."""
    return Task(
        instruction,
        tuple(Label(name.strip()) for name in labels),
        tuple(text_columns),
        answer_prefix,
    )


def load_task(path: Path) -> Task:
    """Read a task file (YAML); see README "Classification" for the format."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TaskError(f"task file {path} does not exist.") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise TaskError(f"{path} is not valid YAML ({exc}); fix the task file.") from exc
    if not isinstance(data, dict) or "labels" not in data:
        raise TaskError(f"{path} must be a mapping with at least 'labels' (and usually 'instruction').")
    columns = data.get("text_columns") or [data.get("text_column", "text")]
    columns = [columns] if isinstance(columns, str) else list(columns)
    labels = tuple(_label(entry, columns, path) for entry in data["labels"])
    known = {"instruction", "labels", "text_columns", "text_column", "answer_prefix", "field_names"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise TaskError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(known)}.")
    return Task(
        str(data.get("instruction", "")),
        labels,
        tuple(columns),
        str(data.get("answer_prefix", "Label:")),
        {str(k): str(v) for k, v in (data.get("field_names") or {}).items()},
    )


def _label(entry: Any, columns: list[str], path: Path) -> Label:
    """A label entry: a bare name, or {name, description, examples}."""
    if isinstance(entry, str | int | float):
        return Label(str(entry))
    if not isinstance(entry, dict) or "name" not in entry:
        raise TaskError(f"{path}: each label is a name or a mapping with 'name'; got {entry!r}.")
    examples = tuple(
        {columns[0]: str(example)}
        if isinstance(example, str)
        else {str(k): str(v) for k, v in example.items()}
        for example in entry.get("examples") or []
    )
    return Label(str(entry["name"]), str(entry.get("description", "")), examples)
