"""What the SQL stores share: users, groups, memberships and readers, in portable SQL.

SQLite and PostgreSQL differ in placeholders (``?`` against ``%s``) and in how a transaction is
opened; everything else about principals is the same statements, written once here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sakuin.errors import ConfigError
from sakuin.knowledge.access import Reader, UnknownPrincipalError, check_name
from sakuin.knowledge.store.base import DocumentNotFoundError

# Users, groups and memberships: the same DDL in both dialects, part of each store's first migration.
PRINCIPAL_TABLES = """
    CREATE TABLE users (name TEXT PRIMARY KEY);
    CREATE TABLE groups (name TEXT PRIMARY KEY);
    CREATE TABLE memberships (
        group_name TEXT NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        PRIMARY KEY (group_name, user_name)
    );
    CREATE INDEX memberships_by_user ON memberships(user_name);
"""


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching strings that start with ``prefix`` literally."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Connection(Protocol):
    """The part of a DB-API connection both drivers offer."""

    def execute(self, sql: Any, params: Any = ...) -> Any: ...


class SQLStore(ABC):
    """Principals and readers over any connection with ``execute``; ``P`` is the placeholder."""

    P: str
    # Both SQL stores rank lexically by the same BM25 (lexical.py), so they share one fusion weight.
    # Dev split, all 2,843 questions, min-max fusion: R@1 0.3 → 0.878, 0.5 → 0.906, 0.6 → 0.912,
    # 0.7 → 0.914, 0.8 → 0.915, 1.0 → 0.910 (lexical alone); R@5 peaks at 0.6-0.7 (0.976, 0.975).
    lexical_weight = 0.7

    @abstractmethod
    def _write(self) -> AbstractContextManager[Connection]:
        """One write transaction."""

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Rows (addressable by column name) of one read."""

    def _sql(self, statement: str) -> str:
        """``statement`` with ``?`` placeholders in this driver's style."""
        return statement.replace("?", self.P)

    def _require(self, db: Connection, table: str, name: str, what: str) -> None:
        if db.execute(self._sql(f"SELECT 1 FROM {table} WHERE name = ?"), (name,)).fetchone() is None:
            raise UnknownPrincipalError(f"no {what} '{name}'; add it first (sakuin {what}s add {name}).")

    def _require_readers(self, db: Connection, readers: Iterable[Reader]) -> None:
        for reader in readers:
            if reader.kind != "everyone":
                self._require(db, f"{reader.kind}s", reader.name, reader.kind)

    def _insert_readers(self, db: Connection, doc_id: int, readers: frozenset[Reader]) -> None:
        for reader in sorted(readers):
            db.execute(self._sql("INSERT INTO readers VALUES (?, ?, ?)"), (doc_id, reader.kind, reader.name))

    def bind_embedder(self, name: str) -> None:
        """Record which embedder made the stored vectors; refuse to mix in vectors of another."""
        with self._write() as db:
            db.execute(self._sql("INSERT INTO meta VALUES ('embedder', ?) ON CONFLICT DO NOTHING"), (name,))
        stored = self._rows("SELECT value FROM meta WHERE key = 'embedder'")[0]["value"]
        if stored != name:
            raise ConfigError(
                f"this knowledge base was embedded with '{stored}', not '{name}'; set knowledge.embedder "
                "back, or ingest into a new data directory (or database) with the new embedder."
            )

    def add_user(self, name: str) -> None:
        with self._write() as db:
            db.execute(
                self._sql("INSERT INTO users VALUES (?) ON CONFLICT DO NOTHING"), (check_name(name, "user"),)
            )

    def add_group(self, name: str, members: Sequence[str] = ()) -> None:
        check_name(name, "group")
        with self._write() as db:
            db.execute(self._sql("INSERT INTO groups VALUES (?) ON CONFLICT DO NOTHING"), (name,))
            self._insert_members(db, name, members)

    def add_members(self, group: str, users: Sequence[str]) -> None:
        with self._write() as db:
            self._require(db, "groups", group, "group")
            self._insert_members(db, group, users)

    def _insert_members(self, db: Connection, group: str, users: Sequence[str]) -> None:
        for user in users:
            self._require(db, "users", user, "user")
            db.execute(
                self._sql("INSERT INTO memberships VALUES (?, ?) ON CONFLICT DO NOTHING"), (group, user)
            )

    def remove_members(self, group: str, users: Sequence[str]) -> None:
        with self._write() as db:
            self._require(db, "groups", group, "group")
            for user in users:
                db.execute(
                    self._sql("DELETE FROM memberships WHERE group_name = ? AND user_name = ?"), (group, user)
                )

    def require_user(self, name: str) -> None:
        if not self._rows(self._sql("SELECT 1 FROM users WHERE name = ?"), (name,)):
            raise UnknownPrincipalError(f"no user '{name}'; add it first (sakuin users add {name}).")

    def users(self) -> list[str]:
        return [row["name"] for row in self._rows("SELECT name FROM users ORDER BY name")]

    def groups(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {
            r["name"]: [] for r in self._rows("SELECT name FROM groups ORDER BY name")
        }
        for row in self._rows("SELECT group_name, user_name FROM memberships ORDER BY user_name"):
            result[row["group_name"]].append(row["user_name"])
        return result

    def set_readers(self, document_id: int, readers: frozenset[Reader]) -> None:
        with self._write() as db:
            if (
                db.execute(self._sql("SELECT 1 FROM documents WHERE id = ?"), (document_id,)).fetchone()
                is None
            ):
                raise DocumentNotFoundError(document_id)
            self._require_readers(db, readers)
            db.execute(self._sql("DELETE FROM readers WHERE doc_id = ?"), (document_id,))
            self._insert_readers(db, document_id, readers)
