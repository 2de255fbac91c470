"""Who may use knowledge in weights: only those who may read every document it governs by.

An adapter's ``documents`` are the knowledge-base documents its facts came from; a fact set
with none is kept as a document of its own, readable by its creator, and sharing the adapter
shares that document. Every check asks the store which documents a user may read, so the one
permission filter of :mod:`sakuin.knowledge.access` decides here too, and a change to readers or
group membership applies to the next use.
"""

from __future__ import annotations

from collections.abc import Sequence

from sakuin.knowledge.access import Reader, parse_readers
from sakuin.knowledge.parse import ParsedDocument
from sakuin.knowledge.store.base import Store
from sakuin.knowledge.workspace import KnowledgeBase
from sakuin.memorize.adapters import AdapterError, AdapterNotFoundError, Manifest
from sakuin.memorize.facts import Fact, FactSetError


def readable(store: Store, user: str) -> set[int]:
    """Ids of the documents ``user`` may read, through the one permission filter."""
    return {document.id for document in store.documents(user)}


def may_use(manifest: Manifest, user: str, store: Store) -> bool:
    """Whether ``user`` may read every document the adapter governs by (never true for none)."""
    return bool(manifest.documents) and set(manifest.documents) <= readable(store, user)


def check_use(manifest: Manifest, user: str, store: Store) -> None:
    if not may_use(manifest, user, store):
        raise AdapterNotFoundError(manifest.name)


def check_trainer_reads(facts: Sequence[Fact], user: str, store: Store) -> None:
    """Nobody teaches a model what they may not read themselves."""
    allowed = readable(store, user)
    for fact in facts:
        if fact.document is not None and fact.document not in allowed:
            raise FactSetError(f"a fact names document {fact.document}, which {user} cannot read.")


def facts_document_source(name: str) -> str:
    return f"adapter:{name}"


def governing_documents(kb: KnowledgeBase, facts: Sequence[Fact], owner: str, name: str) -> list[int]:
    """The documents the facts came from; or, for facts from none, a new document owned by ``owner``."""
    documents = sorted({f.document for f in facts if f.document is not None})
    if documents:
        return documents
    text = "\n".join(f.sentence or f"{f.subject} — {f.relation}: {f.object}" for f in facts)
    parsed = ParsedDocument(f"adapter {name}: facts", text, facts_document_source(name), "text/plain")
    result = kb.ingestor.ingest_document(
        parsed, frozenset({Reader("user", owner)}), name=f"adapter-{name}-facts"
    )
    assert result.document_id is not None
    return [result.document_id]


def share(kb: KnowledgeBase, manifest: Manifest, user: str, readers: str) -> frozenset[Reader]:
    """Let ``readers`` use an adapter whose facts came from no document; only its owner may."""
    if manifest.sources:
        raise AdapterError(
            f"adapter '{manifest.name}' was learnt from documents; share those (sakuin docs share ID) "
            "and the adapter follows them."
        )
    if user != manifest.owner:
        raise AdapterError(f"only {manifest.owner}, who made adapter '{manifest.name}', may share it.")
    own = kb.store.document_by_source(facts_document_source(manifest.name))
    inherited = [d for d in manifest.documents if own is None or d != own.id]
    if inherited:  # sharing them here would share another adapter's facts behind its owner's back
        raise AdapterError(
            f"adapter '{manifest.name}' also holds what it was trained on top of or merged from "
            f"(documents {', '.join(map(str, inherited))}); those adapters' owners share them first."
        )
    chosen = parse_readers(readers) | {Reader("user", manifest.owner)}
    if own is not None:
        kb.store.set_readers(own.id, chosen)
    return chosen
