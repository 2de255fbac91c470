"""PostgreSQL's second wall: row-level security hides rows even from a query with no filter."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg
import pytest

from sakuin.knowledge.access import parse_readers
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.store.base import NewDocument
from sakuin.knowledge.store.postgres import READER_ROLE, PostgresStore
from tests.knowledge.conftest import fresh_database


def test_reader_role_sees_only_permitted_rows_without_any_filter(postgres: Any) -> None:
    with fresh_database(postgres) as url:
        store = PostgresStore(url, dim=4)
        for user in ("alice", "bob"):
            store.add_user(user)
        store.add_group("hr", ["alice"])
        vector = np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32)
        for source, readers in (("hr-only", "group:hr"), ("bob-only", "user:bob"), ("all", "everyone")):
            store.put_document(
                NewDocument(source, source, "本文", source, "text/plain", parse_readers(readers)),
                [Chunk("本文", 0, 2)],
                vector,
            )
        store.close()

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"SET ROLE {READER_ROLE}")

            def visible(user: str) -> tuple[set[str], int]:
                connection.execute("SELECT set_config('sakuin.user', %s, false)", (user,))
                sources = {row[0] for row in connection.execute("SELECT source FROM documents")}
                chunks = connection.execute("SELECT COUNT(*) FROM chunks").fetchone()
                return sources, chunks[0] if chunks else -1

            assert visible("alice") == ({"hr-only", "all"}, 2)
            assert visible("bob") == ({"bob-only", "all"}, 2)
            assert visible("nobody") == ({"all"}, 1)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("DELETE FROM documents")
