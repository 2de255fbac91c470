"""The job kinds the server offers today; later capabilities register theirs the same way."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.server.jobs import JobContext, JobKind
from sakuin.server.uploads import ingest_uploads


class IngestParams(BaseModel):
    """Parameters of a bulk ingest: who may read the files, and tags for all of them."""

    readers: str = Field(description="user:NAME, group:NAME or everyone, comma-separated.", min_length=1)
    tags: list[str] = Field(default_factory=list, max_length=32)


def ingest_kind(kb: KnowledgeBase) -> JobKind:
    """Bulk ingest of uploaded files: progress per file, cancel between files, ``report.json``."""

    def run(params: IngestParams, context: JobContext) -> None:
        results = ingest_uploads(
            kb,
            context.principal,
            context.inputs,
            parse_readers(params.readers),
            tags=params.tags,
            progress=context.report,
            cancelled=context.cancelled,
        )
        report = [
            {"source": r.source, "status": r.status, "document_id": r.document_id, "reason": r.reason}
            for r in results
        ]
        (context.output_dir / "report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    return JobKind("ingest", "Add many files to the knowledge base.", IngestParams, run, accepts_files=True)
