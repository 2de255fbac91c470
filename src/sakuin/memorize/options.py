"""Training options, apart from the training loop so that reading them costs no torch import."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

Arm = Literal["diverse", "repeated"]  # N distinct restatements per fact, or one restatement N times
ARMS: tuple[Arm, ...] = get_args(Arm)
# What replayed text teaches: to predict the text itself (language modelling), or to predict
# what the base model predicts there (its next-token distribution, KL divergence: learning
# without forgetting), which pins the model's behaviour on general text rather than its text.
ReplayLoss = Literal["text", "base"]
REPLAY_LOSSES: tuple[ReplayLoss, ...] = get_args(ReplayLoss)

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TrainConfig:
    """What a run is; part of its identity, so a checkpoint resumes only the run that wrote it."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.0
    target_modules: tuple[str, ...] = DEFAULT_TARGETS
    learning_rate: float = 1e-3
    epochs: int = 1
    batch_size: int = 8
    max_tokens: int = 64
    replay_ratio: float = 0.0
    replay_loss: ReplayLoss = "text"
    seed: int = 0
    checkpoint_every: int = 25

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
