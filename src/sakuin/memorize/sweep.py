"""The paraphrase sweep: recall on held-out forms as restatements grow, diverse against repeated.

At each N both arms see every fact N times (N distinct restatements, or one restatement N
times), in one epoch with the same options, so the arms differ only in diversity. Each point
trains from the base model, so points are independent; optionally JCommonsenseQA accuracy on a
fixed subset measures what the adapter costs the model's general knowledge.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from peft import get_peft_model_state_dict

from sakuin.memorize.facts import Fact
from sakuin.memorize.options import Arm, TrainConfig
from sakuin.memorize.paraphrase import training_texts
from sakuin.memorize.probes import build_probes, run_probes
from sakuin.memorize.train import lora_config, on_float32_base, train_lora
from sakuin.models import LocalLanguageModel, ScoreRequest
from sakuin.models.transformers import TransformersModel


@dataclass(frozen=True)
class MultipleChoice:
    question: str
    choices: tuple[str, ...]
    label: int


def load_jcommonsenseqa(path: Path, count: int) -> list[MultipleChoice]:
    """The first ``count`` questions of a JCommonsenseQA JSONL file (a fixed subset)."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines()[:count]:
        row = json.loads(line)
        items.append(
            MultipleChoice(row["question"], tuple(row[f"choice{i}"] for i in range(5)), row["label"])
        )
    return items


def choice_accuracy(model: LocalLanguageModel, items: Sequence[MultipleChoice]) -> float:
    """Share of questions whose gold choice the model scores highest (per-token average)."""
    if not items:
        return 0.0
    requests = [ScoreRequest(f"質問：{item.question}\n答え：", list(item.choices)) for item in items]
    scores = model.score_batch(requests)
    right = 0
    for item, row in zip(items, scores, strict=True):
        normalised = [s / max(1, len(model.tokenize(c))) for s, c in zip(row, item.choices, strict=True)]
        right += max(range(len(normalised)), key=normalised.__getitem__) == item.label
    return right / len(items)


@dataclass
class Adapted:
    """A trained point: the merged model, its LoRA weights (to train on top of), seconds and steps."""

    model: TransformersModel
    lora: dict[str, torch.Tensor]
    seconds: float
    steps: int


def adapted(
    base_dir: Path,
    texts: Sequence[str],
    config: TrainConfig,
    *,
    replay: Sequence[str] = (),
    init: Mapping[str, torch.Tensor] | None = None,
) -> Adapted:
    """Train on ``texts`` from the base model (or from ``init``), without checkpoints, and merge."""
    with tempfile.TemporaryDirectory() as work:
        result = train_lora(
            base_dir, texts, replace(config, checkpoint_every=10**9), Path(work),
            replay=replay, init=init, progress=False,
        )  # fmt: skip
    lora = {k: v.detach().clone() for k, v in get_peft_model_state_dict(result.model).items()}
    merged = result.model.merge_and_unload()
    model = TransformersModel(merged, result.tokenizer, name="adapted", context_length=2048)
    return Adapted(model, lora, result.seconds, result.steps)


def interpolated(base_dir: Path, point: Adapted, config: TrainConfig, weight: float) -> TransformersModel:
    """The base model plus ``weight`` times the update a trained point learnt (its LoRA B scaled,
    so the merged change is weight x BA): between the base (0) and the trained model (1), the
    trade of recall against forgetting that weight-space interpolation (WiSE-FT) makes."""
    scaled = {k: v * weight if "lora_B" in k else v for k, v in point.lora.items()}
    device = "cuda" if torch.cuda.is_available() else "cpu"
    merged = on_float32_base(base_dir, device, lora_config(config), scaled).merge_and_unload()
    merged.eval()
    return TransformersModel(merged, point.model.tokenizer, name=f"adapted x{weight:g}", context_length=2048)


def weight_curve(
    base_dir: Path,
    facts: Sequence[Fact],
    paraphrases: int,
    weights: Sequence[float],
    *,
    config: TrainConfig,
    general: Sequence[MultipleChoice] = (),
    replay: Sequence[str] = (),
    on_point: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """One diverse point trained once, then used at each of ``weights``: recall and general
    accuracy per weight, the cheapest remedy against forgetting (no training on other text).
    With ``replay`` the point is trained with it, so the two remedies are measured together."""
    probes = build_probes(facts)
    texts = [t.text for t in training_texts(facts, paraphrases, arm="diverse", seed=config.seed)]
    point = adapted(base_dir, texts, config, replay=replay)
    rows: list[dict[str, Any]] = []
    for weight in weights:
        model = interpolated(base_dir, point, config, weight)
        report = run_probes(model, probes)
        row = {
            "paraphrases": paraphrases,
            "weight": weight,
            "replay_ratio": config.replay_ratio if replay else 0.0,
            "replay_loss": config.replay_loss if replay else None,
            "train_s": round(point.seconds, 1),
            "accuracy": report.accuracy,
            "mean_rank": report.mean_rank,
            "generation": report.generation,
            "general_accuracy": choice_accuracy(model, general) if general else None,
        }
        rows.append(row)
        model.close()
        if on_point:
            on_point(row)
    return rows


def sweep(
    base_dir: Path,
    facts: Sequence[Fact],
    counts: Sequence[int],
    *,
    arms: Sequence[Arm] = ("diverse", "repeated"),
    config: TrainConfig | None = None,
    general: Sequence[MultipleChoice] = (),
    replay: Sequence[str] = (),
    generate: bool = True,
    on_point: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per (arm, N): recall by score and generation, general accuracy, training time.

    ``replay`` (general text) is mixed into every batch at ``config.replay_ratio``: the same points
    with and without it show what replay buys against forgetting and what it costs in recall."""
    config = config or TrainConfig()
    probes = build_probes(facts)
    rows: list[dict[str, Any]] = []
    for n in counts:
        for arm in arms:
            if arm == "repeated" and n == 1 and rows and rows[-1]["paraphrases"] == 1:
                rows.append({**rows[-1], "arm": arm})  # one restatement once: the same run in both arms
                continue
            texts = [t.text for t in training_texts(facts, n, arm=arm, seed=config.seed)]
            started = time.perf_counter()
            point = adapted(base_dir, texts, config, replay=replay)
            report = run_probes(point.model, probes, generate=generate)
            row = {
                "arm": arm,
                "paraphrases": n,
                "distinct_texts": len(set(texts)),
                "steps": point.steps,
                "replay_ratio": config.replay_ratio if replay else 0.0,
                "replay_loss": config.replay_loss if replay else None,
                "train_s": round(point.seconds, 1),
                "accuracy": report.accuracy,
                "mean_rank": report.mean_rank,
                "generation": report.generation,
                "general_accuracy": choice_accuracy(point.model, general) if general else None,
                "point_s": round(time.perf_counter() - started, 1),
            }
            rows.append(row)
            if on_point:
                on_point(row)
    return rows
