"""Knowledge injection as a background job: an uploaded fact set trained into a named adapter.

The same call as ``sakuin memorize FACTS --out NAME``, as the submitter: training steps are the
job's progress (with the loss), a cancel stops at the next step (the last checkpoint stays, so
the same job submitted again resumes), and ``manifest.json`` is the result.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from sakuin.config import Settings
from sakuin.errors import SakuinError
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.facts import load_facts
from sakuin.memorize.options import Arm, TrainConfig
from sakuin.server.jobs import JobCancelledError, JobContext, JobKind


class MemorizeJobError(SakuinError):
    """A memorize job without exactly one fact set to train."""


class MemorizeParams(BaseModel):
    """The CLI's --out, --paraphrases, --arm, --rewrites, --on-top-of and the main training options."""

    name: str = Field(min_length=1, max_length=64, description="Name of the adapter to save.")
    paraphrases: int = Field(30, ge=1, le=500, description="Restatements per fact.")
    arm: Arm = "diverse"
    epochs: int = Field(1, ge=1, le=20)
    rank: int = Field(16, ge=1, le=256)
    learning_rate: float = Field(1e-3, gt=0, le=1)
    batch_size: int = Field(8, ge=1, le=256)
    rewrites: int = Field(0, ge=0, le=50, description="Restatements per fact the model writes, filtered.")
    on_top_of: str | None = Field(None, max_length=64, description="Start from this adapter of yours.")
    replay_previous: bool = Field(False, description="With on_top_of: replay its facts against forgetting.")


def memorize_kind(settings: Settings, kb: KnowledgeBase) -> JobKind:
    def run(params: MemorizeParams, context: JobContext) -> None:
        from sakuin.memorize.teach import Lesson, teach  # torch and peft load with the first job

        if len(context.inputs) != 1:
            raise MemorizeJobError("upload exactly one JSONL fact set to memorize.")

        def step(done: int, total: int, loss: float) -> None:
            if context.cancelled():
                raise JobCancelledError
            context.report(done, total, f"loss {loss:.3f}")

        config = TrainConfig(
            rank=params.rank,
            alpha=2 * params.rank,
            learning_rate=params.learning_rate,
            epochs=params.epochs,
            batch_size=params.batch_size,
            replay_ratio=0.5 if params.replay_previous else 0.0,
        )
        manifest = teach(
            settings,
            kb,
            load_facts(context.inputs[0]),
            params.name,
            context.principal,
            lesson=Lesson(params.paraphrases, params.arm, params.rewrites),
            config=config,
            on_top_of=params.on_top_of,
            replay_previous=params.replay_previous,
            progress=False,
            on_step=step,
        )
        (context.output_dir / "manifest.json").write_text(
            json.dumps(manifest.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
        )

    return JobKind(
        "memorize", "Train a fact set into a LoRA adapter.", MemorizeParams, run, accepts_files=True
    )
