"""Recall of an adapter's facts before and after it, on held-out question forms."""

from __future__ import annotations

from typing import Any

from sakuin.config import Settings
from sakuin.knowledge.store.base import Store
from sakuin.memorize.adapters import registry
from sakuin.memorize.base import base_model
from sakuin.memorize.probes import build_probes, run_probes
from sakuin.memorize.use import load_adapted, usable_manifest
from sakuin.models.transformers import TransformersModel


def base_language_model(settings: Settings) -> TransformersModel:
    """The base model for probing, through transformers like the adapters (same numerics)."""
    from sakuin.memorize.train import load_base

    model, tokenizer = load_base(base_model(settings).directory, "cpu")
    return TransformersModel(
        model, tokenizer, name=settings.model.name, context_length=settings.model.context_length,
        batch_size=settings.model.batch_size,
    )  # fmt: skip


def evaluate(
    settings: Settings, store: Store, name: str, user: str, *, distractors: int = 4, generate: bool = True
) -> dict[str, Any]:
    """Probe reports of the base model and of adapter ``name``, for ``user``."""
    usable_manifest(settings, store, name, user)
    probes = build_probes(registry(settings).facts(name), distractors=distractors)
    before = run_probes(base_language_model(settings), probes, generate=generate)
    after = run_probes(load_adapted(settings, store, name, user), probes, generate=generate)
    return {"adapter": name, "before": before.to_json(), "after": after.to_json()}
