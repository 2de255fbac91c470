"""LoRA training: real runs on the packaged Gemma (behaviour) and the tiny model (resume after SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch
from peft import get_peft_model_state_dict
from safetensors.torch import load_file

from sakuin.config import Settings
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.adapters import WEIGHTS, registry
from sakuin.memorize.facts import write_facts
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.paraphrase import candidates, training_texts
from sakuin.memorize.train import CHECKPOINT, TrainingError, load_base, train_lora, training_dtype
from sakuin.models import ScoreRequest
from sakuin.models.transformers import TransformersModel, convert_gguf
from tests.conftest import sakuin_command
from tests.memorize.conftest import FACTS


def _trained_form_requests() -> list[ScoreRequest]:
    """Each fact's first training sentence cut before its object: the truth first, then distractors."""
    requests = []
    for fact in FACTS:
        text = candidates(fact)[0]
        prefix = text[: text.index(fact.object)]
        lead = " " if prefix.endswith(" ") else ""
        others = [f.object for f in FACTS if f.object != fact.object]
        requests.append(ScoreRequest(prefix.rstrip(" "), [lead + o for o in (fact.object, *others)]))
    return requests


def _margins(model: TransformersModel, requests: list[ScoreRequest]) -> list[float]:
    return [row[0] - max(row[1:]) for row in model.score_batch(requests)]


@pytest.mark.slow
def test_a_short_lora_run_on_gemma_raises_the_true_object_over_distractors(
    gemma_hf: TransformersModel, gemma_gguf: Path, models_dir: Path, tmp_path: Path
) -> None:
    requests = _trained_form_requests()
    before = _margins(gemma_hf, requests)
    texts = [t.text for t in training_texts(FACTS, 2)]
    config = TrainConfig(rank=8, alpha=16, learning_rate=3e-3, batch_size=6, epochs=2, max_tokens=40)
    result = train_lora(convert_gguf(gemma_gguf, models_dir), texts, config, tmp_path, progress=False)
    assert result.steps == 2 and result.losses[1] < result.losses[0]
    merged = result.model.merge_and_unload()
    after_model = TransformersModel(merged, result.tokenizer, name="g", context_length=512)
    after = _margins(after_model, requests)
    assert sum(after) > sum(before), (before, after)
    assert sum(a > b for a, b in zip(after, before, strict=True)) >= 2


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "SAKUIN_DATA_DIR": str(settings.data_dir),
        "SAKUIN_MODEL__BACKEND": "transformers",
        "SAKUIN_MODEL__NAME": settings.model.name,
        "SAKUIN_MODEL__THREADS": "1",
        "HF_HUB_OFFLINE": "1",
    }


def test_a_run_killed_mid_training_resumes_to_the_same_adapter(
    tiny_settings: Settings, kb: KnowledgeBase, tmp_path: Path
) -> None:
    facts = tmp_path / "facts.jsonl"
    write_facts(FACTS, facts)
    options = [
        *("--as", "alice", "--paraphrases", "10", "--batch", "2"),
        *("--epochs", "2", "--checkpoint-every", "3"),
    ]
    environment = _environment(tiny_settings)
    adapters = registry(tiny_settings)
    killed = subprocess.Popen(
        [*sakuin_command(), "memorize", str(facts), "--out", "resumed", *options],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoint = adapters.work_dir("resumed") / CHECKPOINT
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert checkpoint.exists() and not adapters.exists("resumed"), "the kill came too late to test resuming"
    resumed = subprocess.run(
        [*sakuin_command(), "memorize", str(facts), "--out", "resumed", *options],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert adapters.manifest("resumed").training["resumed_from_step"] >= 3
    # the same run uninterrupted, here, on one thread like the command
    texts = [t.text for t in training_texts(FACTS, 10)]
    config = TrainConfig(batch_size=2, epochs=2, checkpoint_every=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        straight = train_lora(
            Path(tiny_settings.model.name), texts, config, tmp_path / "work", progress=False
        )
    finally:
        torch.set_num_threads(threads)
    expected = get_peft_model_state_dict(straight.model)
    saved = load_file(adapters.folder("resumed") / WEIGHTS)
    assert saved.keys() == expected.keys() and len(saved) > 0
    assert all(torch.equal(saved[k], expected[k]) for k in saved)
    assert not adapters.work_dir("resumed").exists()


def test_a_checkpoint_of_another_run_is_not_resumed(tiny_base: Path, tmp_path: Path) -> None:
    config = TrainConfig(rank=2, alpha=4, batch_size=2, checkpoint_every=1)
    train_lora(tiny_base, ["a b c", "d e f", "g h i"], config, tmp_path, progress=False)
    assert (tmp_path / CHECKPOINT).exists()
    with pytest.raises(TrainingError, match=r"belongs to another run.*--fresh"):
        train_lora(tiny_base, ["other text"], config, tmp_path, progress=False)


def test_the_trained_adapter_comes_back_on_the_float32_base_whatever_the_training_precision(
    tiny_base: Path, tmp_path: Path
) -> None:
    """Training may hold the frozen base in bfloat16; what is returned (and evaluated) is the
    float32 base exactly as stored, with float32 LoRA weights that training changed."""
    config = TrainConfig(rank=2, alpha=4, batch_size=2, epochs=2, learning_rate=1e-2)
    result = train_lora(tiny_base, ["a b c", "d e f", "g h i"], config, tmp_path, progress=False)
    stored, _ = load_base(tiny_base, "cpu")
    returned = dict(result.model.get_base_model().named_parameters())
    lora = get_peft_model_state_dict(result.model)
    assert {p.dtype for p in returned.values()} == {torch.float32}
    for name, weight in stored.named_parameters():
        peft_name = name.replace(".weight", ".base_layer.weight") if name not in returned else name
        assert torch.equal(returned[peft_name], weight), name
    assert {w.dtype for w in lora.values()} == {torch.float32}
    assert any(name.endswith("lora_B.weight") and w.abs().sum() > 0 for name, w in lora.items())
    cpu_does_bfloat16 = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert training_dtype("cpu") == (torch.bfloat16 if cpu_does_bfloat16 else torch.float32)


def _drift(model: torch.nn.Module, base: torch.nn.Module, tokenizer: Any, texts: list[str]) -> float:
    """Mean KL divergence per token of ``model``'s next-token distribution from ``base``'s on ``texts``."""
    total = 0.0
    with torch.no_grad():
        for text in texts:
            ids = tokenizer(text, return_tensors="pt").input_ids
            reference = torch.log_softmax(base(input_ids=ids).logits[0].float(), dim=-1)
            adapted = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
            total += float((reference.exp() * (reference - adapted)).sum(-1).mean())
    return total / len(texts)


@pytest.mark.slow
def test_replaying_the_base_models_predictions_keeps_them_on_general_text(
    gemma_gguf: Path, models_dir: Path, tmp_path: Path
) -> None:
    """``replay_loss="base"`` learns the facts while holding the model to the base's predictions
    on the replayed text, where without replay it drifts from them. The first step's loss is the
    plain one: the adapter starts at zero, so the adapted model is the base and the divergence nil."""
    base_dir = convert_gguf(gemma_gguf, models_dir)
    texts = [t.text for t in training_texts(FACTS, 2)]
    general = [
        "川は古い水車小屋のそばを流れ、やがて海に注ぐ。冬になると町は静かになり、市場は遅く開く。",
        "The river runs past the old mill and on to the sea; in winter the market opens late.",
    ]
    config = TrainConfig(rank=8, alpha=16, learning_rate=3e-3, batch_size=6, epochs=2, max_tokens=40)
    runs = {
        name: train_lora(base_dir, texts, cfg, tmp_path / name, replay=replay, progress=False)
        for name, cfg, replay in (
            ("none", config, []),
            ("base", replace(config, replay_ratio=1.0, replay_loss="base"), general),
        )
    }
    base, tokenizer = load_base(base_dir, "cpu")
    drift = {name: _drift(run.model, base, tokenizer, general) for name, run in runs.items()}
    assert drift["base"] < 0.5 * drift["none"], drift  # measured: under half at ratio 1, 0.58 at 0.5
    assert runs["base"].losses[0] == pytest.approx(runs["none"].losses[0], rel=1e-3)
    assert runs["base"].losses[1] < runs["base"].losses[0]
