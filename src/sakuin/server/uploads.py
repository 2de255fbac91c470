"""Uploaded files into the knowledge base: the one path used by the upload endpoint and ingest jobs.

An uploaded file's source is ``upload:USER/FILENAME``: uploading the same name again updates that
document (unchanged content is skipped by hash), and the source names who may manage it (see
:func:`may_manage`); readers see it named by its file name alone. The uploader is always among
the readers, so nobody uploads what they then cannot see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sakuin.errors import SakuinError
from sakuin.knowledge.access import Reader, UnknownPrincipalError
from sakuin.knowledge.ingest import IngestResult
from sakuin.knowledge.parse import ParseError, parse_file
from sakuin.knowledge.store.base import DocumentRecord, Store
from sakuin.knowledge.workspace import KnowledgeBase

UPLOAD_PREFIX = "upload:"
Progress = Callable[[int, int, str], None]


def upload_source(user: str, filename: str) -> str:
    return f"{UPLOAD_PREFIX}{user}/{filename}"


def safe_filename(filename: str | None) -> str:
    """The last path component of a client's file name; refuses names that are no file name."""
    name = Path((filename or "").replace("\\", "/")).name
    if not name or name in (".", ".."):
        raise ParseError(f"'{filename}' is not a file name; upload files with names like notes.md.")
    return name


def may_manage(record: DocumentRecord, user: str, *, admin: bool) -> bool:
    """Admins manage every document; a user manages (shares, deletes) what they uploaded."""
    return admin or record.source.startswith(upload_source(user, ""))


def check_readers(store: Store, readers: frozenset[Reader]) -> None:
    """Refuse readers naming users or groups that do not exist, before any file is read."""
    groups = store.groups()
    for reader in readers:
        if reader.kind == "user":
            store.require_user(reader.name)
        elif reader.kind == "group" and reader.name not in groups:
            raise UnknownPrincipalError(f"no group '{reader.name}'; an admin can create it.")


def ingest_uploads(
    kb: KnowledgeBase,
    user: str,
    files: Sequence[Path],
    readers: frozenset[Reader],
    *,
    tags: Sequence[str] = (),
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[IngestResult]:
    """Ingest ``files`` (saved under their client file names) as ``user``'s uploads.

    A bad file is reported as ``failed`` with its reason and the rest go on; ``cancelled`` is
    asked between files, so a cancel leaves every document whole or absent.
    """
    readers = readers | {Reader("user", user)}
    check_readers(kb.store, readers)
    results: list[IngestResult] = []
    for done, path in enumerate(files, start=1):
        if cancelled():
            break
        source = upload_source(user, path.name)
        try:
            for parsed in parse_file(path, max_bytes=kb.ingestor.max_bytes):
                uploaded = replace(parsed, source=source)
                results.append(kb.ingestor.ingest_document(uploaded, readers, tags, name=path.name))
        except SakuinError as exc:  # the server's temporary path means nothing to the client
            results.append(IngestResult(source, "failed", reason=str(exc).replace(str(path), path.name)))
        if progress:
            progress(done, len(files), path.name)
    return results
