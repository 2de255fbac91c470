"""Stores behind one interface: SQLite (embedded default) and PostgreSQL + pgvector (scale)."""

from sakuin.knowledge.store.base import DocumentRecord, Hit, NewDocument, SearchFilters, Store

__all__ = ["DocumentRecord", "Hit", "NewDocument", "SearchFilters", "Store"]
