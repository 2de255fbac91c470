"""PostgreSQL + pgvector store, for scale: HNSW, full-text search, and row-level security.

The same interface and semantics as the SQLite store. The permission filter is in every query
that selects candidates; HNSW scans run with ``hnsw.iterative_scan`` so a filtered query keeps
scanning until it has k permitted rows. Behind that, row-level security is a second wall: reads
run as a role that can only see the rows the asking user may read (``sakuin.user``), so even a
query that forgot the filter could not leak.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import dict_row

from sakuin.knowledge import lexical
from sakuin.knowledge.access import Reader, readable_documents_sql
from sakuin.knowledge.chunk import Chunk
from sakuin.knowledge.names import default_name
from sakuin.knowledge.store.base import (
    NO_FILTERS,
    DocumentNotFoundError,
    DocumentRecord,
    Hit,
    NewDocument,
    SearchFilters,
)
from sakuin.knowledge.store.sql import PRINCIPAL_TABLES, SQLStore, like_prefix

READER_ROLE = "sakuin_reader"
READABLE = readable_documents_sql("current_setting('sakuin.user', true)")


def _schema(dim: int) -> str:
    return f"""
    CREATE EXTENSION IF NOT EXISTS vector;
    {PRINCIPAL_TABLES}
    CREATE TABLE documents (
        id BIGSERIAL PRIMARY KEY,
        source TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        media_type TEXT NOT NULL,
        tags JSONB NOT NULL DEFAULT '[]',
        metadata JSONB NOT NULL DEFAULT '{{}}',
        created TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE readers (
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'group', 'everyone')),
        name TEXT NOT NULL,
        PRIMARY KEY (doc_id, kind, name)
    );
    CREATE INDEX readers_by_name ON readers(kind, name);
    CREATE TABLE chunks (
        id BIGSERIAL PRIMARY KEY,
        doc_id BIGINT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        start_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        text TEXT NOT NULL,
        headings JSONB NOT NULL DEFAULT '[]',
        words TSVECTOR NOT NULL,
        embedding VECTOR({dim}) NOT NULL
    );
    CREATE INDEX chunks_by_doc ON chunks(doc_id);
    CREATE INDEX chunks_words ON chunks USING GIN (words);
    CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_ip_ops);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE embedding_cache (model TEXT NOT NULL, hash TEXT NOT NULL, vector REAL[] NOT NULL,
                                  PRIMARY KEY (model, hash));
    DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
            CREATE ROLE {READER_ROLE} NOLOGIN;
        END IF;
    END $$;
    GRANT USAGE ON SCHEMA public TO {READER_ROLE};
    GRANT SELECT ON users, groups, memberships, documents, readers, chunks TO {READER_ROLE};
    ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
    ALTER TABLE chunks ENABLE ROW LEVEL SECURITY;
    CREATE POLICY owner_all ON documents TO CURRENT_USER USING (true);
    CREATE POLICY owner_all ON chunks TO CURRENT_USER USING (true);
    CREATE POLICY readable ON documents FOR SELECT TO {READER_ROLE} USING (id IN ({READABLE}));
    CREATE POLICY readable ON chunks FOR SELECT TO {READER_ROLE} USING (doc_id IN ({READABLE}));
    """


PgConnection = psycopg.Connection[dict[str, Any]]
# Title terms are weight class 'A', body terms the default 'D'; ts_rank_cd's weights are {D, C, B, A}.
_TITLE_VECTOR = "setweight(to_tsvector('simple', %s), 'A')"
_RANK_WEIGHTS = f"'{{{1 / lexical.TITLE_WEIGHT}, 0, 0, 1}}'"


def _create(db: PgConnection, dim: int) -> None:
    """Migration 1: the tables, indexes, reader role and row-level security policies."""
    db.execute(_schema(dim))


def _add_names(db: PgConnection, dim: int) -> None:
    """Migration 2: the name readers see; documents stored before it get the last part of their source."""
    db.execute("ALTER TABLE documents ADD COLUMN name TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT id, source FROM documents").fetchall()
    with db.cursor() as cursor:
        cursor.executemany(
            "UPDATE documents SET name = %s WHERE id = %s",
            [(default_name(r["source"]), r["id"]) for r in rows],
        )


def _index_titles(db: PgConnection, dim: int) -> None:
    """Migration 3: each chunk's words also hold its document's title terms, weighted 'A' (see lexical.py)."""
    rows = db.execute("SELECT id, title FROM documents").fetchall()
    with db.cursor() as cursor:
        cursor.executemany(
            f"UPDATE chunks SET words = {_TITLE_VECTOR} || words WHERE doc_id = %s",
            [(lexical.index_text(r["title"]), r["id"]) for r in rows],
        )


# Migration n + 1 is MIGRATIONS[n]; sakuin_schema holds the number of the last one applied.
MIGRATIONS: list[Callable[[PgConnection, int], None]] = [_create, _add_names, _index_titles]


class PostgresStore(SQLStore):
    """The knowledge base in a PostgreSQL database with pgvector."""

    P = "%s"
    # ts_rank_cd has no IDF and ranks far below BM25 (dev split, 1,497 questions: lexical alone
    # R@1 0.482, dense 0.795): 0.3 → 0.810, 0.4 → 0.798, 0.5 → 0.753, 0.7 → 0.617
    lexical_weight = 0.3

    def __init__(self, url: str, *, dim: int = 384) -> None:
        self.url = url
        self.dim = dim
        self._db = psycopg.connect(url, row_factory=dict_row, autocommit=False)
        self._lock = threading.RLock()
        self._migrate()

    # -- plumbing -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(7411)")  # one migrating process at a time
            self._db.execute("CREATE TABLE IF NOT EXISTS sakuin_schema (version INTEGER NOT NULL)")
            row = self._db.execute("SELECT version FROM sakuin_schema").fetchone()
            if row is None:
                self._db.execute("INSERT INTO sakuin_schema VALUES (0)")
            version = row["version"] if row else 0
            for migration in MIGRATIONS[version:]:
                migration(self._db, self.dim)
            self._db.execute("UPDATE sakuin_schema SET version = %s", (len(MIGRATIONS),))

    @contextmanager
    def _write(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        with self._lock, self._db.transaction():
            yield self._db

    @contextmanager
    def _read_as(self, user: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A transaction under the reader role: row-level security shows only ``user``'s rows."""
        with self._lock, self._db.transaction():
            self.require_user(user)
            self._db.execute(f"SET LOCAL ROLE {READER_ROLE}")
            self._db.execute("SELECT set_config('sakuin.user', %s, true)", (user,))
            yield self._db

    def _rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock, self._db.transaction():
            return self._db.execute(sql, params).fetchall()

    # -- documents ----------------------------------------------------------------------------
    def put_document(
        self, document: NewDocument, chunks: Sequence[Chunk], vectors: np.ndarray
    ) -> tuple[int, bool]:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        with self._write() as db:
            self._require_readers(db, document.readers)
            old = db.execute(
                "SELECT id, created FROM documents WHERE source = %s FOR UPDATE", (document.source,)
            ).fetchone()
            if old is not None:
                db.execute("DELETE FROM documents WHERE id = %s", (old["id"],))
            row = db.execute(
                "INSERT INTO documents (source, name, title, text, content_hash, media_type, tags,"
                " metadata, created)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, COALESCE(%s, now())) RETURNING id",
                (
                    document.source,
                    document.display_name,
                    document.title,
                    document.text,
                    document.content_hash,
                    document.media_type,
                    json.dumps(list(document.tags), ensure_ascii=False),
                    json.dumps(document.metadata, ensure_ascii=False),
                    old["created"] if old else None,
                ),
            ).fetchone()
            doc_id = int(row["id"]) if row else 0
            self._insert_readers(db, doc_id, document.readers)
            title_terms = lexical.index_text(document.title)
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO chunks (doc_id, ord, start_offset, end_offset, text, headings, words,"
                    " embedding)"
                    f" VALUES (%s, %s, %s, %s, %s, %s, {_TITLE_VECTOR} || to_tsvector('simple', %s),"
                    " %s::vector)",
                    [
                        (
                            doc_id,
                            order,
                            c.start,
                            c.end,
                            c.text,
                            json.dumps(list(c.headings), ensure_ascii=False),
                            title_terms,
                            lexical.index_text(c.for_embedding()),
                            _vector(v),
                        )
                        for order, (c, v) in enumerate(zip(chunks, vectors, strict=True))
                    ],
                )
        return doc_id, old is not None

    def remember_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._write() as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO embedding_cache VALUES (%s, %s, %s) ON CONFLICT (model, hash) DO NOTHING",
                [(model, h, [float(x) for x in v]) for h, v in vectors.items()],
            )

    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        rows = self._rows(
            "SELECT hash, vector FROM embedding_cache WHERE model = %s AND hash = ANY(%s)",
            (model, list(hashes)),
        )
        return {r["hash"]: np.asarray(r["vector"], dtype=np.float32) for r in rows}

    def delete_document(self, document_id: int) -> None:
        with self._write() as db:
            if (
                db.execute("DELETE FROM documents WHERE id = %s RETURNING id", (document_id,)).fetchone()
                is None
            ):
                raise DocumentNotFoundError(document_id)

    _DOCUMENT_COLUMNS = (
        "SELECT d.id, d.source, d.name, d.title, d.content_hash, d.media_type, d.tags, d.created, d.updated,"
        " (SELECT COUNT(*) FROM chunks c WHERE c.doc_id = d.id) AS chunks,"
        " (SELECT COALESCE(json_agg(json_build_array(r.kind, r.name)), '[]') FROM readers r"
        "  WHERE r.doc_id = d.id) AS readers FROM documents d"
    )

    @staticmethod
    def _record(row: dict[str, Any]) -> DocumentRecord:
        readers = frozenset(Reader(kind, name) for kind, name in row["readers"])
        return DocumentRecord(
            row["id"],
            row["source"],
            row["name"],
            row["title"],
            row["content_hash"],
            row["media_type"],
            readers,
            tuple(row["tags"]),
            int(row["chunks"]),
            row["created"],
            row["updated"],
        )

    def document_by_source(self, source: str) -> DocumentRecord | None:
        rows = self._rows(f"{self._DOCUMENT_COLUMNS} WHERE d.source = %s", (source,))
        return self._record(rows[0]) if rows else None

    def document(self, document_id: int, user: str | None = None) -> DocumentRecord:
        if user is None:
            rows = self._rows(f"{self._DOCUMENT_COLUMNS} WHERE d.id = %s", (document_id,))
        else:
            with self._read_as(user) as db:
                rows = db.execute(
                    f"{self._DOCUMENT_COLUMNS} WHERE d.id = %s AND d.id IN ({READABLE})",
                    (document_id,),
                ).fetchall()
        if not rows:
            raise DocumentNotFoundError(document_id, readable=True)
        return self._record(rows[0])

    def document_text(self, document_id: int, user: str) -> str:
        with self._read_as(user) as db:
            row = db.execute(
                f"SELECT text FROM documents d WHERE d.id = %s AND d.id IN ({READABLE})",
                (document_id,),
            ).fetchone()
        if row is None:
            raise DocumentNotFoundError(document_id, readable=True)
        return str(row["text"])

    def documents(self, user: str | None = None) -> list[DocumentRecord]:
        if user is None:
            return [self._record(r) for r in self._rows(f"{self._DOCUMENT_COLUMNS} ORDER BY d.id")]
        with self._read_as(user) as db:
            rows = db.execute(f"{self._DOCUMENT_COLUMNS} WHERE d.id IN ({READABLE}) ORDER BY d.id").fetchall()
        return [self._record(r) for r in rows]

    # -- retrieval ----------------------------------------------------------------------------
    @staticmethod
    def _filter_sql(filters: SearchFilters, params: dict[str, Any]) -> str:
        parts = [f"d.id IN ({READABLE})"]
        if filters.source_prefix:
            params["source"] = like_prefix(filters.source_prefix)
            parts.append("d.source LIKE %(source)s")
        if filters.name_prefix:
            params["name"] = like_prefix(filters.name_prefix)
            parts.append("d.name LIKE %(name)s")
        if filters.updated_after:
            params["after"] = filters.updated_after
            parts.append("d.updated >= %(after)s")
        if filters.tags:
            params["tags"] = json.dumps(list(filters.tags), ensure_ascii=False)
            parts.append("d.tags @> %(tags)s::jsonb")
        return " AND ".join(parts)

    _HIT_COLUMNS = (
        "c.id, c.doc_id, d.title, d.source, d.name, c.start_offset, c.end_offset, c.text, c.headings"
    )

    def lexical(self, query: str, user: str, k: int, filters: SearchFilters = NO_FILTERS) -> list[Hit]:
        terms = sorted(set(lexical.terms(query)))
        if not terms:
            self.require_user(user)
            return []
        params: dict[str, Any] = {"query": " | ".join(_tsquery_term(t) for t in terms), "k": k}
        sql = (
            f"SELECT {self._HIT_COLUMNS}, ts_rank_cd({_RANK_WEIGHTS}, c.words, q) AS score"
            " FROM chunks c JOIN documents d ON d.id = c.doc_id, to_tsquery('simple', %(query)s) q"
            f" WHERE c.words @@ q AND {self._filter_sql(filters, params)}"
            " ORDER BY score DESC, c.id LIMIT %(k)s"
        )
        with self._read_as(user) as db:
            rows = db.execute(sql, params).fetchall()
        return [_hit(r) for r in rows]

    def dense(self, vector: np.ndarray, user: str, k: int, filters: SearchFilters = NO_FILTERS) -> list[Hit]:
        params: dict[str, Any] = {"q": _vector(vector), "k": k}
        sql = (
            f"SELECT {self._HIT_COLUMNS}, -(c.embedding <#> %(q)s::vector) AS score"
            " FROM chunks c JOIN documents d ON d.id = c.doc_id"
            f" WHERE {self._filter_sql(filters, params)} ORDER BY c.embedding <#> %(q)s::vector LIMIT %(k)s"
        )
        with self._read_as(user) as db:
            # keep scanning the graph until k rows pass the filter, instead of returning short
            db.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            db.execute(f"SET LOCAL hnsw.ef_search = {max(40, 2 * k)}")
            rows = db.execute(sql, params).fetchall()
        return sorted((_hit(r) for r in rows), key=lambda h: -h.score)  # relaxed order: sort the k found

    # -- health -------------------------------------------------------------------------------
    def check_integrity(self) -> list[str]:
        problems = []
        orphans = self._rows(
            "SELECT COUNT(*) AS n FROM readers r LEFT JOIN documents d ON d.id = r.doc_id WHERE d.id IS NULL"
        )[0]["n"]
        if orphans:
            problems.append(f"{orphans} reader rows without a document")
        empty = self._rows(
            "SELECT COUNT(*) AS n FROM documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM readers r WHERE r.doc_id = d.id)"
        )[0]["n"]
        if empty:
            problems.append(f"{empty} documents that nobody may read")
        return problems

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _vector(values: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.7g}" for x in values) + "]"


def _tsquery_term(term: str) -> str:
    """A term quoted as a tsquery lexeme, so no character of it is read as an operator."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _hit(row: dict[str, Any]) -> Hit:
    return Hit(
        row["id"],
        row["doc_id"],
        row["title"],
        row["source"],
        row["name"],
        row["start_offset"],
        row["end_offset"],
        row["text"],
        tuple(row["headings"]),
        float(row["score"]),
    )
