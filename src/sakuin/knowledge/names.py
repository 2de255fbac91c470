"""What readers see a document called: its path inside what was ingested, never the server's.

A document's ``source`` is where the server read it (an absolute path on the server's disk, or
``upload:USER/FILE``): its identity in the store, and for admins only. Every reader instead sees
its *name*: the path relative to the folder, workspace or watched folder that was ingested, or
the file name of a single file or an upload (``hr/leave.md``, ``faq.csv#3``).
"""

from __future__ import annotations

from pathlib import Path


def default_name(source: str) -> str:
    """A name from the source alone: its last path component (with any ``#row``).

    Used where the ingest root is unknown (documents stored before names existed, documents
    stored directly through the Store API); it never shows a folder of the server's.
    """
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source


def name_under(root: Path | None, file: Path) -> str:
    """``file``'s path inside ``root`` (POSIX separators), or its file name without a root."""
    if root is None or not file.is_relative_to(root) or root == file:
        return file.name
    return file.relative_to(root).as_posix()
