"""Saved adapters: one folder per name under ``<data>/adapters/``, with peft's files and a manifest.

The manifest says what the adapter is: its base model (name and weight hash), the fact set's
hash, the training options and time, the documents whose readers govern its use and the
documents its facts came from. A folder is written under a temporary name and renamed, so an
adapter is either whole or absent, and an existing one is never overwritten.
"""

from __future__ import annotations

import errno
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safetensors import SafetensorError

from sakuin.config import Settings
from sakuin.errors import SakuinError
from sakuin.knowledge.access import AccessError, check_name
from sakuin.memorize.facts import Fact, FactSetError, load_facts

MANIFEST = "manifest.json"
FACTS = "facts.jsonl"
WEIGHTS = "adapter_model.safetensors"
PEFT_CONFIG = "adapter_config.json"


class AdapterError(SakuinError):
    """An adapter that cannot be saved, found or used as asked."""


class AdapterNotFoundError(AdapterError):
    """No adapter of that name that the user may use (missing and forbidden read the same)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"no adapter '{name}' that you may use (it does not exist, or it was learnt from documents "
            "you cannot read); see sakuin adapters list --as USER."
        )


class CorruptAdapterError(AdapterError):
    """An adapter folder whose manifest or weights cannot be read."""


@dataclass
class Manifest:
    """What an adapter is and who may use it (through ``documents``' readers)."""

    name: str
    owner: str
    base_model: str
    base_sha256: str
    fact_set_sha256: str
    facts: int
    config: dict[str, Any]
    training: dict[str, Any]
    documents: list[int]
    sources: list[dict[str, Any]] = field(default_factory=list)
    merge: dict[str, Any] | None = None
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def write_failure(exc: BaseException) -> str:
    """Why a write failed, in words: a full disk (or a file-size limit) named as such."""
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        return f"not enough disk space: {exc.strerror}"
    text = str(exc)
    if any(s in text for s in ("No space left", "File too large", "Disk quota", "write failed")):
        return f"not enough disk space? {text.splitlines()[0][:200]}"
    return text


def adapter_name(name: str) -> str:
    try:
        return check_name(name, "adapter")
    except AccessError as exc:
        raise AdapterError(str(exc)) from None


class AdapterRegistry:
    """The adapters of one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, name: str) -> Path:
        return self.root / adapter_name(name)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def exists(self, name: str) -> bool:
        return self.folder(name).is_dir()

    def manifest(self, name: str) -> Manifest:
        folder = self.folder(name)
        if not folder.is_dir():
            raise AdapterNotFoundError(name)
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            manifest = Manifest(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise CorruptAdapterError(
                f"adapter folder {folder} is corrupt ({MANIFEST}: {exc}); delete it with "
                f"sakuin adapters delete {name}."
            ) from None
        for required in (WEIGHTS, PEFT_CONFIG):
            if not (folder / required).is_file():
                raise CorruptAdapterError(
                    f"adapter folder {folder} is corrupt ({required} is missing); delete it with "
                    f"sakuin adapters delete {name}."
                )
        return manifest

    def manifests(self) -> tuple[list[Manifest], list[str]]:
        """Every readable manifest, and the names of folders too corrupt to read (listed, not fatal)."""
        found, corrupt = [], []
        for name in self.names():
            try:
                found.append(self.manifest(name))
            except CorruptAdapterError:
                corrupt.append(name)
        return found, corrupt

    def facts(self, name: str) -> list[Fact]:
        try:
            return load_facts(self.folder(name) / FACTS)
        except FactSetError as exc:
            raise CorruptAdapterError(f"adapter '{name}' has no readable fact set ({exc})") from None

    def save(self, manifest: Manifest, facts: list[Fact], write_weights: Callable[[Path], None]) -> Path:
        """Write a new adapter whole (weights, fact set, manifest) or not at all."""
        target = self.folder(manifest.name)
        if target.exists():
            raise AdapterError(
                f"adapter '{manifest.name}' exists; choose another name or delete it first "
                f"(sakuin adapters delete {manifest.name})."
            )
        partial = self.root / f".{manifest.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            write_weights(partial)
            (partial / FACTS).write_text(
                "".join(json.dumps(f.to_json(), ensure_ascii=False) + "\n" for f in facts), encoding="utf-8"
            )
            (partial / MANIFEST).write_text(
                json.dumps(manifest.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
        except (OSError, RuntimeError, SafetensorError) as exc:  # torch and safetensors wrap OS errors
            shutil.rmtree(partial, ignore_errors=True)
            raise AdapterError(
                f"could not save adapter '{manifest.name}' ({write_failure(exc)}); nothing was saved "
                "and every other adapter is as it was."
            ) from None
        partial.rename(target)
        return target

    def delete(self, name: str) -> None:
        folder = self.folder(name)
        if not folder.is_dir():
            raise AdapterNotFoundError(name)
        shutil.rmtree(folder)

    def work_dir(self, name: str) -> Path:
        """Where a training run keeps its checkpoint until the adapter is saved."""
        return self.root / ".training" / adapter_name(name)


def registry(settings: Settings) -> AdapterRegistry:
    """The adapters of ``settings``' data directory."""
    return AdapterRegistry(settings.data_dir / "adapters")
