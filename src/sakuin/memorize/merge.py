"""Merging adapters with peft's weighted-adapter methods into a new, named adapter.

The merged adapter governs by the union of its parents' documents (so a user needs to read all of
them) and carries both fact sets, so ``memorize eval`` probes what each parent knew.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import torch

from sakuin.config import Settings
from sakuin.knowledge.store.base import Store
from sakuin.memorize.adapters import AdapterError, Manifest, adapter_name, registry
from sakuin.memorize.base import base_model
from sakuin.memorize.facts import check_consistent, fact_set_hash
from sakuin.memorize.use import check_base, usable_manifest

METHODS = ("linear", "cat", "ties", "dare_ties", "svd")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise AdapterError(f"unknown merge method '{method}'; known: {', '.join(METHODS)}.")
    return method


def merge_adapters(
    settings: Settings,
    store: Store,
    names: Sequence[str],
    out: str,
    user: str,
    *,
    method: str = "ties",
    weights: Sequence[float] | None = None,
    density: float = 0.5,
    seed: int = 0,
) -> Manifest:
    """Combine adapters ``names`` (each usable by ``user``) into adapter ``out``."""
    from peft import PeftModel

    from sakuin.memorize.train import load_base

    check_method(method)
    out = adapter_name(out)
    adapters = registry(settings)
    if adapters.exists(out):
        raise AdapterError(f"adapter '{out}' exists; choose another --out or delete it first.")
    if len(names) < 2:
        raise AdapterError("name at least two adapters to merge.")
    chosen = list(weights) if weights else [1.0] * len(names)
    if len(chosen) != len(names):
        raise AdapterError(f"{len(chosen)} weights for {len(names)} adapters; give one weight per adapter.")
    manifests = [usable_manifest(settings, store, name, user) for name in names]
    base = base_model(settings)
    for manifest in manifests:
        check_base(manifest, base)
    facts = [fact for name in names for fact in adapters.facts(name)]
    check_consistent(facts)
    model, _ = load_base(base.directory, "cpu")
    labels = [f"parent{i}" for i in range(len(names))]
    peft_model = PeftModel.from_pretrained(model, adapters.folder(names[0]), adapter_name=labels[0])
    for label, name in zip(labels[1:], names[1:], strict=True):
        peft_model.load_adapter(adapters.folder(name), adapter_name=label)
    torch.manual_seed(seed)  # DARE drops entries at random
    ranks = sum(int(getattr(peft_model.peft_config[label], "r", 0)) for label in labels)
    try:
        peft_model.add_weighted_adapter(
            labels,
            chosen,
            "merged",
            combination_type=method,
            density=density if method in ("ties", "dare_ties") else None,
            svd_rank=ranks if method == "svd" else None,
        )
    except ValueError as exc:
        raise AdapterError(f"peft cannot merge these adapters with {method}: {exc}") from None

    def write(folder: Path) -> None:
        peft_model.save_pretrained(str(folder / ".merged"), selected_adapters=["merged"])
        for file in (folder / ".merged" / "merged").iterdir():
            if file.name != "README.md":
                file.rename(folder / file.name)
        shutil.rmtree(folder / ".merged")

    manifest = Manifest(
        name=out,
        owner=user,
        base_model=base.name,
        base_sha256=base.sha256,
        fact_set_sha256=fact_set_hash(facts),
        facts=len(facts),
        config={"method": method, "weights": chosen, "density": density, "seed": seed},
        training={"seconds": 0.0, "steps": 0},
        documents=sorted({d for m in manifests for d in m.documents}),
        sources=[s for m in manifests for s in m.sources],
        merge={"parents": list(names), "method": method, "weights": chosen},
    )
    adapters.save(manifest, facts, write)
    return manifest
