"""Forgetting: what learning a second fact set on top of a first costs the first set and the model.

Stages, each measured the same way: the base model; adapter A trained on the first set; then
the second set trained on top of A (from A's LoRA weights, the same options) once per remedy —
none, replay of general text, replay of the first set's restatements, or both. A measurement is
recall of both sets on held-out question forms, perplexity on general text that no training
saw, and optionally accuracy on a fixed multiple-choice subset (JCommonsenseQA): the "general
ability" a fact set may cost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import torch

from sakuin.memorize.facts import Fact
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.paraphrase import training_texts
from sakuin.memorize.probes import Probe, build_probes, run_probes
from sakuin.memorize.sweep import MultipleChoice, adapted, choice_accuracy
from sakuin.memorize.train import load_base
from sakuin.models.transformers import TransformersModel

Remedy = Literal["none", "general", "facts", "both"]
REMEDIES: tuple[Remedy, ...] = ("none", "general", "facts", "both")


@dataclass(frozen=True)
class GeneralProbe:
    """General ability: perplexity on ``texts`` and, if given, accuracy on ``choices``."""

    texts: Sequence[str]
    choices: Sequence[MultipleChoice] = field(default_factory=tuple)


def load_jsquad_paragraphs(path: Path, start: int, count: int) -> list[str]:
    """``count`` Wikipedia paragraphs of a JSQuAD file from paragraph ``start`` (disjoint slices
    give general text to measure on and other general text to replay)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    contexts = [p["context"].replace(" [SEP] ", "\n") for article in data for p in article["paragraphs"]]
    return contexts[start : start + count]


def perplexity(model: TransformersModel, texts: Sequence[str], max_tokens: int = 128) -> float:
    """Token-weighted perplexity of ``texts`` (each cut to ``max_tokens``)."""
    total, count = 0.0, 0
    with torch.no_grad():
        for text in texts:
            ids = model.tokenizer(text, return_tensors="pt").input_ids[:, :max_tokens]
            if ids.shape[1] < 2:
                continue
            loss = model.model(input_ids=ids.to(model.model.device), labels=ids.to(model.model.device)).loss
            total += float(loss) * (ids.shape[1] - 1)
            count += ids.shape[1] - 1
    return math.exp(total / count) if count else float("nan")


def measure(
    model: TransformersModel, probes: dict[str, list[Probe]], general: GeneralProbe
) -> dict[str, float | None]:
    """Recall of each fact set (by score, held-out forms) and the general-ability numbers."""
    row: dict[str, float | None] = {
        f"recall_{name}": run_probes(model, chosen, generate=False).accuracy
        for name, chosen in probes.items()
    }
    row["perplexity"] = round(perplexity(model, general.texts), 3) if general.texts else None
    row["general_accuracy"] = choice_accuracy(model, general.choices) if general.choices else None
    return row


def remedy_texts(remedy: Remedy, general_replay: Sequence[str], first_texts: Sequence[str]) -> list[str]:
    """The replay pool of a remedy: general text, the first set's restatements, both or nothing."""
    pools = {
        "none": [],
        "general": list(general_replay),
        "facts": list(first_texts),
        "both": [*general_replay, *first_texts],
    }
    return pools[remedy]


def forgetting(
    base_dir: Path,
    first: Sequence[Fact],
    second: Sequence[Fact],
    *,
    paraphrases: int,
    config: TrainConfig,
    general: GeneralProbe,
    general_replay: Sequence[str] = (),
    remedies: Sequence[Remedy] = REMEDIES,
    on_stage: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per stage: base, A (first set), then A + second set under each remedy."""
    if config.replay_ratio <= 0 and any(r != "none" for r in remedies):
        raise ValueError("a remedy replays text: give the config a replay_ratio above 0.")
    if config.replay_loss == "base" and {"facts", "both"} & set(remedies):
        raise ValueError("the first set's restatements are replayed as text: use replay_loss='text'.")
    probes = {"first": build_probes(first), "second": build_probes(second)}
    first_texts = [t.text for t in training_texts(first, paraphrases, seed=config.seed)]
    second_texts = [t.text for t in training_texts(second, paraphrases, seed=config.seed)]
    rows: list[dict[str, Any]] = []

    def record(stage: str, model: TransformersModel, seconds: float, steps: int, replay: int) -> None:
        row = {"stage": stage, "steps": steps, "replay_texts": replay, "train_s": round(seconds, 1)}
        rows.append({**row, **measure(model, probes, general)})
        if on_stage:
            on_stage(rows[-1])

    base, tokenizer = load_base(base_dir, "cpu")
    record("base", TransformersModel(base, tokenizer, name="base", context_length=2048), 0.0, 0, 0)
    del base
    plain = replace(config, replay_ratio=0.0)
    learnt = adapted(base_dir, first_texts, plain)
    record("first", learnt.model, learnt.seconds, learnt.steps, 0)
    del learnt.model
    for remedy in remedies:
        pool = remedy_texts(remedy, general_replay, first_texts)
        on_top = adapted(base_dir, second_texts, config if pool else plain, replay=pool, init=learnt.lora)
        record(f"second+{remedy}", on_top.model, on_top.seconds, on_top.steps, len(pool))
    return rows
