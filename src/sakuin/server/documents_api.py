"""Documents and search: the CLI's ``docs``/``ingest``/``search`` over HTTP, as the asking user.

Every read passes the principal to the store, whose one permission filter decides inside its
query; a document the caller may not read answers 404 exactly like one that does not exist.

Readers see a document's ``name`` (its path inside what was ingested, or the uploaded file's
name). Its ``source``, where the server read it, is in a response only for admins: for anyone
else the field is absent (routes drop ``None`` fields), so no server path reaches them.
"""

from __future__ import annotations

import pathlib
import tempfile
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from sakuin.errors import SakuinError
from sakuin.knowledge.access import Reader, parse_readers
from sakuin.knowledge.ocr import Region, locate
from sakuin.knowledge.store.base import DocumentRecord, Hit, SearchFilters
from sakuin.server.auth import ForbiddenError, Principal, PrincipalDep
from sakuin.server.services import ServicesDep, exposes
from sakuin.server.uploads import check_readers, ingest_uploads, may_manage, safe_filename

router = APIRouter(prefix="/api")
CONTEXT_CHARACTERS = 200
DocumentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A document's id (SQL BIGINT).")]


class PassageError(SakuinError):
    """Offsets that do not delimit a passage of the document."""


def admin_only(value: str, principal: Principal) -> str | None:
    """``value`` for an admin; None (an absent field) for everyone else."""
    return value if principal.admin else None


Name = Annotated[str, Field(description="Its path inside what was ingested, or the uploaded file's name.")]
Source = Annotated[str | None, Field(description="Where the server read it: present for admins only.")]


class Document(BaseModel):
    id: int
    title: str
    name: Name
    source: Source = None
    media_type: str
    readers: list[str]
    tags: list[str]
    chunks: int
    updated: datetime
    manageable: bool = Field(description="Whether the caller may share or delete it.")

    @classmethod
    def of(cls, record: DocumentRecord, principal: Principal) -> Document:
        return cls(
            id=record.id,
            title=record.title,
            name=record.name,
            source=admin_only(record.source, principal),
            media_type=record.media_type,
            readers=sorted(str(r) for r in record.readers),
            tags=list(record.tags),
            chunks=record.chunks,
            updated=record.updated,
            manageable=may_manage(record, principal.user, admin=principal.admin),
        )


class DocumentWithText(Document):
    text: str


class UploadResult(BaseModel):
    source: str
    status: str
    document_id: int | None
    reason: str


class Readers(BaseModel):
    readers: str = Field(min_length=1, max_length=4096, description="user:NAME, group:NAME or everyone.")


class Span(BaseModel):
    """Text between two offsets of a document, as the caller may see it (no server path)."""

    document_id: int
    title: str
    name: Name
    source: Source = None
    start: int
    end: int
    text: str


class Passage(Span):
    before: str = Field(description="Up to 200 characters preceding the passage, for context.")
    after: str = Field(description="Up to 200 characters following it.")
    regions: list[Region] = Field(
        description="For a scan read by OCR: the pages and the boxes (pixels of the page) its text came from."
    )


class SearchHit(Span):
    """A :class:`~sakuin.knowledge.store.base.Hit` as the caller may see it."""

    chunk_id: int
    headings: list[str]
    score: float

    @classmethod
    def of(cls, hit: Hit, principal: Principal) -> SearchHit:
        return cls(**{**asdict(hit), "source": admin_only(hit.source, principal)})


def save_uploads(files: list[UploadFile], folder: pathlib.Path) -> list[pathlib.Path]:
    """Write uploaded files into ``folder`` under their (sanitised) client names."""
    paths = []
    for upload in files:
        path = folder / safe_filename(upload.filename)
        with path.open("wb") as sink:
            while block := upload.file.read(1 << 20):
                sink.write(block)
        paths.append(path)
    return paths


@router.get("/documents", openapi_extra=exposes("content"), response_model_exclude_none=True)
def list_documents(principal: PrincipalDep, services: ServicesDep) -> list[Document]:
    """The documents the caller may read."""
    return [Document.of(r, principal) for r in services.kb.store.documents(principal.user)]


@router.post("/documents", openapi_extra=exposes("content"))
def upload_documents(
    principal: PrincipalDep,
    services: ServicesDep,
    files: Annotated[list[UploadFile], File(description="Files to add (txt, md, html, pdf, docx, csv…).")],
    readers: Annotated[str, Form(min_length=1, max_length=4096)],
    tags: Annotated[str, Form(max_length=1024, description="Comma-separated tags.")] = "",
) -> list[UploadResult]:
    """Add or update documents; searchable as soon as this returns. Bad files are reported, not fatal.

    For many files at once, submit an ``ingest`` job instead and follow its progress.
    """
    who = parse_readers(readers)
    with tempfile.TemporaryDirectory(prefix="sakuin-upload-") as folder:
        paths = save_uploads(files, pathlib.Path(folder))
        results = ingest_uploads(
            services.kb, principal.user, paths, who, tags=[t.strip() for t in tags.split(",") if t.strip()]
        )
    return [UploadResult(**r.__dict__) for r in results]


@router.get("/documents/{document_id}", openapi_extra=exposes("content"), response_model_exclude_none=True)
def show_document(
    document_id: DocumentId, principal: PrincipalDep, services: ServicesDep
) -> DocumentWithText:
    record = services.kb.store.document(document_id, principal.user)
    text = services.kb.store.document_text(document_id, principal.user)
    return DocumentWithText(**Document.of(record, principal).model_dump(), text=text)


@router.get(
    "/documents/{document_id}/download", response_class=PlainTextResponse, openapi_extra=exposes("content")
)
def download_document(
    document_id: DocumentId, principal: PrincipalDep, services: ServicesDep
) -> PlainTextResponse:
    """The document's extracted text as a UTF-8 file."""
    record = services.kb.store.document(document_id, principal.user)
    text = services.kb.store.document_text(document_id, principal.user)
    filename = pathlib.PurePosixPath(record.name).stem or f"document-{document_id}"
    return PlainTextResponse(
        text, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}.txt"}
    )


def _managed_record(document_id: int, principal: PrincipalDep, services: ServicesDep) -> DocumentRecord:
    """The document if the caller may manage it: 404 if they cannot even read it, else 403."""
    if principal.admin:
        return services.kb.store.document(document_id)
    record = services.kb.store.document(document_id, principal.user)
    if not may_manage(record, principal.user, admin=False):
        raise ForbiddenError(f"document {document_id} was not uploaded by you; ask its owner or an admin.")
    return record


@router.get(
    "/documents/{document_id}/passage", openapi_extra=exposes("content"), response_model_exclude_none=True
)
def passage(
    document_id: DocumentId,
    principal: PrincipalDep,
    services: ServicesDep,
    start: Annotated[int, Query(ge=0, le=2**31)],
    end: Annotated[int, Query(ge=0, le=2**31)],
) -> Passage:
    """The text between two offsets of a search hit or a citation, with a little context around it."""
    record = services.kb.store.document(document_id, principal.user)
    text = services.kb.store.document_text(document_id, principal.user)
    if not start < end <= len(text):
        raise PassageError(
            f"offsets {start}-{end} are not a passage of document {document_id} (0-{len(text)})."
        )
    return Passage(
        document_id=document_id,
        title=record.title,
        name=record.name,
        source=admin_only(record.source, principal),
        start=start,
        end=end,
        text=text[start:end],
        before=text[max(0, start - CONTEXT_CHARACTERS) : start],
        after=text[end : end + CONTEXT_CHARACTERS],
        regions=locate(services.kb.store.document_metadata(document_id, principal.user), start, end),
    )


@router.put(
    "/documents/{document_id}/readers", openapi_extra=exposes("content"), response_model_exclude_none=True
)
def share_document(
    document_id: DocumentId, body: Readers, principal: PrincipalDep, services: ServicesDep
) -> Document:
    """Replace who may read a document; it applies to the very next request."""
    _managed_record(document_id, principal, services)
    readers = parse_readers(body.readers)
    if not principal.admin:  # an uploader stays a reader of what they manage, as on upload
        readers |= {Reader("user", principal.user)}
    check_readers(services.kb.store, readers)
    services.kb.store.set_readers(document_id, readers)
    return Document.of(services.kb.store.document(document_id), principal)


@router.delete("/documents/{document_id}", status_code=204, openapi_extra=exposes("content"))
def delete_document(document_id: DocumentId, principal: PrincipalDep, services: ServicesDep) -> None:
    _managed_record(document_id, principal, services)
    services.kb.store.delete_document(document_id)


@router.get("/search", openapi_extra=exposes("content"), response_model_exclude_none=True)
def search(
    principal: PrincipalDep,
    services: ServicesDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="What to look for.")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: Literal["lexical", "dense", "hybrid"] = "hybrid",
    path: Annotated[str | None, Query(max_length=1000, description="Only names starting with this.")] = None,
    source: Annotated[
        str | None, Query(max_length=1000, description="Only sources starting with this (admins only).")
    ] = None,
    tag: Annotated[list[str] | None, Query(max_length=32)] = None,
) -> list[SearchHit]:
    """The best passages among what the caller may read (the same search as ``sakuin search``)."""
    if source is not None and not principal.admin:  # its answers would reveal the server's paths
        raise ForbiddenError("only an admin may filter by source; filter by path (the name) instead.")
    filters = SearchFilters(source, None, tuple(tag or []), name_prefix=path)
    hits = services.kb.search(q, principal.user, k=k, mode=mode, filters=filters)
    return [SearchHit.of(hit, principal) for hit in hits]
