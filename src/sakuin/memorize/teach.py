"""Teach a fact set: restate it, train a LoRA adapter, save it with its manifest and its permissions.

This is the one path the CLI, the server job and the benchmark take from facts to a named adapter.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from safetensors.torch import load_file

from sakuin.config import Settings
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.adapters import WEIGHTS, AdapterError, Manifest, adapter_name, registry
from sakuin.memorize.base import BaseModel, base_model
from sakuin.memorize.facts import Fact, check_consistent, fact_set_hash
from sakuin.memorize.options import Arm, TrainConfig
from sakuin.memorize.paraphrase import training_texts
from sakuin.memorize.permissions import check_trainer_reads, governing_documents
from sakuin.memorize.rewrites import rewrite_all
from sakuin.memorize.train import OnStep, TrainResult, train_lora
from sakuin.memorize.use import check_base, usable_manifest


@dataclass(frozen=True)
class Lesson:
    """How a fact set is restated for training."""

    paraphrases: int = 10
    arm: Arm = "diverse"
    rewrites: int = 0  # restatements per fact the model writes, filtered, alongside the templates


def teach(
    settings: Settings,
    kb: KnowledgeBase,
    facts: Sequence[Fact],
    name: str,
    owner: str,
    *,
    lesson: Lesson | None = None,
    config: TrainConfig | None = None,
    replay: Sequence[str] = (),
    on_top_of: str | None = None,
    replay_previous: bool = False,
    fresh: bool = False,
    progress: bool = True,
    on_step: OnStep | None = None,
) -> Manifest:
    """Train ``facts`` into adapter ``name`` owned by ``owner`` (resuming an interrupted run).

    With ``on_top_of``, training starts from that adapter (which ``owner`` must be allowed to
    use): the new adapter knows both fact sets, so it governs by both sets' documents; with
    ``replay_previous`` the earlier set's restatements join the replay text against forgetting.
    """
    lesson, config = lesson or Lesson(), config or TrainConfig()
    adapters = registry(settings)
    name = adapter_name(name)
    if adapters.exists(name):
        raise AdapterError(f"adapter '{name}' exists; choose another --out or delete it first.")
    kb.store.require_user(owner)
    base = base_model(settings)
    parent = _parent(settings, kb, on_top_of, owner, base) if on_top_of else None
    earlier = adapters.facts(parent.name) if parent else []
    check_consistent([*earlier, *facts])
    check_trainer_reads(facts, owner, kb.store)
    if replay_previous:
        if not earlier:
            raise AdapterError("--replay-previous replays the adapter named by --on-top-of; name one.")
        if config.replay_loss == "base":
            raise AdapterError(
                "--replay-previous replays the earlier facts, which the base model does not know: "
                "its predictions would teach them away; use --replay-loss text."
            )
        replay = [*replay, *(t.text for t in training_texts(earlier, lesson.paraphrases, seed=config.seed))]
    if replay and config.replay_ratio <= 0:
        raise AdapterError("replay text was given with a replay ratio of 0; set a ratio above 0.")
    written, dropped = _rewrites(settings, facts, lesson, config.seed, progress)
    texts = [
        t.text
        for t in training_texts(facts, lesson.paraphrases, arm=lesson.arm, seed=config.seed, rewrites=written)
    ]
    work = adapters.work_dir(name)
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    init = load_file(adapters.folder(parent.name) / WEIGHTS) if parent else None
    result = train_lora(
        base.directory, texts, config, work, replay=replay, init=init, progress=progress, on_step=on_step
    )
    documents = governing_documents(kb, facts, owner, name)
    manifest = Manifest(
        name=name,
        owner=owner,
        base_model=base.name,
        base_sha256=base.sha256,
        fact_set_sha256=fact_set_hash([*earlier, *facts]),
        facts=len(earlier) + len(facts),
        config={
            **config.to_json(),
            "paraphrases": lesson.paraphrases,
            "arm": lesson.arm,
            "rewrites": lesson.rewrites,
            "rewrites_kept": sum(map(len, written.values())),
            "rewrites_dropped": dropped,
            "on_top_of": parent.name if parent else None,
            "replay_texts": len(replay),
            "replay_previous": replay_previous,
        },
        training=_training_record(result, len(texts)),
        documents=sorted({*(parent.documents if parent else []), *documents}),
        sources=[*(parent.sources if parent else []), *_sources(facts)],
    )
    adapters.save(manifest, [*earlier, *facts], lambda folder: _save_weights(result, folder))
    shutil.rmtree(work, ignore_errors=True)
    return manifest


def _rewrites(
    settings: Settings, facts: Sequence[Fact], lesson: Lesson, seed: int, progress: bool
) -> tuple[dict[int, list[str]], int]:
    """The base model's filtered rewrites of each fact (none unless the lesson asks for them)."""
    if not lesson.rewrites:
        return {}, 0
    from sakuin.memorize.evaluate import base_language_model
    from sakuin.terminal import err

    model = base_language_model(settings)
    with err.status("the model is rewriting the facts…") if progress else nullcontext():
        return rewrite_all(model, facts, lesson.rewrites, seed=seed)


def _parent(settings: Settings, kb: KnowledgeBase, name: str, owner: str, base: BaseModel) -> Manifest:
    """The adapter to train on top of: one ``owner`` may use, on the same base, of a fitting shape."""
    parent = usable_manifest(settings, kb.store, name, owner)
    check_base(parent, base)
    return parent


def _save_weights(result: TrainResult, folder: Path) -> None:
    result.model.save_pretrained(str(folder))
    (folder / "README.md").unlink(missing_ok=True)  # peft's model card template says nothing true


def _training_record(result: TrainResult, texts: int) -> dict[str, object]:
    return {
        "seconds": round(result.seconds, 2),
        "steps": result.steps,
        "texts": texts,
        "final_loss": result.losses[-1] if result.losses else None,
        "device": result.device,
        "resumed_from_step": result.resumed_from,
    }


def _sources(facts: Sequence[Fact]) -> list[dict[str, object]]:
    seen: dict[int, str] = {}
    for fact in facts:
        if fact.document is not None:
            seen.setdefault(fact.document, fact.source)
    return [{"document": d, "source": s} for d, s in sorted(seen.items())]
