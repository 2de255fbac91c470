"""Ingest: files and folders into the store, idempotent by content hash, one transaction each.

Re-ingesting an unchanged file does nothing; a changed one replaces its old chunks atomically;
text already embedded (the same chunk in another version or document) is never embedded again.
A folder ingest goes on past bad files and reports each one with its reason.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from sakuin.embeddings.base import Embedder
from sakuin.errors import SakuinError
from sakuin.knowledge.access import Reader
from sakuin.knowledge.chunk import chunk_text
from sakuin.knowledge.names import default_name, name_under
from sakuin.knowledge.parse import DEFAULT_MAX_BYTES, PARSERS, ParsedDocument, ParseError, parse_file
from sakuin.knowledge.store.base import NewDocument, Store

Status = Literal["added", "updated", "unchanged", "deleted", "skipped", "failed"]


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file (or one row of a table file)."""

    source: str
    status: Status
    document_id: int | None = None
    reason: str = ""


@dataclass
class IngestReport:
    """A folder's worth of results; ``failed`` makes the CLI exit non-zero."""

    results: list[IngestResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[IngestResult]:
        return [r for r in self.results if r.status == "failed"]


def content_hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


class Ingestor:
    """Parses, chunks, embeds and stores documents."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        chunk_tokens: int = 200,
        overlap_tokens: int = 40,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.overlap_tokens = overlap_tokens
        self.max_bytes = max_bytes

    def ingest_document(
        self,
        parsed: ParsedDocument,
        readers: frozenset[Reader],
        tags: Sequence[str] = (),
        *,
        name: str = "",
    ) -> IngestResult:
        """Store one parsed document (or leave it if unchanged; readers are updated either way).

        ``name`` is what readers see it called (default: the source's file name). A new name for
        the same content rewrites the document, reusing its cached vectors, so that a store made
        before names existed gets them when its folders are ingested again.
        """
        name = name or default_name(parsed.source)
        digest = content_hash(parsed.title, parsed.text, *sorted(tags))
        existing = self.store.document_by_source(parsed.source)
        if existing is not None and existing.content_hash == digest and existing.name == name:
            if existing.readers != readers:
                self.store.set_readers(existing.id, readers)
            return IngestResult(parsed.source, "unchanged", existing.id)
        doc_id, replaced = self._put(parsed, readers, tags, name, digest)
        return IngestResult(parsed.source, "updated" if replaced else "added", doc_id)

    def reembed(self, progress: Callable[[IngestResult], None] | None = None) -> IngestReport:
        """Chunk and embed every stored document again, from its stored text, as an ingest today
        would: a store built before passages were embedded under their title (or with other
        chunk sizes) gets what a fresh one has. Readers, names and tags stay; each document is
        replaced in one transaction, so an interrupted run leaves every document whole, old or
        new. Vectors already computed for identical text are reused."""
        report = IngestReport()
        for record in self.store.documents():
            try:
                text, metadata = self.store.stored_contents(record.id)
                parsed = ParsedDocument(record.title, text, record.source, record.media_type, metadata)
                doc_id, _ = self._put(parsed, record.readers, record.tags, record.name, record.content_hash)
                result = IngestResult(record.source, "updated", doc_id)
            except SakuinError as exc:  # reported, and the next document is embedded
                result = IngestResult(record.source, "failed", record.id, str(exc))
            report.results.append(result)
            if progress:
                progress(result)
        return report

    def _put(
        self, parsed: ParsedDocument, readers: frozenset[Reader], tags: Sequence[str], name: str, digest: str
    ) -> tuple[int, bool]:
        """Chunk, embed and store one document, replacing the one with its source; (id, replaced)."""
        chunks = chunk_text(
            parsed.text,
            self.embedder.count_tokens,
            target_tokens=self.chunk_tokens,
            overlap_tokens=self.overlap_tokens,
        )
        vectors = self._vectors([c.for_embedding(parsed.title) for c in chunks])
        document = NewDocument(
            parsed.source,
            parsed.title,
            parsed.text,
            digest,
            parsed.media_type,
            readers,
            tuple(tags),
            parsed.metadata,
            name,
        )
        return self.store.put_document(document, chunks, vectors)

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings for ``texts``, reusing any computed before for identical text."""
        hashes = [content_hash(self.embedder.name, t) for t in texts]
        known = self.store.cached_vectors(self.embedder.name, hashes)
        missing = [i for i, h in enumerate(hashes) if h not in known]
        if missing:
            fresh = self.embedder.embed_passages([texts[i] for i in missing])
            new = {hashes[i]: fresh[j] for j, i in enumerate(missing)}
            self.store.remember_vectors(self.embedder.name, new)
            known.update(new)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([known[h] for h in hashes])

    def ingest_file(
        self,
        path: Path,
        readers: frozenset[Reader],
        *,
        tags: Sequence[str] = (),
        rows: bool = False,
        text_field: str | None = None,
        title_field: str | None = None,
        root: Path | None = None,
    ) -> list[IngestResult]:
        """One file: one document, or one per row of a CSV/JSONL file with ``rows``.

        Readers see it named by its path inside ``root`` (just its file name without one), with
        a row's ``#n`` after it.
        """
        documents = parse_file(
            path, max_bytes=self.max_bytes, rows=rows, text_field=text_field, title_field=title_field
        )
        name = name_under(root, path)
        return [
            self.ingest_document(d, readers, tags, name=name + d.source.removeprefix(str(path)))
            for d in documents
        ]

    def ingest_path(
        self,
        path: Path,
        readers: frozenset[Reader],
        *,
        include: Sequence[str] = ("*",),
        exclude: Sequence[str] = (),
        tags: Sequence[str] = (),
        rows: bool = False,
        text_field: str | None = None,
        title_field: str | None = None,
        progress: Callable[[IngestResult], None] | None = None,
        root: Path | None = None,
    ) -> IngestReport:
        """A file, or every matching file under a folder; bad files are reported, not fatal.

        Documents are named by their path inside ``root``: by default the folder itself, so a
        reader sees ``hr/leave.md``, never the server's folder above it.
        """
        root = root or (path if path.is_dir() else None)
        report = IngestReport()
        for file in files_under(path, include, exclude):
            if file.suffix.lower() not in PARSERS:
                results = [IngestResult(str(file), "skipped", reason=f"unsupported type '{file.suffix}'")]
            else:
                try:
                    results = self.ingest_file(
                        file,
                        readers,
                        tags=tags,
                        rows=rows,
                        text_field=text_field,
                        title_field=title_field,
                        root=root,
                    )
                except SakuinError as exc:  # parse errors, unknown readers: reported, not fatal
                    results = [IngestResult(str(file), "failed", reason=str(exc))]
            for result in results:
                report.results.append(result)
                if progress:
                    progress(result)
        return report


def files_under(path: Path, include: Sequence[str], exclude: Sequence[str]) -> list[Path]:
    """``path`` itself if it is a file, else its files (recursively) matching the globs, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ParseError(f"{path}: no such file or folder.")
    return [f for f in sorted(path.rglob("*")) if f.is_file() and is_wanted(path, f, include, exclude)]


def is_wanted(root: Path, file: Path, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether ``file`` under ``root`` matches an include glob and no exclude glob.

    Globs match the path relative to ``root`` or the file name; hidden files and folders
    (.git, .DS_Store) are never documents.
    """
    relative = file.relative_to(root)
    if any(part.startswith(".") for part in relative.parts):
        return False
    names = (relative.as_posix(), file.name)
    return any(fnmatch.fnmatch(n, g) for g in include for n in names) and not any(
        fnmatch.fnmatch(n, g) for g in exclude for n in names
    )
