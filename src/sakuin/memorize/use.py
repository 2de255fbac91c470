"""Using an adapter: checked for the user and the base model, then merged into a loaded model.

The LoRA update is merged into a copy of the base weights, so the result is an ordinary
:class:`~sakuin.models.transformers.TransformersModel` with every fast path of scoring and
generation; nothing else needs to know an adapter is involved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sakuin.config import Settings
from sakuin.knowledge.store.base import Store
from sakuin.memorize.adapters import WEIGHTS, AdapterError, CorruptAdapterError, Manifest, registry
from sakuin.memorize.base import BaseModel, base_model
from sakuin.memorize.permissions import check_use

if TYPE_CHECKING:
    from sakuin.models.transformers import TransformersModel


class BaseModelMismatchError(AdapterError):
    """An adapter trained on another base model than the one configured."""


def check_base(manifest: Manifest, base: BaseModel) -> None:
    if manifest.base_model != base.name or manifest.base_sha256 != base.sha256:
        raise BaseModelMismatchError(
            f"adapter '{manifest.name}' was trained on {manifest.base_model} "
            f"(weights {manifest.base_sha256[:12]}), but the configured model is {base.name} "
            f"(weights {base.sha256[:12]}); run with --model {manifest.base_model}."
        )


def usable_manifest(settings: Settings, store: Store, name: str, user: str) -> Manifest:
    """The manifest of adapter ``name`` if ``user`` may use it (else the not-found error)."""
    manifest = registry(settings).manifest(name)
    check_use(manifest, user, store)
    return manifest


def load_adapted(settings: Settings, store: Store, name: str, user: str) -> TransformersModel:
    """The configured base model with adapter ``name`` merged in, for ``user``."""
    from peft import PeftModel
    from safetensors import SafetensorError

    from sakuin.memorize.train import load_base
    from sakuin.models.transformers import TransformersModel

    manifest = usable_manifest(settings, store, name, user)
    base = base_model(settings)
    check_base(manifest, base)
    if settings.model.threads:
        import torch

        torch.set_num_threads(settings.model.threads)
    model, tokenizer = load_base(base.directory, "cpu")
    folder = registry(settings).folder(name)
    try:
        merged = PeftModel.from_pretrained(model, folder).merge_and_unload()
    except (SafetensorError, ValueError, OSError, KeyError, RuntimeError) as exc:
        raise CorruptAdapterError(
            f"adapter folder {folder} is corrupt ({WEIGHTS}: {exc}); "
            f"delete it with sakuin adapters delete {name}."
        ) from None
    return TransformersModel(
        merged,
        tokenizer,
        name=f"{base.name}+{name}",
        context_length=settings.model.context_length,
        batch_size=settings.model.batch_size,
    )


def write_merged(settings: Settings, store: Store, name: str, user: str, directory: Path) -> Path:
    """Save the base model with adapter ``name`` merged in as a model folder (``--merge-into``).

    The folder is outside sakuin's permissions: whoever can read it has the knowledge, so it is
    written only for a user who may use the adapter, and never over an existing folder's files.
    """
    if directory.exists() and any(directory.iterdir()):
        raise AdapterError(f"{directory} is not empty; choose a new folder for the merged model.")
    model = load_adapted(settings, store, name, user)
    partial = directory.with_name(directory.name + ".partial")
    model.model.save_pretrained(partial)
    model.tokenizer.save_pretrained(partial)
    if directory.exists():
        directory.rmdir()
    partial.rename(directory)
    return directory
