"""Stores behind one interface: SQLite (embedded default)."""

from sakuin.knowledge.store.base import DocumentRecord, Hit, NewDocument, SearchFilters, Store

__all__ = ["DocumentRecord", "Hit", "NewDocument", "SearchFilters", "Store"]
