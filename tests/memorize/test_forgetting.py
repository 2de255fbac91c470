"""A second fact set on top of a first: training starts from the first adapter, the result governs by
both sets' documents, and the forgetting measurement runs every stage and remedy (tiny model: mechanics)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from peft import get_peft_model_state_dict

from sakuin.config import Settings
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.adapters import AdapterError, AdapterNotFoundError, registry
from sakuin.memorize.forgetting import REMEDIES, GeneralProbe, forgetting
from sakuin.memorize.options import TrainConfig
from sakuin.memorize.permissions import share
from sakuin.memorize.teach import Lesson, teach
from sakuin.memorize.train import TrainingError, train_lora
from sakuin.memorize.use import load_adapted
from tests.memorize.conftest import FACTS

QUICK = TrainConfig(rank=2, alpha=4, batch_size=4)


def test_training_on_top_starts_from_the_earlier_adapter(tiny_base: Path, tmp_path: Path) -> None:
    texts = ["Valmor Tarven was born in Porto.", "榊瀬遥真は金沢で生まれた。"]
    first = train_lora(tiny_base, texts, QUICK, tmp_path / "a", progress=False)
    lora = get_peft_model_state_dict(first.model)
    frozen = TrainConfig(rank=2, alpha=4, batch_size=4, learning_rate=0.0)
    again = train_lora(tiny_base, ["other text"], frozen, tmp_path / "b", init=lora, progress=False)
    assert all(torch.equal(v, lora[k]) for k, v in get_peft_model_state_dict(again.model).items())
    with pytest.raises(TrainingError, match=r"do not fit .*rank"):
        train_lora(tiny_base, texts, TrainConfig(rank=4, alpha=8), tmp_path / "c", init=lora, progress=False)


def test_an_adapter_on_top_knows_both_sets_and_governs_by_both(
    tiny_settings: Settings, kb: KnowledgeBase
) -> None:
    lesson, replaying = Lesson(2), TrainConfig(rank=2, alpha=4, batch_size=4, replay_ratio=0.5)
    teach(tiny_settings, kb, FACTS[:2], "first", "alice", lesson=lesson, config=QUICK, progress=False)
    with pytest.raises(AdapterNotFoundError):  # nobody builds on knowledge they may not use
        teach(tiny_settings, kb, FACTS[2:], "bobs", "bob", lesson=lesson, config=QUICK, on_top_of="first")
    with pytest.raises(AdapterError, match="replay ratio of 0"):
        teach(
            tiny_settings, kb, FACTS[2:], "x", "alice", lesson=lesson, config=QUICK,
            on_top_of="first", replay_previous=True, progress=False,
        )  # fmt: skip
    with pytest.raises(AdapterError, match=r"base model does not know.*--replay-loss text"):
        teach(
            tiny_settings, kb, FACTS[2:], "x", "alice", lesson=lesson,
            config=replace(replaying, replay_loss="base"), on_top_of="first", replay_previous=True,
            progress=False,
        )  # fmt: skip
    teach(
        tiny_settings, kb, FACTS[2:], "both", "alice", lesson=lesson, config=replaying,
        on_top_of="first", replay_previous=True, progress=False,
    )  # fmt: skip
    adapters = registry(tiny_settings)
    both, first = adapters.manifest("both"), adapters.manifest("first")
    assert both.config["on_top_of"] == "first" and both.config["replay_texts"] == 4
    assert both.facts == 3 and adapters.facts("both") == FACTS
    assert set(first.documents) < set(both.documents)
    load_adapted(tiny_settings, kb.store, "both", "alice")
    with pytest.raises(AdapterNotFoundError):
        load_adapted(tiny_settings, kb.store, "both", "bob")
    with pytest.raises(AdapterError, match="trained on top of or merged from"):  # it holds "first" too
        share(kb, both, "alice", "user:bob")
    with pytest.raises(AdapterNotFoundError):
        load_adapted(tiny_settings, kb.store, "first", "bob")


def test_forgetting_is_measured_at_every_stage_and_remedy(tiny_base: Path) -> None:
    general = GeneralProbe(["梅雨は東アジアの気象現象である。", "The river runs through the old town."])
    config = TrainConfig(rank=2, alpha=4, batch_size=4, replay_ratio=0.5)
    rows = forgetting(
        tiny_base, FACTS[:2], FACTS[2:], paraphrases=2, config=config, general=general,
        general_replay=["富士山は日本で一番高い山である。", "Paris is the capital of France."],
    )  # fmt: skip
    assert [r["stage"] for r in rows] == ["base", "first", *(f"second+{r}" for r in REMEDIES)]
    assert [r["replay_texts"] for r in rows] == [0, 0, 0, 2, 4, 6]
    for row in rows:
        assert 0 <= row["recall_first"] <= 1 and 0 <= row["recall_second"] <= 1 and row["perplexity"] > 1
    assert len({r["perplexity"] for r in rows}) > 1  # training moved the model
    with pytest.raises(ValueError, match="replayed as text"):  # the base model does not know set 1
        forgetting(
            tiny_base, FACTS[:2], FACTS[2:], paraphrases=2, config=replace(config, replay_loss="base"),
            general=general, remedies=["facts"],
        )  # fmt: skip
