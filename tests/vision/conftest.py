"""Vision tests reuse the knowledge base fixtures (a real SQLite and PostgreSQL store)."""

from tests.knowledge.conftest import kb, postgres

__all__ = ["kb", "postgres"]
