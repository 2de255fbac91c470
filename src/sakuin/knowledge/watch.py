"""A watched folder: files created or changed are ingested, files deleted are removed.

Events are collected for a short quiet period before acting, so an editor's burst of writes
(temporary file, rename, touch) becomes one ingest of the final content.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sakuin.errors import SakuinError
from sakuin.knowledge.access import Reader
from sakuin.knowledge.ingest import IngestResult, is_wanted
from sakuin.knowledge.workspace import KnowledgeBase

CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})


class _Pending(FileSystemEventHandler):
    """Paths touched since the last sweep."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()
        self.lock = threading.Lock()
        self.last_event = 0.0

    def on_any_event(self, event: FileSystemEvent) -> None:
        # opening and reading a file (as ingest itself does) is not a change
        if event.is_directory or event.event_type not in CHANGES:
            return
        with self.lock:
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                if raw:
                    self.paths.add(Path(str(raw)))
            self.last_event = time.monotonic()

    def take(self, quiet: float) -> set[Path]:
        with self.lock:
            if not self.paths or time.monotonic() - self.last_event < quiet:
                return set()
            taken, self.paths = self.paths, set()
            return taken


def watch(
    kb: KnowledgeBase,
    folder: Path,
    readers: frozenset[Reader],
    *,
    include: Sequence[str] = ("*",),
    exclude: Sequence[str] = (),
    stop: threading.Event,
    report: Callable[[IngestResult], None] = lambda _: None,
    quiet: float = 0.5,
) -> None:
    """Ingest ``folder`` once, then keep it in sync until ``stop`` is set."""
    folder = folder.resolve()
    for result in kb.ingestor.ingest_path(folder, readers, include=include, exclude=exclude).results:
        report(result)
    pending = _Pending()
    observer = Observer()
    observer.schedule(pending, str(folder), recursive=True)
    observer.start()
    try:
        while not stop.wait(0.1):
            for path in sorted(pending.take(quiet)):
                report(_sync(kb, folder, path, readers, include, exclude))
    finally:
        observer.stop()
        observer.join()


def _sync(
    kb: KnowledgeBase,
    folder: Path,
    path: Path,
    readers: frozenset[Reader],
    include: Sequence[str],
    exclude: Sequence[str],
) -> IngestResult:
    """Bring one path's document in line with the file (or its absence)."""
    if not path.exists():
        existing = kb.store.document_by_source(str(path))
        if existing is None:
            return IngestResult(str(path), "skipped", reason="not in the knowledge base")
        kb.store.delete_document(existing.id)
        return IngestResult(str(path), "deleted", existing.id)
    if not path.is_file() or not is_wanted(folder, path, include, exclude):
        return IngestResult(str(path), "skipped", reason="excluded or hidden")
    try:
        return kb.ingestor.ingest_file(path, readers, root=folder)[0]
    except SakuinError as exc:
        return IngestResult(str(path), "failed", reason=str(exc))
