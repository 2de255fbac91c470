"""A workspace manifest: users, groups and documents with their readers, in one TOML file.

``examples/workspace/workspace.toml`` describes a small company this way, and ``sakuin workspace
load`` (``make run``) builds a knowledge base from it. Documents listed under ``held_back`` are
left out unless asked for, so a request about them can be shown refused, then answered once the
document is uploaded.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sakuin.errors import SakuinError
from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.ingest import IngestReport, IngestResult
from sakuin.knowledge.workspace import KnowledgeBase

MANIFEST_NAME = "workspace.toml"


class ManifestError(SakuinError):
    """A workspace manifest that cannot be read or names files that are not there."""


class DocumentEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    readers: list[str]
    tags: list[str] = Field(default_factory=list)


class _Users(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: list[str]


class Manifest(BaseModel):
    """What a workspace holds; paths are relative to the manifest's folder."""

    model_config = ConfigDict(extra="forbid")

    users: _Users
    groups: dict[str, list[str]] = Field(default_factory=dict)
    documents: list[DocumentEntry] = Field(default_factory=list)
    held_back: list[DocumentEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Workspace:
    """A manifest and the folder its paths are relative to."""

    root: Path
    manifest: Manifest

    def entries(self, *, held_back: bool) -> list[DocumentEntry]:
        return self.manifest.documents + (self.manifest.held_back if held_back else [])


def read_workspace(folder: Path) -> Workspace:
    """Read and check ``folder/workspace.toml``: valid fields, readers, and every listed file present."""
    path = folder / MANIFEST_NAME if folder.is_dir() else folder
    if not path.is_file():
        raise ManifestError(f"{path} not found; a workspace folder needs a {MANIFEST_NAME}.")
    try:
        manifest = Manifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ManifestError(f"{path}: {exc}".splitlines()[0] + " — fix the manifest.") from exc
    workspace = Workspace(path.parent, manifest)
    for entry in workspace.entries(held_back=True):
        parse_readers(entry.readers)
        if not (workspace.root / entry.path).is_file():
            raise ManifestError(f"{path}: listed file {entry.path} does not exist.")
    return workspace


def load_workspace(
    kb: KnowledgeBase,
    workspace: Workspace,
    *,
    held_back: bool = False,
    progress: Callable[[IngestResult], None] | None = None,
) -> IngestReport:
    """Create the users and groups, then ingest each listed document with its readers.

    Loading twice changes nothing (unchanged documents are skipped); a bad file is reported in
    the returned report and the others still load.
    """
    for name in workspace.manifest.users.names:
        kb.store.add_user(name)
    for group, members in workspace.manifest.groups.items():
        kb.store.add_group(group, members)
    report = IngestReport()
    for entry in workspace.entries(held_back=held_back):
        file_report = kb.ingestor.ingest_path(
            workspace.root / entry.path,
            parse_readers(entry.readers),
            tags=entry.tags,
            progress=progress,
            root=workspace.root,  # readers see docs/hr/leave.md, not the server's folder
        )
        report.results.extend(file_report.results)
    return report
