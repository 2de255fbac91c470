"""A rubric: what the judge asks the model, as the grades it may answer and what each is worth.

A rubric becomes a classification :class:`~sakuin.classify.task.Task` whose labels are the grades,
so judging runs on the ``score`` machinery unchanged: instruction, grade list and solved examples
are the shared prefix (encoded once, its KV cache reused), each text is one short query, and the
probability of every grade comes from one forward pass. Nothing is parsed from generated text.
The quality of a text is its expected grade, scaled to [0, 1] between the lowest and highest value.

Two rubrics ship with sakuin (``rubrics/*.yaml``): ``educational`` (FineWeb-Edu's 0-5 educational
value, Japanese and English) and ``ask_llm`` (Ask-LLM's yes/no "is this good training data?").
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sakuin.classify.task import Label, Task
from sakuin.curate.records import CurateError, read_yaml
from sakuin.errors import TaskError

TEXT = "text"  # the one column the judge's task reads; the record's own field is copied into it
BUILT_IN = ("educational", "ask_llm")


@dataclass(frozen=True)
class Grade:
    """One answer the judge may give, the value it stands for, and solved examples of it."""

    name: str
    value: float
    description: str = ""
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rubric:
    """Instruction and grades; ``max_chars`` of each text are judged (the start says most about it)."""

    name: str
    instruction: str
    grades: tuple[Grade, ...]
    field_name: str = "Text"
    answer_prefix: str = "Grade:"
    max_chars: int = 1200

    def __post_init__(self) -> None:
        if len(self.grades) < 2:
            raise CurateError(
                f"rubric '{self.name}' needs at least two grades (e.g. 0-5, or no/yes); "
                f"it has {len(self.grades)}."
            )
        values = [g.value for g in self.grades]
        if max(values) == min(values):
            raise CurateError(f"rubric '{self.name}': every grade is worth {values[0]}; give them values.")

    @property
    def grade_names(self) -> list[str]:
        return [g.name for g in self.grades]

    @property
    def lowest_grade(self) -> int:
        """Index of the grade worth least: where a text the judge zeroes puts all its probability."""
        return min(range(len(self.grades)), key=lambda i: self.grades[i].value)

    def task(self) -> Task:
        """The classification task the ``score`` engine runs: one label per grade."""
        labels = tuple(
            Label(grade.name, grade.description, tuple({TEXT: e} for e in grade.examples))
            for grade in self.grades
        )
        try:
            return Task(
                self.instruction,
                labels,
                (TEXT,),
                self.answer_prefix,
                {TEXT: self.field_name},
            )
        except TaskError as exc:
            raise CurateError(f"rubric '{self.name}': {exc}") from exc

    def quality(self, probabilities: np.ndarray) -> np.ndarray:
        """Expected grade of each row of grade probabilities, scaled to [0, 1]; NaN for an empty row."""
        values = np.array([g.value for g in self.grades], dtype=np.float64)
        low, high = values.min(), values.max()
        totals = probabilities.sum(axis=1)
        expected = (probabilities @ values) / np.where(totals > 0, totals, 1.0)
        result: np.ndarray = np.where(totals > 0, (expected - low) / (high - low), np.nan)
        return result

    def clip(self, text: str) -> str:
        return text[: self.max_chars]


def load_rubric(name_or_path: str | Path) -> Rubric:
    """A built-in rubric by name (``educational``, ``ask_llm``) or a rubric YAML file."""
    if str(name_or_path) in BUILT_IN:
        source = resources.files("sakuin.curate").joinpath(f"rubrics/{name_or_path}.yaml")
        return parse_rubric(yaml.safe_load(source.read_text(encoding="utf-8")), str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise CurateError(f"no rubric '{name_or_path}': use {' or '.join(BUILT_IN)}, or a YAML file.")
    return parse_rubric(read_yaml(path, "rubric"), str(path))


_KEYS = {"name", "instruction", "grades", "field_name", "answer_prefix", "max_chars"}


def parse_rubric(data: Any, where: str) -> Rubric:
    """A rubric from decoded YAML; ``where`` names it in errors."""
    if not isinstance(data, dict):
        raise CurateError(f"{where}: a rubric is a mapping with 'instruction' and 'grades'.")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise CurateError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_KEYS)}.")
    entries = data.get("grades")
    if not isinstance(entries, list) or not entries:
        raise CurateError(
            f"{where}: the rubric has no grades; list them under 'grades' (a name each, e.g. 0 to 5)."
        )
    grades = tuple(_grade(entry, i, where) for i, entry in enumerate(entries))
    return Rubric(
        str(data.get("name") or Path(where).stem),
        str(data.get("instruction", "")),
        grades,
        str(data.get("field_name", "Text")),
        str(data.get("answer_prefix", "Grade:")),
        int(data.get("max_chars", 1200)),
    )


def _grade(entry: Any, position: int, where: str) -> Grade:
    """A grade entry: a bare name (its value is the name if numeric, else its position) or a mapping."""
    if isinstance(entry, str | int | float):
        entry = {"name": entry}
    if not isinstance(entry, dict) or "name" not in entry:
        raise CurateError(f"{where}: each grade is a name or a mapping with 'name'; got {entry!r}.")
    name = str(entry["name"])
    value = entry.get("value", _number(name, position))
    examples = entry.get("examples") or []
    if not isinstance(examples, list):
        raise CurateError(f"{where}: grade '{name}': 'examples' is a list of texts.")
    return Grade(name, float(value), str(entry.get("description", "")), tuple(str(e) for e in examples))


def _number(name: str, position: int) -> float:
    try:
        return float(name)
    except ValueError:
        return float(position)
